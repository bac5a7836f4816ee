import { hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '#application/ports/password-hasher.ts';

/** argon2id with the library's defaults (OWASP's 19 MiB, 2 passes). */
export class Argon2PasswordHasher implements PasswordHasher {
  hash(password: string): Promise<string> {
    return hash(password);
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }
}
