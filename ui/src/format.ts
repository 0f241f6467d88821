/** A stored RFC 3339 time as the person's local date and time. */
export function when(iso: string | undefined | null): string {
  if (!iso) return "never";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
