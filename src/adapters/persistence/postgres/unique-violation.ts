import { UniqueConstraintViolationException } from '@mikro-orm/core';

/** Whether `error` is a unique violation of the named constraint (both drivers keep PostgreSQL's `constraint`). */
export function violatesUnique(error: unknown, constraint: string): boolean {
  return (
    error instanceof UniqueConstraintViolationException &&
    (error as { constraint?: string }).constraint === constraint
  );
}
