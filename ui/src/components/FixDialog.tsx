import { useState } from "react";
import { ACTIONS, suggestRule, textAt, type RuleRow } from "../mappingRules";
import { testIds } from "../testIds";
import { Modal } from "./Modal";

/** "Fix and retry" for a record the target refused: the provider's reason, then either the
 * value to send for this record alone (starting from what was sent) or a rule for every record
 * like it (suggested from the reason, editable); then a new plan with only what is still
 * missing, to review and run. */
export function FixDialog({
  label,
  reason,
  sourceId,
  sent,
  onApply,
  onClose,
}: {
  label: string;
  reason: string;
  /** The source record's id: a fix for this record alone is limited to it. */
  sourceId: string;
  /** The record as it was sent (the plan's data), to start the value from. */
  sent: unknown;
  onApply: (rule: RuleRow) => void;
  onClose: () => void;
}) {
  const suggested = suggestRule(reason);
  const [scope, setScope] = useState<"one" | "all">("one");
  const [rule, setRule] = useState<RuleRow>(
    () => suggested ?? { kind: "users", attribute: "", action: "drop", value: "" },
  );
  const [attribute, setAttribute] = useState(suggested?.attribute ?? "");
  const [value, setValue] = useState(() => textAt(sent, suggested?.attribute ?? ""));
  const action = ACTIONS.find(([k]) => k === rule.action);
  const ready = scope === "one" ? attribute.trim() !== "" : rule.attribute.trim() !== "";
  const apply = () => {
    if (!ready) return;
    if (scope === "one") {
      onApply({
        kind: "users",
        attribute: attribute.trim(),
        action: "constant",
        value,
        record: sourceId,
        recordLabel: label,
      });
    } else {
      onApply(rule);
    }
  };
  return (
    <Modal title={`Fix and retry: ${label}`} testId={testIds.fixDialog} onClose={onClose}>
      <p className="small">
        The target refused this record: <q>{reason}</q>
      </p>
      <div className="radio-row" role="radiogroup" aria-label="What to fix">
        <label className="inline">
          <input
            type="radio"
            name="fix-scope"
            checked={scope === "one"}
            onChange={() => setScope("one")}
            data-testid={testIds.fixScopeOne}
          />
          Another value for {label} only
        </label>
        <label className="inline">
          <input
            type="radio"
            name="fix-scope"
            checked={scope === "all"}
            onChange={() => setScope("all")}
            data-testid={testIds.fixScopeAll}
          />
          A rule for every record like it
        </label>
      </div>
      <p className="small muted">
        SCIM Desk then plans again from fresh copies: only what is still missing at the target is planned, for you to
        review and run. The fix is kept with the mapping rules.
      </p>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        {scope === "one" ? (
          <>
            <label>
              Attribute
              <input
                value={attribute}
                onChange={(e) => {
                  setAttribute(e.target.value);
                  setValue(textAt(sent, e.target.value.trim()));
                }}
                data-testid={testIds.fixAttribute}
              />
            </label>
            <label>
              Value to send
              <input
                value={value}
                onChange={(e) => setValue(e.target.value)}
                data-testid={testIds.fixValue}
                autoFocus
              />
            </label>
          </>
        ) : (
          <>
            <label>
              Attribute
              <input
                value={rule.attribute}
                onChange={(e) => setRule({ ...rule, attribute: e.target.value })}
                data-testid={testIds.fixAttribute}
              />
            </label>
            <label>
              What to do
              <select
                value={rule.action}
                onChange={(e) => setRule({ ...rule, action: e.target.value as RuleRow["action"] })}
                data-testid={testIds.fixAction}
              >
                {ACTIONS.map(([k, l]) => (
                  <option key={k} value={k}>
                    {l}
                  </option>
                ))}
              </select>
            </label>
            {action?.[2] && (
              <label>
                Value
                <input
                  value={rule.value}
                  placeholder={action[2]}
                  onChange={(e) => setRule({ ...rule, value: e.target.value })}
                />
              </label>
            )}
          </>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={!ready} data-testid={testIds.fixApply}>
            {scope === "one" ? "Use this value and plan again" : "Add the rule and plan again"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
