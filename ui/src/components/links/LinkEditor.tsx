import { useEffect, useState } from "react";
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import {
  ipc,
  toCommandError,
  type LinkSettings,
  type LinkView,
  type ProviderSummary,
  type Scope,
  type TargetOnly,
  type Leaving,
  type GuardRails,
} from "../../ipc";
import { testIds } from "../../testIds";
import { when } from "../../format";
import { rowsFromRules, type RuleRow } from "../../mappingRules";
import { Modal } from "../Modal";
import { ErrorBox } from "../ErrorBox";
import { MappingRulesEditor, rulesOf } from "../MappingRulesEditor";
import { countOf } from "./words";

/** Lines of a text box, trimmed, without empty ones. */
function lines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

type Rail = keyof GuardRails;

/** The guard rails: the setting, its label, its test id. */
const RAILS: [Rail, string, string][] = [
  ["maxCreates", "Creates", testIds.linkMaxCreates],
  ["maxUpdates", "Changes", testIds.linkMaxUpdates],
  ["maxDeactivations", "Deactivations", testIds.linkMaxDeactivations],
  ["maxDeletes", "Deletes", testIds.linkMaxDeletes],
];

/** A limit as typed ("10", "5%", blank for none). */
function limitOf(text: string): string | undefined {
  const t = text.trim();
  return t === "" ? undefined : t;
}

/** The scope as typed, after a pause in typing (the preview reads the copy once per pause). */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  const key = JSON.stringify(value);
  useEffect(() => {
    const t = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, ms]);
  return settled;
}

/** Creates or edits a link: the two providers, the scope with a preview from the source's
 * copy, what happens to target-only users and to users leaving the scope, the names never
 * touched, the guard rails, the mapping rules and the schedule. */
