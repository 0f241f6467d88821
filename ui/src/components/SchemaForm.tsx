import { useState } from "react";
import type { FormAttribute } from "../bindings/FormAttribute";
import type { FormSection } from "../bindings/FormSection";
import { getValue, label, setValue, visibleAttributes, type Json, type JsonObject } from "../resource";
import { attributeLabel } from "../format";

/** A section of the form in words: the core schema is the profile, the enterprise extension
 * the employment details, any other extension its own name made readable. */
function sectionTitle(section: FormSection): string {
  if (!section.extension) return "Profile";
  if (/:enterprise:2\.0:User$/i.test(section.schema)) return "Employment";
  return label(section.name.replace(/User$/, " user")).trim();
}

/** A sub-attribute in words, in the context of its attribute ("formatted" of a name is the
 * full name). */
function subLabel(parent: string, name: string): string {
  const full = attributeLabel(`${parent}.${name}`);
  return full.startsWith(`${attributeLabel(parent)}: `) ? label(name) : full;
}
import { UserPicker } from "./UserPicker";

interface Props {
  provider: string;
  sections: FormSection[];
  value: JsonObject;
  onChange: (next: JsonObject) => void;
  /** Creating a record: immutable attributes may be set once. */
  creating?: boolean;
  /** Offline or read-only: everything locked. */
  readOnly?: boolean;
  /** Paths changed and not saved yet, highlighted. */
  changed: Set<string>;
}

function locked(a: FormAttribute, creating: boolean, readOnly: boolean): boolean {
  return readOnly || a.mutability === "readOnly" || (a.mutability === "immutable" && !creating);
}

