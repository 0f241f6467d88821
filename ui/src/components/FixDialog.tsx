import { useState } from "react";
import { ACTIONS, suggestRule, type RuleRow } from "../mappingRules";
import { testIds } from "../testIds";
import { Modal } from "./Modal";

/** "Fix and retry" for a record the target refused: the provider's reason, a rule for every
 * record like it (suggested from the reason, editable), then a new plan with only what is
 * still missing, to review and run. */
export function FixDialog({
  label,
  reason,
  onApply,
  onClose,
}: {
  label: string;
  reason: string;
  onApply: (rule: RuleRow) => void;
  onClose: () => void;
}) {
  const [rule, setRule] = useState<RuleRow>(
    () => suggestRule(reason) ?? { kind: "users", attribute: "", action: "drop", value: "" },
  );
  const action = ACTIONS.find(([k]) => k === rule.action);
  return (
    <Modal title={`Fix and retry: ${label}`} testId={testIds.fixDialog} onClose={onClose}>
      <p className="small">
        The target refused this record: <q>{reason}</q>
      </p>
      <p className="small muted">
        A mapping rule fixes it for every record like it. SCIM Desk then plans again from fresh copies: only what is still
        missing at the target is planned, for you to review and run.
      </p>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (rule.attribute.trim()) onApply(rule);
        }}
      >
        <label>
          Attribute
          <input value={rule.attribute} onChange={(e) => setRule({ ...rule, attribute: e.target.value })} data-testid={testIds.fixAttribute} />
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
            <input value={rule.value} placeholder={action[2]} onChange={(e) => setRule({ ...rule, value: e.target.value })} />
          </label>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={!rule.attribute.trim()} data-testid={testIds.fixApply}>
            Add the rule and plan again
          </button>
        </div>
      </form>
    </Modal>
  );
}
