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

/** The origin (scheme, host, port) of an address, or null when it is not a web address. */
export function originOf(address: string): string | null {
  try {
    return new URL(address.trim()).origin;
  } catch {
    return null;
  }
}

/** True for plain http to a host other than this computer (127.0.0.0/8, ::1, localhost). */
export function isRemotePlainHttp(address: string): boolean {
  let u: URL;
  try {
    u = new URL(address.trim());
  } catch {
    return false;
  }
  if (u.protocol !== "http:") return false;
  const host = u.hostname.toLowerCase().replace(/\.$/, "");
  const loopback =
    host === "localhost" || host.endsWith(".localhost") || /^127\.\d+\.\d+\.\d+$/.test(host) || host === "[::1]";
  return !loopback;
}
