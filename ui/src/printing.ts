// What a printed record says: each attribute of a resource as a line in words. Kept pure so it
// is unit-tested without a window.

import { attributeLabel } from "./format";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);

/** A value as one line of text. */
function text(v: unknown): string {
  if (v === undefined || v === null || v === "") return "—";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "string" || typeof v === "number") return String(v);
  if (isObject(v)) {
    // An address reads as one; a reference by its name, else its value.
    if ("formatted" in v && typeof v.formatted === "string") return v.formatted;
    const parts = ["streetAddress", "locality", "region", "postalCode", "country"]
      .map((k) => v[k])
      .filter((x): x is string => typeof x === "string" && x !== "");
    if (parts.length > 0) return parts.join(", ");
    if (typeof v.displayName === "string") return v.displayName;
    if ("value" in v) return text(v.value);
  }
  return JSON.stringify(v);
}

/** Every attribute of `resource` worth printing, as [label, value] lines: top-level values,
 * each value of a multi-valued attribute by its type ("Work e-mail"), sub-attributes of
 * complex ones and of extensions ("Family name", "Department"). Server bookkeeping (meta,
 * schemas) and group members (printed as a list of their own) are left out. */
export function recordLines(resource: unknown): [string, string][] {
  if (!isObject(resource)) return [];
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(resource)) {
    if (["meta", "schemas", "members", "groups"].includes(key)) continue;
    if (Array.isArray(value)) {
      for (const item of value) {
        const type = isObject(item) && typeof item.type === "string" ? item.type : "";
        const label = type ? attributeLabel(`${key}[type eq "${type}"]`) : attributeLabel(key);
        const primary = isObject(item) && item.primary === true ? " (primary)" : "";
        out.push([label + primary, text(item)]);
      }
    } else if (isObject(value) && !("value" in value)) {
      const sep = key.toLowerCase().startsWith("urn:") ? ":" : ".";
      for (const [sub, v] of Object.entries(value)) out.push([attributeLabel(`${key}${sep}${sub}`), text(v)]);
    } else {
      out.push([key === "id" ? "Id at the provider" : attributeLabel(key), text(value)]);
    }
  }
  return out;
}
