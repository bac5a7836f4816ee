import type { IdGenerator } from '#application/ports/id-generator.ts';

/** UUID v7-shaped ids from a counter: valid UUIDs, sorted in creation order. */
export class SequentialIds implements IdGenerator {
  private counter: number;

  constructor(start = 1) {
    this.counter = start;
  }

  next(): string {
    return sequentialId(this.counter++);
  }
}

/** The n-th id SequentialIds would hand out, for tests that need a fixed id. */
export function sequentialId(n: number): string {
  return `00000000-0000-7000-8000-${n.toString().padStart(12, '0')}`;
}
