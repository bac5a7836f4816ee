/** New ids: UUID v7 (time-ordered) in production, sequential in tests. */
export interface IdGenerator {
  next(): string;
}
