/** A stored RFC 3339 time as the person's local date and time. */
export function when(iso: string | undefined | null): string {
  if (!iso) return "never";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** A count with its noun, singular for one: `count(1, "user")` is "1 user", `count(3, "user")` "3 users". */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? singular : plural}`;
}