function toLocalInput(v: Json | undefined): string {
  if (typeof v !== "string" || !v) return "";
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** One simple (non-complex) value as the right input for its SCIM type. */
function SimpleInput({
  attr,
  value,
  onChange,
  disabled,
  id,
  provider,
}: {
  attr: FormAttribute;
  value: Json | undefined;
  onChange: (v: Json | undefined) => void;
  disabled: boolean;
  id: string;
  provider: string;
}) {
  const common = { id, disabled, "data-testid": `attr-${id}`, "aria-required": attr.required || undefined };
  if (attr.type === "boolean") {
    return (
      <input
        type="checkbox"
        {...common}
        checked={value === true || value === "true" || value === "True"}
        onChange={(e) => onChange(e.target.checked)}
      />
    );
  }
  if (attr.canonicalValues.length > 0) {
    const v = typeof value === "string" ? value : "";
    const options = attr.canonicalValues.includes(v) || !v ? attr.canonicalValues : [...attr.canonicalValues, v];
    return (
      <select {...common} value={v} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">—</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  }
  if (attr.type === "integer" || attr.type === "decimal") {
    return (
      <input
        type="number"
        step={attr.type === "integer" ? 1 : "any"}
        {...common}
        value={typeof value === "number" ? value : typeof value === "string" ? value : ""}
        onChange={(e) => {
          const raw = e.target.value;
          const n = attr.type === "integer" ? parseInt(raw, 10) : parseFloat(raw);
          onChange(raw === "" ? undefined : Number.isNaN(n) ? raw : n);
        }}
      />
    );
  }
  if (attr.type === "dateTime") {
    return (
      <input
        type="datetime-local"
        {...common}
        value={toLocalInput(value)}
        onChange={(e) => onChange(e.target.value ? new Date(e.target.value).toISOString() : undefined)}
      />
    );
  }
  if (attr.type === "reference" && attr.referenceTypes.includes("User")) {
    return (
      <UserPicker
        provider={provider}
        id={id}
        value={typeof value === "string" ? value : undefined}
        disabled={disabled}
        onChange={(v) => onChange(v)}
      />
    );
  }
  return (
    <input
      type="text"
      {...common}
      value={typeof value === "string" ? value : value === undefined || value === null ? "" : String(value)}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

function asObject(v: Json | undefined): JsonObject {
  return v && typeof v === "object" && !Array.isArray(v) ? v : {};
}

/** A complex single-valued attribute (name, manager): its sub-attributes side by side. */
function ComplexFields({
  attr,
  value,
  onChange,
  disabled,
  idPrefix,
  provider,
  creating,
  changed,
}: {
  attr: FormAttribute;
  value: JsonObject;
  onChange: (v: JsonObject) => void;
  disabled: boolean;
  idPrefix: string;
  provider: string;
  creating: boolean;
  changed: Set<string>;
}) {
  // A manager is picked by person; its value is the id, its displayName follows, and its
  // $ref is the provider's business: the person sees one field, "Manager".
  const manager = attr.name === "manager";
  const subs = attr.subAttributes.filter(
    (s) => s.mutability !== "writeOnly" && !(manager && (s.name === "$ref" || s.name === "displayName")),
  );
  return (
    <div className="complex">
      {subs.map((s) => {
        const id = `${idPrefix}.${s.name}`;
        const isManagerValue = attr.name === "manager" && s.name === "value";
        const subAttr: FormAttribute = isManagerValue ? { ...s, type: "reference", referenceTypes: ["User"] } : s;
        return (
          <label key={s.name} className={changed.has(id) ? "field changed" : "field"} htmlFor={id}>
            <span className={manager && s.name === "value" ? "sr-only" : undefined}>
              {manager && s.name === "value" ? "Manager" : subLabel(attr.name, s.name)}
              {s.required && <abbr title="required"> *</abbr>}
            </span>
            <SimpleInput
              attr={subAttr}
              id={id}
              provider={provider}
              value={value[s.name]}
              disabled={disabled || locked(s, creating, false)}
              onChange={(v) => {
                const next = { ...value };
                if (v === undefined || v === "") delete next[s.name];
                else next[s.name] = v;
                onChange(next);
              }}
            />
          </label>
        );
      })}
    </div>
  );
}

/** Values of one multi-valued attribute shown before "Show all". */
const MULTI_SHOWN = 50;

/** A multi-valued attribute: rows with add/remove, and primary/type for complex values. */
function MultiValues({
  attr,
  value,
  onChange,
  disabled,
  idPrefix,
  provider,
}: {
  attr: FormAttribute;
  value: Json[];
  onChange: (v: Json[]) => void;
  disabled: boolean;
  idPrefix: string;
  provider: string;
}) {
  const complex = attr.type === "complex";
  // value first, then type and primary, then the rest (display, …).
  const rank = (n: string) => (n === "value" ? 0 : n === "type" ? 1 : n === "primary" ? 2 : 3);
  const subs = attr.subAttributes
    .filter((s) => s.mutability !== "readOnly" && s.mutability !== "writeOnly" && s.name !== "$ref")
    .sort((a, b) => rank(a.name) - rank(b.name));
  const update = (i: number, v: Json) => onChange(value.map((x, j) => (j === i ? v : x)));
  // A record with thousands of values (aliases, phone numbers) stays quick to open: the first
  // ones are shown, the rest on request.
  const [showAll, setShowAll] = useState(false);
  const shown = showAll ? value : value.slice(0, MULTI_SHOWN);
  return (
    <div className="multi">
      {shown.map((item, i) => (
        <div className="multi-row" key={i}>
          {complex ? (
            subs.map((s) => {
              const id = `${idPrefix}-${i}-${s.name}`;
              const obj = asObject(item);
              if (s.name === "primary") {
                return (
                  <label key={s.name} className="inline" htmlFor={id}>
                    <input
                      type="radio"
                      id={id}
                      name={`${idPrefix}-primary`}
                      data-testid={`attr-${id}`}
                      disabled={disabled}
                      checked={obj.primary === true}
                      onChange={() =>
                        onChange(
                          value.map((x, j) => {
                            const o = { ...asObject(x) };
                            if (j === i) o.primary = true;
                            else delete o.primary;
                            return o;
                          }),
                        )
                      }
                    />
                    primary
                  </label>
                );
              }
              return (
                <label key={s.name} className="field" htmlFor={id}>
                  <span className={s.name === "value" ? "sr-only" : "tiny"}>{label(s.name)}</span>
                  <SimpleInput
                    attr={s}
                    id={id}
                    provider={provider}
                    value={obj[s.name]}
                    disabled={disabled}
                    onChange={(v) => {
                      const next = { ...obj };
                      if (v === undefined || v === "") delete next[s.name];
                      else next[s.name] = v;
                      update(i, next);
                    }}
                  />
                </label>
              );
            })
          ) : (
            <SimpleInput
              attr={{ ...attr, multiValued: false }}
              id={`${idPrefix}-${i}`}
              provider={provider}
              value={item}
              disabled={disabled}
              onChange={(v) => update(i, v ?? "")}
            />
          )}
          {!disabled && (
            <button
              type="button"
              className="icon-button"
              aria-label={`Remove ${label(attr.name)} ${i + 1}`}
              onClick={() => onChange(value.filter((_, j) => j !== i))}
            >
              ×
            </button>
          )}
        </div>
      ))}
      {shown.length < value.length && (
        <button type="button" className="link" onClick={() => setShowAll(true)} data-testid={`show-all-${idPrefix}`}>
          Show all {value.length.toLocaleString()} ({(value.length - shown.length).toLocaleString()} more)
        </button>
      )}
      {!disabled && (
        <button
          type="button"
          className="link"
          data-testid={`add-${idPrefix}`}
          onClick={() => onChange([...value, complex ? { value: "" } : ""])}
        >
          + Add {attributeLabel(attr.name).toLowerCase()}
        </button>
      )}
    </div>
  );
}

/** The detail form, generated from the provider's schemas. */
export function SchemaForm({
  provider,
  sections,
  value,
  onChange,
  creating = false,
  readOnly = false,
  changed,
}: Props) {
  return (
    <div className="schema-form">
      {sections.map((section) => (
        <fieldset key={section.schema} className="section">
          <legend>{sectionTitle(section)}</legend>
          {visibleAttributes(section).map((a) => {
            const id = section.extension ? `${section.schema}:${a.name}` : a.name;
            const v = getValue(value, section, a.name);
            const isLocked = locked(a, creating, readOnly);
            const set = (next: Json | undefined) => onChange(setValue(value, section, a.name, next));
            return (
              <div key={a.name} className={changed.has(id) ? "attr changed" : "attr"}>
                <label
                  className="attr-label"
                  htmlFor={a.type === "complex" || a.multiValued ? undefined : id}
                  title={`SCIM attribute: ${id}`}
                >
                  {attributeLabel(a.name)}
                  {a.required && <abbr title="required"> *</abbr>}
                  {isLocked && !readOnly && (
                    <span className="tag">{a.mutability === "immutable" ? "set once" : "read-only"}</span>
                  )}
                </label>
                {a.multiValued ? (
                  <MultiValues
                    attr={a}
                    idPrefix={a.name}
                    provider={provider}
                    value={Array.isArray(v) ? v : []}
                    disabled={isLocked}
                    onChange={(next) => set(next)}
                  />
                ) : a.type === "complex" ? (
                  <ComplexFields
                    attr={a}
                    idPrefix={a.name}
                    provider={provider}
                    creating={creating}
                    changed={changed}
                    value={asObject(v)}
                    disabled={isLocked}
                    onChange={(next) => set(Object.keys(next).length ? next : undefined)}
                  />
                ) : (
                  <SimpleInput attr={a} id={id} provider={provider} value={v} disabled={isLocked} onChange={set} />
                )}
              </div>
            );
          })}
        </fieldset>
      ))}
    </div>
  );
}
