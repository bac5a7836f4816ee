/** Runs a unit of work (one HTTP request, one queue job) in its own persistence context. */
export type Scope = <T>(work: () => Promise<T>) => Promise<T>;
