import type { UserId } from '#domain/shared/ids.ts';

/**
 * How the processes that cache users learn that one changed. `announce` resolves once every process that caches
 * users has dropped its copy (or could not be reached and so serves no copy); `epoch` moves on every drop a process
 * sees, so that a read that raced with a change is not cached; `live` is false while this process may miss an
 * announcement (its copies are then not to be used).
 */
export interface UserInvalidations {
  readonly live: boolean;
  readonly epoch: number;
  announce(userId: UserId): Promise<void>;
  /** Called with the user whose copies are to go, or with null when every copy is to go. */
  onInvalidate(listener: (userId: UserId | null) => void): void;
}

/** One process (the embedded mode, whose data directory is locked to one process): nobody else to tell. */
export class LocalUserInvalidations implements UserInvalidations {
  readonly live = true;
  private current = 0;
  private readonly listeners: ((userId: UserId | null) => void)[] = [];

  get epoch(): number {
    return this.current;
  }

  async announce(userId: UserId): Promise<void> {
    this.current += 1;
    for (const listener of this.listeners) listener(userId);
  }

  onInvalidate(listener: (userId: UserId | null) => void): void {
    this.listeners.push(listener);
  }
}
