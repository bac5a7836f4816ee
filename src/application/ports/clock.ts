/** The current time; tests use a fixed one. */
export interface Clock {
  now(): Date;
}
