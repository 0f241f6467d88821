import { useEffect, useState } from "react";
import type { CommandError, Kind } from "../ipc";
import {
  combine,
  comparison,
  GROUP_FILTER_ATTRIBUTES,
  OPERATORS,
  operatorsFor,
  USER_FILTER_ATTRIBUTES,
  type Operator,
} from "../filterBuilder";
import { testIds } from "../testIds";

interface Props {
  kind: Kind;
  value: string;
  onChange: (filter: string) => void;
  /** The error of the last query; an invalid filter shows here as you type. */
  error: CommandError | null;
}

/** The SCIM filter as text (checked as you type) and a builder that writes it. */
export function FilterBar({ kind, value, onChange, error }: Props) {
  const attrs = kind === "User" ? USER_FILTER_ATTRIBUTES : GROUP_FILTER_ATTRIBUTES;
  const [text, setText] = useState(value);
  const [attrPath, setAttrPath] = useState(attrs[0]?.path ?? "");
  const [op, setOp] = useState<Operator>("eq");
  const [operand, setOperand] = useState("");
  const [open, setOpen] = useState(false);
  // A filter set from outside (a saved view, Clear) replaces what is typed.
  const [applied, setApplied] = useState(value);
  if (value !== applied) {
    setApplied(value);
    setText(value);
  }
  // Applied (and so validated by the engine) a moment after typing stops.
  useEffect(() => {
    const t = setTimeout(() => {
      if (text !== value) onChange(text);
    }, 350);
    return () => clearTimeout(t);
  }, [text, value, onChange]);
  const attr = attrs.find((a) => a.path === attrPath) ?? attrs[0];
  const ops = attr ? operatorsFor(attr.type) : [];
  // What the value control shows is what is written: a yes/no starts at "yes".
  const shown = attr?.type === "boolean" ? (operand === "false" ? "false" : "true") : operand;
  const written = attr && ops.includes(op) ? comparison(attr, op, shown) : "";
  const pickAttribute = (path: string) => {
    const next = attrs.find((a) => a.path === path);
    setAttrPath(path);
    // A value typed for another attribute means nothing here ("Department is true").
    setOperand("");
    if (next && !operatorsFor(next.type).includes(op)) setOp(operatorsFor(next.type)[0] ?? "eq");
  };
  const invalid = error && error.code === "invalid_input" ? error : null;
  return (
    <div className="filter-bar">
      <div className="filter-row">
        <input
          type="text"
          className={invalid ? "filter invalid" : "filter"}
          placeholder={
            kind === "User"
              ? 'Filter, e.g. title co "lead" and active eq true'
              : 'Filter on group attributes, e.g. displayName sw "Team"'
          }
          aria-label="SCIM filter"
          aria-invalid={invalid ? true : undefined}
          aria-describedby={invalid ? "filter-error" : undefined}
          value={text}
          onChange={(e) => setText(e.target.value)}
          data-testid={testIds.filterInput}
          spellCheck={false}
        />
        <button
          type="button"
          onClick={() => setOpen(!open)}
          aria-expanded={open}
          data-testid={testIds.filterBuilderToggle}
        >
          Builder
        </button>
        {text && (
          <button type="button" onClick={() => onChange("")}>
            Clear
          </button>
        )}
      </div>
      {invalid && (
        <p id="filter-error" className="error-line" role="alert" data-testid={testIds.filterError}>
          {invalid.message}
        </p>
      )}
      {open && attr && (
        <div className="builder" data-testid={testIds.filterBuilder}>
          <select
            aria-label="Attribute"
            value={attr.path}
            onChange={(e) => pickAttribute(e.target.value)}
            data-testid="builder-attr"
          >
            {attrs.map((a) => (
              <option key={a.path} value={a.path}>
                {a.label}
              </option>
            ))}
          </select>
          <select
            aria-label="Operator"
            value={op}
            onChange={(e) => setOp(e.target.value as Operator)}
            data-testid="builder-op"
          >
            {OPERATORS.filter((o) => ops.includes(o.op)).map((o) => (
              <option key={o.op} value={o.op}>
                {o.label}
              </option>
            ))}
          </select>
          {op !== "pr" &&
            (attr.type === "boolean" ? (
              <select
                aria-label="Value"
                value={shown}
                onChange={(e) => setOperand(e.target.value)}
                data-testid="builder-value"
              >
                <option value="true">yes</option>
                <option value="false">no</option>
              </select>
            ) : (
              <input
                type={attr.type === "dateTime" ? "date" : "text"}
                aria-label="Value"
                value={operand}
                onChange={(e) => setOperand(e.target.value)}
                data-testid="builder-value"
              />
            ))}
          <code className="mono" data-testid={testIds.builderPreview}>
            {written}
          </code>
          <button
            type="button"
            onClick={() => {
              const next = combine(text, written);
              setText(next);
              onChange(next);
            }}
            disabled={!written}
            data-testid={testIds.builderAdd}
          >
            Add to filter
          </button>
        </div>
      )}
    </div>
  );
}
