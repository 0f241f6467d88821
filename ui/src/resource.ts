// Reading and writing SCIM resources in the detail form: where an attribute's value lives
// (core attributes at the top, extension attributes under their schema URN), the staged
// difference, and the templates for new records. Pure functions, unit-tested.

import type { FormAttribute } from "./bindings/FormAttribute";
import type { FormSection } from "./bindings/FormSection";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/** Attributes the form never edits (the server owns them or they have their own place: a
 * group's members are managed on its Members tab). */
const HIDDEN = new Set(["id", "meta", "schemas", "groups", "password", "members"]);

export function visibleAttributes(section: FormSection): FormAttribute[] {
  return section.attributes.filter((a) => !HIDDEN.has(a.name) && a.mutability !== "writeOnly");
}

function findKey(obj: JsonObject, name: string): string | undefined {
  if (name in obj) return name;
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

/** The value of `attr` of `section` in `resource` (case-insensitive names, as SCIM says). */
export function getValue(resource: JsonObject, section: FormSection, attr: string): Json | undefined {
  const holder = section.extension ? resource[findKey(resource, section.schema) ?? section.schema] : resource;
  if (!holder || typeof holder !== "object" || Array.isArray(holder)) return undefined;
  const key = findKey(holder, attr);
  return key === undefined ? undefined : holder[key];
}

/** A copy of `resource` with `attr` of `section` set (or removed when `value` is undefined). */
export function setValue(
  resource: JsonObject,
  section: FormSection,
  attr: string,
  value: Json | undefined,
): JsonObject {
  const out: JsonObject = structuredClone(resource);
  let holder: JsonObject = out;
  if (section.extension) {
    const key = findKey(out, section.schema) ?? section.schema;
    const ext = out[key];
    holder = ext && typeof ext === "object" && !Array.isArray(ext) ? ext : {};
    out[key] = holder;
    const schemas = Array.isArray(out.schemas) ? out.schemas : [];
    if (!schemas.includes(section.schema)) out.schemas = [...schemas, section.schema];
  }
  const key = findKey(holder, attr) ?? attr;
  const empty = value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
  if (empty) delete holder[key];
  else holder[key] = value;
  return out;
}

/** Deep equality of two JSON values. */
export function same(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: Json | undefined): Json | undefined {
  if (Array.isArray(v)) return v.map((x) => canonical(x) ?? null);
  if (v && typeof v === "object") {
    const out: JsonObject = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonical(v[k]);
      if (c !== undefined && c !== null) out[k] = c;
    }
    return out;
  }
  return v;
}

/** The attributes (`name.familyName`, `emails`, `urn:…:department`) that differ. */
export function changedPaths(before: JsonObject, after: JsonObject, sections: FormSection[]): string[] {
  const out: string[] = [];
  for (const s of sections) {
    for (const a of visibleAttributes(s)) {
      const b = getValue(before, s, a.name);
      const n = getValue(after, s, a.name);
      if (same(b, n)) continue;
      if (a.type === "complex" && !a.multiValued) {
        const bo = (b && typeof b === "object" && !Array.isArray(b) ? b : {}) as JsonObject;
        const no = (n && typeof n === "object" && !Array.isArray(n) ? n : {}) as JsonObject;
        for (const sub of a.subAttributes) {
          if (!same(bo[sub.name], no[sub.name])) out.push(`${a.name}.${sub.name}`);
        }
      } else {
        out.push(s.extension ? `${s.schema}:${a.name}` : a.name);
      }
    }
  }
  return out;
}

/** Problems that stop a save: required attributes left empty, numbers that are not numbers. */
export function validate(resource: JsonObject, sections: FormSection[]): string[] {
  const problems: string[] = [];
  for (const s of sections) {
    for (const a of visibleAttributes(s)) {
      if (a.mutability === "readOnly") continue;
      const v = getValue(resource, s, a.name);
      if (a.required && (v === undefined || v === null || v === "")) {
        problems.push(`${label(a.name)} is required.`);
      }
      if ((a.type === "integer" || a.type === "decimal") && typeof v === "string") {
        problems.push(`${label(a.name)} must be a number.`);
      }
    }
  }
  return problems;
}

/** "familyName" -> "Family name". */
export function label(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Display name of a record for confirmations and titles. */
export function displayLabel(r: JsonObject): string {
  const name = r.name && typeof r.name === "object" && !Array.isArray(r.name) ? r.name : {};
  const formatted = [name.givenName, name.familyName].filter((x) => typeof x === "string").join(" ");
  for (const v of [r.displayName, formatted, r.userName, r.id]) {
    if (typeof v === "string" && v.trim()) return v;
  }
  return "this record";
}

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/** A new user in `department` (or none), ready for the form. */
export function newUserTemplate(department?: string): JsonObject {
  const t: JsonObject = {
    schemas: [USER],
    userName: "",
    name: { givenName: "", familyName: "" },
    emails: [{ value: "", type: "work", primary: true }],
    active: true,
  };
  if (department) {
    t.schemas = [USER, ENTERPRISE];
    t[ENTERPRISE] = { department };
  }
  return t;
}

export function newGroupTemplate(): JsonObject {
  return { schemas: [GROUP], displayName: "" };
}

/** Drops empty strings and empty objects so a new record sends only what was filled in. */
export function pruneEmpty(v: Json): Json | undefined {
  if (Array.isArray(v)) {
    const items = v.map(pruneEmpty).filter((x): x is Json => x !== undefined);
    return items.length ? items : undefined;
  }
  if (v && typeof v === "object") {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      const p = pruneEmpty(x);
      if (p !== undefined) out[k] = p;
    }
    const keys = Object.keys(out);
    // An email row with only type/primary left has no value: drop it.
    if (keys.length === 0 || (!("value" in out) && keys.every((k) => k === "type" || k === "primary"))) {
      return undefined;
    }
    return out;
  }
  if (v === "" || v === null) return undefined;
  return v;
}

/** Given and family name joined as a full name ("Ada Lovelace"). */
function fullName(r: JsonObject): string {
  const name = r.name && typeof r.name === "object" && !Array.isArray(r.name) ? r.name : {};
  return [name.givenName, name.familyName]
    .filter((x): x is string => typeof x === "string" && x.trim() !== "")
    .join(" ");
}

/**
 * When the given or family name changed, the display name and the full name (`name.formatted`)
 * that were made from the old names should follow: the draft with them updated, and the new
 * full name; `null` when there is nothing to follow (they were never made from the names, or
 * already say the new one).
 */
export function namesToFollow(original: JsonObject, draft: JsonObject): { next: JsonObject; full: string } | null {
  const before = fullName(original);
  const after = fullName(draft);
  if (!before || !after || before === after) return null;
  const next: JsonObject = structuredClone(draft);
  let changed = false;
  if (original.displayName === before && draft.displayName === before) {
    next.displayName = after;
    changed = true;
  }
  const name = next.name && typeof next.name === "object" && !Array.isArray(next.name) ? next.name : null;
  const was = original.name && typeof original.name === "object" && !Array.isArray(original.name) ? original.name : {};
  if (name && was.formatted === before && name.formatted === before) {
    name.formatted = after;
    changed = true;
  }
  return changed ? { next, full: after } : null;
}
