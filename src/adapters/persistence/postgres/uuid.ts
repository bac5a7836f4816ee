const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether `value` is written as a UUID. Every id column is a uuid, which refuses anything else with an error; an
 * id that is not one (a path segment, a token's subject, a payment event's metadata) names no row, so the
 * repositories answer "not found" without asking.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
