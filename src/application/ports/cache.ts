/** A shared cache of strings with expiry. Best effort: callers fall back to the source of truth when it fails. */
export interface Cache {
  get(key: string): Promise<string | null>;
  /** Several keys in one read (one round trip to a remote cache), in the order asked. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Atomically increments an integer (missing counts as 0) and returns the new value. */
  increment(key: string): Promise<number>;
  delete(key: string): Promise<void>;
}
