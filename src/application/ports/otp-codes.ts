/** Makes one-time codes (CSPRNG) and their keyed hashes, and compares them in constant time. */
export interface OtpCodes {
  generate(): string;
  hash(code: string): string;
  matches(code: string, hash: string): boolean;
}
