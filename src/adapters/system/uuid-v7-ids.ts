import { v7 } from 'uuid';
import type { IdGenerator } from '#application/ports/id-generator.ts';

/** Time-ordered ids (monotonic within the process), so keyset paging by (createdAt, id) follows insertion order. */
export class UuidV7Ids implements IdGenerator {
  next(): string {
    return v7();
  }
}
