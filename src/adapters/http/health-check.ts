/** A dependency the service needs to be ready (database, Redis); check() rejects when it does not answer. */
export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}
