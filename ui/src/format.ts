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

/** Words for the SCIM attributes people meet most; the rest are made from their names. */
const ATTRIBUTE_WORDS: Record<string, string> = {
  username: "User name",
  displayname: "Display name",
  nickname: "Nickname",
  profileurl: "Profile address",
  usertype: "Type of user",
  preferredlanguage: "Preferred language",
  locale: "Locale",
  timezone: "Time zone",
  active: "Active",
  externalid: "External id",
  title: "Job title",
  "name.formatted": "Full name",
  "name.familyname": "Family name",
  "name.givenname": "Given name",
  "name.middlename": "Middle name",
  "name.honorificprefix": "Title before the name",
  "name.honorificsuffix": "Title after the name",
  emails: "E-mail addresses",
  phonenumbers: "Phone numbers",
  addresses: "Addresses",
  ims: "Chat accounts",
  photos: "Photos",
  entitlements: "Entitlements",
  roles: "Roles",
  members: "Members",
  employeenumber: "Employee number",
  costcenter: "Cost center",
  organization: "Organization",
  division: "Division",
  department: "Department",
  manager: "Manager",
  "manager.value": "Manager",
};

const TYPE_WORDS: Record<string, string> = {
  emails: "e-mail",
  phonenumbers: "phone",
  addresses: "address",
  ims: "chat account",
  photos: "photo",
};

/** "employeeNumber" → "Employee number". */
function words(name: string): string {
  const spaced = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[._]/g, " ")
    .toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** An attribute path as an HR person reads it: `name.familyName` is "Family name",
 * `emails[type eq "work"].value` "Work e-mail", an enterprise URN's `department` "Department".
 * The SCIM path stays available (shown beside it, or in a tooltip) for admins. */
export function attributeLabel(path: string): string {
  // Extension attributes: the URN is the schema; the name after its last colon is the attribute.
  const urn = /^urn:[^[\]]*:([^:[\]]+(?:\.[^:[\]]+)?)$/i.exec(path);
  const p = urn ? (urn[1] ?? path) : path;
  const filtered = /^([A-Za-z]+)\[type eq "([^"]+)"\](?:\.([A-Za-z]+))?$/.exec(p);
  if (filtered) {
    const [, list = "", type = "", sub] = filtered;
    const noun = TYPE_WORDS[list.toLowerCase()] ?? words(list).toLowerCase();
    const base = `${type.charAt(0).toUpperCase()}${type.slice(1)} ${noun}`;
    return sub && sub.toLowerCase() !== "value" ? `${base} (${words(sub).toLowerCase()})` : base;
  }
  const known = ATTRIBUTE_WORDS[p.toLowerCase()];
  if (known) return known;
  const [top = p, sub] = p.split(".");
  const topWords = ATTRIBUTE_WORDS[top.toLowerCase()] ?? words(top);
  return sub ? `${topWords}: ${words(sub).toLowerCase()}` : topWords;
}
