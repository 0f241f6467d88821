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

/** "about 2 min left"; nothing when the time is not known (absent, null or not a number). */
export function timeLeft(seconds: number | null | undefined): string {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) return "";
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s left`;
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min left`;
  return `about ${(seconds / 3600).toFixed(1)} h left`;
}

/** A progress line: the stage, and the time left when it is known. */
export function progressLabel(stage: string, etaSeconds: number | null | undefined): string {
  const left = timeLeft(etaSeconds);
  return left ? `${stage} · ${left}` : stage;
}
