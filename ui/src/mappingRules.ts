import type { MappingRule, TransformKind } from "./ipc";

/** What a rule does, as the window offers it: one of its own fields, or a transform. */
export type RuleAction = "drop" | "rename" | "constant" | "template" | TransformKind;

/** One row of the rules table; `with` is what "replace" puts instead of its pattern (`value`);
 * `record` limits it to one source record (its id), named `recordLabel` in the table. */
export type RuleRow = {
  kind: "users" | "groups";
  attribute: string;
  action: RuleAction;
  value: string;
  with?: string;
  record?: string;
  recordLabel?: string;
};

/** [action, label, placeholder of its value (none: no value)]. */
export const ACTIONS: [RuleAction, string, string?][] = [
  ["drop", "Leave out"],
  ["rename", "Copy to", "jobTitle"],
  ["constant", "Always set to", "Employee"],
  ["lower", "Lower case"],
  ["upper", "Upper case"],
  ["trim", "Trim spaces"],
  ["template", "Build from", "{name.givenName} {name.familyName}"],
  ["ascii", "Plain letters (ł→l, é→e, ß→ss)"],
  ["replace", "Replace (pattern)", "[^a-z0-9.@-]"],
  ["domain", "E-mail domain to", "example.com"],
  ["truncate", "Cut to at most (characters)", "64"],
  ["default", "When empty, set to", "n/a"],
];

/** A constant typed as people mean it: true/false as booleans, whole numbers as numbers. */
function constantOf(text: string): unknown {
  const t = text.trim();
  if (t === "true" || t === "false") return t === "true";
  if (/^-?\d+$/.test(t)) return Number(t);
  return text;
}

export function ruleFromRow(r: RuleRow): MappingRule {
  const rule = ruleOf(r);
  return r.record ? { ...rule, record: r.record } : rule;
}

function ruleOf(r: RuleRow): MappingRule {
  const attribute = r.attribute.trim();
  switch (r.action) {
    case "drop":
      return { attribute, drop: true };
    case "rename":
      return { attribute, rename: r.value.trim() };
    case "constant":
      return { attribute, constant: constantOf(r.value) };
    case "template":
      return { attribute, template: r.value };
    case "replace":
      return { attribute, transform: "replace", pattern: r.value, with: r.with ?? "" };
    case "domain":
      return { attribute, transform: "domain", to: r.value.trim() };
    case "truncate":
      return { attribute, transform: "truncate", max: Number(r.value) };
    case "default":
      return { attribute, transform: "default", value: constantOf(r.value) };
    default:
      return { attribute, transform: r.action };
  }
}

function rowOf(kind: RuleRow["kind"], r: MappingRule): RuleRow {
  const base = { kind, attribute: r.attribute, value: "", ...(r.record ? { record: r.record } : {}) };
  if (r.drop) return { ...base, action: "drop" };
  if (r.rename !== undefined && r.rename !== null) return { ...base, action: "rename", value: r.rename };
  if (r.constant !== undefined && r.constant !== null)
    return { ...base, action: "constant", value: String(r.constant) };
  if (r.template !== undefined && r.template !== null) return { ...base, action: "template", value: r.template };
  const t = r.transform;
  switch (t) {
    case "lower":
    case "upper":
    case "trim":
    case "ascii":
      return { ...base, action: t };
    case "replace":
      return { ...base, action: t, value: r.pattern ?? "", with: r.with ?? "" };
    case "domain":
      return { ...base, action: t, value: r.to ?? "" };
    case "truncate":
      return { ...base, action: t, value: String(r.max ?? "") };
    case "default":
      return { ...base, action: t, value: String(r.value ?? "") };
    case undefined:
      throw new Error(`the rule for ${r.attribute} does nothing`);
    default:
      throw new Error(`the rule for ${r.attribute} has a transform SCIM Desk does not know (${String(t)})`);
  }
}

/** Rows from a rules file ({"users": [...], "groups": [...]}, the `--rules` format). */
export function rowsFromRules(value: unknown): RuleRow[] {
  if (typeof value !== "object" || value === null) throw new Error("it is not a JSON object");
  const v = value as { users?: unknown; groups?: unknown };
  const list = (kind: RuleRow["kind"], x: unknown): RuleRow[] => {
    if (x === undefined) return [];
    if (!Array.isArray(x)) throw new Error(`"${kind}" is not a list`);
    return x.map((r: unknown) => {
      if (typeof r !== "object" || r === null || typeof (r as MappingRule).attribute !== "string") {
        throw new Error(`a rule in "${kind}" has no attribute`);
      }
      return rowOf(kind, r as MappingRule);
    });
  };
  return [...list("users", v.users), ...list("groups", v.groups)];
}

/** The text at a dotted path of a record (`userName`, `name.familyName`; `emails.value`: the
 * primary value, else the first), as a fix for one record starts from. */
export function textAt(record: unknown, path: string): string {
  const [head, sub] = path.split(".", 2) as [string, string | undefined];
  const obj = (record ?? {}) as Record<string, unknown>;
  const v = obj[head];
  if (Array.isArray(v)) {
    const items = v as Record<string, unknown>[];
    const item = items.find((i) => i?.primary === true) ?? items[0];
    const x = item && sub ? item[sub] : undefined;
    return typeof x === "string" ? x : "";
  }
  if (sub && v && typeof v === "object") {
    const x = (v as Record<string, unknown>)[sub];
    return typeof x === "string" ? x : "";
  }
  return typeof v === "string" ? v : "";
}

/** A rule that would fix records refused like this one, from the provider's reason: a value
 * for a required attribute left empty, plain letters for e-mail addresses refused for their
 * characters, a shorter value for one refused as too long, else leaving the named attribute
 * out. `null` when the reason names nothing. */
export function suggestRule(message: string): RuleRow | null {
  const m = message.toLowerCase();
  // "employeeNumber is required": a value when it is empty.
  const required = /([A-Za-z][\w.:]*)\s+(?:is|are)\s+(?:required|missing|mandatory)/i.exec(message)?.[1];
  if (required) return { kind: "users", attribute: required, action: "default", value: "" };
  const path = /\b(emails\.value|username|displayname|title|nickname|name\.\w+|emails|phonenumbers)\b/i.exec(
    message,
  )?.[1];
  const characters = /ascii|character|accent|invalid value|not valid/.test(m);
  if ((path?.toLowerCase().startsWith("emails") || /e-?mail/.test(m)) && characters) {
    return { kind: "users", attribute: "emails.value", action: "ascii", value: "" };
  }
  const long = /(?:at most|max(?:imum)?(?: length)?(?: of)?|longer than|exceeds)\D{0,20}(\d+)/.exec(m);
  if (path && long) return { kind: "users", attribute: path, action: "truncate", value: long[1] ?? "64" };
  if (path && characters) return { kind: "users", attribute: path, action: "ascii", value: "" };
  if (path) return { kind: "users", attribute: path, action: "drop", value: "" };
  return null;
}
