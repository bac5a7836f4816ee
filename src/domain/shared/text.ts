/** Text fields must never carry a NUL character (PostgreSQL refuses them, clients choke on them). */
export function hasNul(value: string): boolean {
  return value.includes('\u0000');
}

/** Length in characters (Unicode code points, as PostgreSQL's char_length counts), not UTF-16 units. */
export function characterCount(value: string): number {
  let count = 0;
  for (const _ of value) count += 1;
  return count;
}
