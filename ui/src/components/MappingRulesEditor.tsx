import { useId } from "react";
import type { MappingRule } from "../ipc";
import { testIds } from "../testIds";
import { ruleFromRow, rowsFromRules, type RuleRow, ACTIONS } from "../mappingRules";

const SUGGESTIONS = [
  "userName",
  "displayName",
  "nickName",
  "title",
  "userType",
  "active",
  "preferredLanguage",
  "locale",
  "timezone",
  "name.givenName",
  "name.familyName",
  "name.formatted",
  "emails",
  "phoneNumbers",
  "addresses",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division",
];

/**
 * The person's mapping rules as a table: one row per attribute and what to do with it
 * (leave out, rename, a fixed value, lower/upper case, trim, a template, plain letters, replace,
 * an e-mail's domain, cut to a length, a value when empty; on `emails.value` each e-mail). The same rules as a
 * `--rules` file for the command line, which can be opened here too.
 */
export function MappingRulesEditor({
  rows,
  onChange,
  onLoadError,
}: {
  rows: RuleRow[];
  onChange: (rows: RuleRow[]) => void;
  onLoadError: (message: string) => void;
}) {
  const listId = useId();
  const set = (i: number, patch: Partial<RuleRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="rules" data-testid={testIds.migrationRules}>
      <datalist id={listId}>
        {SUGGESTIONS.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      {rows.length === 0 && (
        <p className="muted small">
          No rules: every attribute is copied as it is, except what the target cannot take (the plan lists those).
        </p>
      )}
      {rows.length > 0 && (
        <table className="grid compact">
          <thead>
            <tr>
              <th scope="col">For</th>
              <th scope="col">Attribute</th>
              <th scope="col">Do</th>
              <th scope="col">Value</th>
              <th scope="col">
                <span className="sr-only">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => {
              const action = ACTIONS.find(([k]) => k === r.action);
              return (
                <tr key={i} data-testid={testIds.migrationRuleRow}>
                  <td>
                    {r.record ? (
                      <span className="small" title={`Only the source record ${r.record}`}>
                        Only {r.recordLabel ?? `record ${r.record}`}
                      </span>
                    ) : (
                      <select
                        aria-label="Applies to"
                        value={r.kind}
                        onChange={(e) => set(i, { kind: e.target.value as RuleRow["kind"] })}
                      >
                        <option value="users">Users</option>
                        <option value="groups">Groups</option>
                      </select>
                    )}
                  </td>
                  <td>
                    <input
                      aria-label="Attribute"
                      list={listId}
                      value={r.attribute}
                      placeholder="title"
                      onChange={(e) => set(i, { attribute: e.target.value })}
                    />
                  </td>
                  <td>
                    <select
                      aria-label="Action"
                      value={r.action}
                      onChange={(e) => set(i, { action: e.target.value as RuleRow["action"] })}
                    >
                      {ACTIONS.map(([k, l]) => (
                        <option key={k} value={k}>
                          {l}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    {action?.[2] ? (
                      <>
                        <input
                          aria-label={r.action === "replace" ? "Pattern" : "Value"}
                          value={r.value}
                          placeholder={action[2]}
                          onChange={(e) => set(i, { value: e.target.value })}
                        />
                        {r.action === "replace" && (
                          <input
                            aria-label="Replace with"
                            value={r.with ?? ""}
                            placeholder="with (empty: remove)"
                            onChange={(e) => set(i, { with: e.target.value })}
                          />
                        )}
                      </>
                    ) : (
                      <span className="muted small">—</span>
                    )}
                  </td>
                  <td>
                    <button
                      type="button"
                      aria-label={`Remove the rule for ${r.attribute || "this attribute"}`}
                      onClick={() => onChange(rows.filter((_, j) => j !== i))}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div className="dialog-actions start">
        <button
          type="button"
          onClick={() => onChange([...rows, { kind: "users", attribute: "", action: "drop", value: "" }])}
          data-testid={testIds.migrationAddRule}
        >
          Add a rule
        </button>
        <label className="file-button">
          Open a rules file…
          <input
            type="file"
            accept=".json,application/json"
            className="sr-only"
            onChange={async (e) => {
              const f = e.target.files?.[0];
              e.target.value = "";
              if (!f) return;
              try {
                onChange(rowsFromRules(JSON.parse(await f.text())));
              } catch (err) {
                onLoadError(`${f.name} is not a rules file: ${err instanceof Error ? err.message : String(err)}`);
              }
            }}
          />
        </label>
      </div>
    </div>
  );
}

/** The rows as the engine's rules (rows without an attribute are left out). */
export function rulesOf(rows: RuleRow[]): { users: MappingRule[]; groups: MappingRule[] } {
  const pick = (kind: RuleRow["kind"]) => rows.filter((r) => r.kind === kind && r.attribute.trim()).map(ruleFromRow);
  return { users: pick("users"), groups: pick("groups") };
}