export function LinkEditor({
  providers,
  link,
  onClose,
  onSaved,
}: {
  providers: ProviderSummary[];
  /** The link to edit; none for a new one. */
  link: LinkView | null;
  onClose: () => void;
  onSaved: (saved: LinkView) => void;
}) {
  const s = link?.settings;
  const [name, setName] = useState(link?.name ?? "");
  const [source, setSource] = useState(link?.source ?? providers[0]?.name ?? "");
  const [target, setTarget] = useState(link?.target ?? providers[1]?.name ?? "");
  const [groups, setGroups] = useState((s?.scope.groups ?? []).join("\n"));
  const [filter, setFilter] = useState(s?.scope.filter ?? "");
  const [exclude, setExclude] = useState(s?.scope.exclude ?? "");
  const [targetOnly, setTargetOnly] = useState<TargetOnly>(s?.targetOnly ?? "keep");
  const [leaving, setLeaving] = useState<Leaving>(s?.leaving ?? "keep");
  const [protect, setProtect] = useState((s?.protect ?? []).join("\n"));
  // The guard rails as typed; a new link starts at the engine's defaults.
  const [limits, setLimits] = useState<Record<Rail, string>>(() => {
    const g: GuardRails = s?.guard ?? { maxDeactivations: "10", maxDeletes: "10" };
    return Object.fromEntries(RAILS.map(([k]) => [k, g[k] ?? ""])) as Record<Rail, string>;
  });
  const [every, setEvery] = useState(s?.everyMinutes ? String(s.everyMinutes) : "");
  const [rules, setRules] = useState<RuleRow[]>(() => (s ? rowsFromRules(s.rules) : []));
  const [rulesError, setRulesError] = useState<string | null>(null);

  const scope: Scope = {
    groups: lines(groups),
    ...(filter.trim() ? { filter: filter.trim() } : {}),
    ...(exclude.trim() ? { exclude: exclude.trim() } : {}),
  };
  const settledScope = useSettled(scope, 400);
  const preview = useQuery({
    queryKey: ["link-scope", source, settledScope],
    queryFn: () => ipc.linkScopePreview(source, settledScope),
    enabled: source !== "",
    placeholderData: keepPreviousData,
    retry: false,
  });
  const minutes = Number.parseInt(every, 10);
  const settings: LinkSettings = {
    scope,
    rules: rulesOf(rules),
    targetOnly,
    leaving,
    protect: lines(protect),
    guard: Object.fromEntries(
      RAILS.flatMap(([k]) => (limitOf(limits[k]) ? [[k, limitOf(limits[k])]] : [])),
    ) as GuardRails,
    ...(Number.isFinite(minutes) && minutes > 0 ? { everyMinutes: minutes } : {}),
  };
  const save = useMutation({
    mutationFn: () => ipc.saveLink(link?.name ?? null, { name: name.trim(), source, target, settings }),
    onSuccess: onSaved,
  });
  const names = providers.map((p) => p.name);
  const p = preview.data;

  return (
    <Modal title={link ? `Edit link ${link.name}` : "New link"} testId={testIds.linkEditor} wide onClose={onClose}>
      <form
        className="link-form"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <div className="form-row">
          <label>
            Name
            <input
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="HR to Slack: Sales"
              required
              data-testid={testIds.linkName}
            />
          </label>
          <label>
            From
            <select value={source} onChange={(e) => setSource(e.target.value)} data-testid={testIds.linkSource}>
              {names.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <label>
            To
            <select value={target} onChange={(e) => setTarget(e.target.value)} data-testid={testIds.linkTarget}>
              {names.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        </div>

        <fieldset>
          <legend>Who is in scope</legend>
          <p className="muted small">
            Leave all three empty to carry every user and group. Group names may use * for any text.
          </p>
          <label>
            Groups (one name per line): these groups and their members
            <textarea
              rows={3}
              value={groups}
              onChange={(e) => setGroups(e.target.value)}
              placeholder={"Dept - Sales\nProject *"}
              data-testid={testIds.linkGroups}
            />
          </label>
          <label>
            Users matching a filter
            <input
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
              placeholder='department eq "Sales"'
              data-testid={testIds.linkFilter}
            />
          </label>
          <label>
            Except users and groups matching
            <input
              value={exclude}
              onChange={(e) => setExclude(e.target.value)}
              placeholder='userType eq "Contractor"'
              data-testid={testIds.linkExclude}
            />
          </label>
          <div className="scope-preview" role="status" data-testid={testIds.linkScopePreview}>
            {preview.isError ? (
              <ErrorBox error={toCommandError(preview.error)} title="The scope cannot be shown" />
            ) : p ? (
              <>
                <strong>
                  {countOf(p.users, "user", "users")} and {countOf(p.groups, "group", "groups")} in scope
                </strong>{" "}
                <span className="muted">
                  of {p.sourceUsers.toLocaleString()} users and {p.sourceGroups.toLocaleString()} groups in {p.source}
                  &apos;s copy of {when(p.asOf)}
                </span>
                {(p.sampleUsers.length > 0 || p.sampleGroups.length > 0) && (
                  <p className="muted small">
                    For example: {[...p.sampleGroups, ...p.sampleUsers].slice(0, 8).join(", ")}
                  </p>
                )}
              </>
            ) : (
              <span className="muted">Reading {source}&apos;s copy…</span>
            )}
          </div>
        </fieldset>

        <fieldset>
          <legend>At the target</legend>
          <label>
            Users the source has no match for
            <select
              value={targetOnly}
              onChange={(e) => setTargetOnly(e.target.value as TargetOnly)}
              data-testid={testIds.linkTargetOnly}
            >
              <option value="keep">Leave them as they are</option>
              <option value="deactivate">Deactivate them</option>
              <option value="delete">Deactivate, then delete them</option>
            </select>
          </label>
          <label>
            Users this link brought that leave the scope
            <select
              value={leaving}
              onChange={(e) => setLeaving(e.target.value as Leaving)}
              data-testid={testIds.linkLeaving}
            >
              <option value="keep">Leave them, and list them in the run</option>
              <option value="deactivate">Deactivate them</option>
            </select>
          </label>
          <label>
            Never touch these names at the target (one per line, * for any text)
            <textarea
              rows={2}
              value={protect}
              onChange={(e) => setProtect(e.target.value)}
              placeholder={"Admins\nbreak-glass*"}
              data-testid={testIds.linkProtect}
            />
          </label>
        </fieldset>

        <fieldset>
          <legend>Guard rails: the most one run may do</legend>
          <p className="muted small">
            A number, or a percentage of the target (5%). Empty: no limit. A run that would do more stops before writing
            anything and says why; you can then run it anyway.
          </p>
          <div className="form-row">
            {RAILS.map(([k, label, testId]) => (
              <label key={k}>
                {label}
                <input
                  value={limits[k]}
                  onChange={(e) => setLimits((l) => ({ ...l, [k]: e.target.value }))}
                  placeholder="no limit"
                  data-testid={testId}
                />
              </label>
            ))}
          </div>
        </fieldset>

        <details>
          <summary>Mapping rules ({rules.length})</summary>
          <MappingRulesEditor rows={rules} onChange={setRules} onLoadError={setRulesError} />
          {rulesError && <p className="error-text">{rulesError}</p>}
        </details>

        <label className="inline">
          Run every
          <input
            type="number"
            min={1}
            className="narrow"
            value={every}
            onChange={(e) => setEvery(e.target.value)}
            placeholder="—"
            data-testid={testIds.linkEvery}
          />
          minutes while SCIM Desk is open (empty: only when you run it)
        </label>

        {save.isError && <ErrorBox error={toCommandError(save.error)} title="The link was not saved" />}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={save.isPending} data-testid={testIds.linkSave}>
            {save.isPending ? "Saving…" : "Save link"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
