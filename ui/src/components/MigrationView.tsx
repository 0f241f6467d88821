import { useCallback, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  ipc,
  toCommandError,
  type FailedOp,
  type Operation,
  type MigrationPlan,
  type PlanOptions,
  type ProviderSummary,
  type RunProgress,
  type SyncProgress,
} from "../ipc";
import { rowsFromRules, type RuleRow } from "../mappingRules";
import { attributeLabel, progressLabel } from "../format";
import { MappingRulesEditor, rulesOf } from "./MappingRulesEditor";
import { MigrationRuns } from "./MigrationRuns";
import { testIds } from "../testIds";
import { Chart } from "./Chart";
import { ConfirmDialog } from "./EditDialogs";
import { ErrorBox } from "./ErrorBox";
import { ProgressBar } from "./ProgressBar";
import { PrintLines, Printable } from "./Printable";
import { FixDialog } from "./FixDialog";
import { MatchList } from "./MatchList";
import { PlanOperations, PlanReview } from "./PlanOperations";
import { OPS } from "../operations";
import { queryKeys } from "../queryKeys";

type TargetOnlyChoice = PlanOptions["targetOnly"];

type Tab = "side" | "operations" | "review";

function ProviderSelect(p: {
  label: string;
  value: string;
  providers: ProviderSummary[];
  testId: string;
  onChange: (name: string) => void;
}) {
  return (
    <label className="inline">
      {p.label}
      <select value={p.value} onChange={(e) => p.onChange(e.target.value)} data-testid={p.testId}>
        {p.providers.map((x) => (
          <option key={x.name} value={x.name}>
            {x.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Migrate users and groups from one provider to another: plan, review, run, verify. */
/** Operations whose failure is the target refusing a record's values (a fix can change them);
 * the others failed because of those (their members or manager were not created). */
const FIXABLE: Operation[] = ["create_user", "update_user", "create_group"];

export function MigrationView({
  providers,
  onClose,
  workOffline = false,
}: {
  providers: ProviderSummary[];
  onClose: () => void;
  /** Working offline: reading, running and verifying (which talk to providers) are off. */
  workOffline?: boolean;
}) {
  const qc = useQueryClient();
  const [source, setSource] = useState(providers[0]?.name ?? "");
  const [target, setTarget] = useState(providers[1]?.name ?? "");
  const [plan, setPlan] = useState<MigrationPlan | null>(null);
  const [stage, setStage] = useState("");
  const [tab, setTab] = useState<Tab>("side");
  const [confirming, setConfirming] = useState(false);
  const [progress, setProgress] = useState<RunProgress | null>(null);
  const [rules, setRules] = useState<RuleRow[]>([]);
  const [targetOnly, setTargetOnly] = useState<TargetOnlyChoice>("keep");
  const [maxDeletes, setMaxDeletes] = useState(10);
  const [fileError, setFileError] = useState<string | null>(null);
  // Reading the providers (planning, verifying): which one, how far.
  const [reading, setReading] = useState<SyncProgress | null>(null);
  // Counted up by each Print: a new print page each time.
  const [printing, setPrinting] = useState(0);
  const [fixing, setFixing] = useState<FailedOp | null>(null);
  const donePrinting = useCallback(() => setPrinting(0), []);
  const options: PlanOptions = { rules: rulesOf(rules), targetOnly, maxDeletes };
  const runs = useQuery({ queryKey: queryKeys.migrationRuns(), queryFn: () => ipc.migrationRuns() });

  /** Runs `work` while showing how the reading of the providers goes. */
  const whileReading = async <T,>(work: () => Promise<T>): Promise<T> => {
    setReading(null);
    const unlisten = await ipc.onSyncProgress(setReading);
    try {
      return await work();
    } finally {
      unlisten();
      setReading(null);
    }
  };
  const makePlan = useMutation({
    // `with` : options just changed (a rule added by Fix and retry), not yet rendered.
    mutationFn: (withOptions?: PlanOptions) =>
      whileReading(async () => {
        setStage(`Reading ${source}`);
        await ipc.syncProvider(source);
        setStage(`Reading ${target}`);
        await ipc.syncProvider(target);
        setStage("Matching and planning");
        return ipc.planMigration(source, target, withOptions ?? options);
      }),
    onSuccess: (p) => {
      setPlan(p);
      setStage("");
      run.reset();
      verify.reset();
    },
    onError: () => setStage(""),
  });
  const save = useMutation({ mutationFn: (p: MigrationPlan) => ipc.savePlan(p) });
  const withProgress = async <T,>(work: () => Promise<T>): Promise<T> => {
    setProgress(null);
    const unlisten = await ipc.onMigrationProgress(setProgress);
    try {
      return await work();
    } finally {
      unlisten();
    }
  };
  const run = useMutation({
    mutationFn: (p: MigrationPlan) => withProgress(() => ipc.runMigration(p)),
    onSettled: () => qc.invalidateQueries(),
  });
  const resume = useMutation({
    mutationFn: (id: number) => withProgress(() => ipc.resumeMigration(id)),
    onSettled: () => qc.invalidateQueries(),
  });
  const verify = useMutation({
    mutationFn: () =>
      whileReading(() => ipc.verifyMigration(plan?.source ?? source, plan?.target ?? target, plan?.options ?? options)),
    // The side-by-side view and the operations now show what the providers hold after the run:
    // what still differs, if anything, can be run again.
    onSuccess: (p) => {
      setPlan(p);
      run.reset();
      resume.reset();
    },
  });
  const openPlan = async (file: File) => {
    setFileError(null);
    try {
      const p = await ipc.loadPlan(await file.text());
      setPlan(p);
      setSource(p.source);
      setTarget(p.target);
      setRules(rowsFromRules(p.options.rules));
      setTargetOnly(p.options.targetOnly);
      setMaxDeletes(p.options.maxDeletes);
      run.reset();
      verify.reset();
    } catch (e) {
      setFileError(`${file.name}: ${toCommandError(e).message}`);
    }
  };

  const chart = useCallback(
    (p: { accent: string }) => ({
      type: "bar" as const,
      data: {
        labels: OPS.map(([, l]) => l),
        datasets: [{ label: "Operations", data: OPS.map(([k]) => plan?.counts[k] ?? 0), backgroundColor: p.accent }],
      },
      // Horizontal bars: the operation names stay readable side by side with their counts.
      options: {
        indexAxis: "y" as const,
        animation: false as const,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    }),
    [plan],
  );

  const total = plan?.operations.length ?? 0;
  const busy = run.isPending || resume.isPending;
  const isPause = (e: unknown) => !!e && toCommandError(e).code === "cancelled";
  const paused = isPause(run.error) || isPause(resume.error);
  const error = [makePlan.error, save.error, run.error, resume.error, verify.error].find((e) => e && !isPause(e));
  const outcome = run.data ?? resume.data;
  const count = (k: string) => plan?.counts[k] ?? 0;
  const targetName = plan?.target ?? target;
  return (
    <main className="main migration-main" data-testid={testIds.migration}>
      <header className="main-head">
        <div>
          <h1>Migrate between providers</h1>
          <p className="muted">
            Plan from fresh copies of both sides, review, then run. Nothing is deleted or deactivated unless you choose
            it below; every operation is journaled so a stopped run can go on.
          </p>
        </div>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      <div className="migration-pick">
        <ProviderSelect
          label="From"
          value={source}
          providers={providers}
          testId={testIds.migrationSource}
          onChange={(v) => {
            setSource(v);
            setPlan(null);
          }}
        />
        <ProviderSelect
          label="to"
          value={target}
          providers={providers}
          testId={testIds.migrationTarget}
          onChange={(v) => {
            setTarget(v);
            setPlan(null);
          }}
        />
        <button
          type="button"
          className="primary"
          disabled={!source || !target || source === target || makePlan.isPending || busy || workOffline}
          title={workOffline ? "You are working offline: switch off “Work offline” to read the providers." : undefined}
          onClick={() => makePlan.mutate()}
          data-testid={testIds.migrationPlan}
        >
          {makePlan.isPending ? "Planning…" : "Read both and plan"}
        </button>
        <label className="file-button">
          Open a saved plan…
          <input
            type="file"
            accept=".json,application/json"
            className="sr-only"
            data-testid={testIds.migrationOpenPlan}
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = "";
              if (f) void openPlan(f);
            }}
          />
        </label>
        {source === target && <span className="muted small">Choose two different providers.</span>}
      </div>
      <details className="card migration-options" data-testid={testIds.migrationOptions}>
        <summary>
          Mapping rules ({rules.length}) and users only in the target (
          {targetOnly === "keep"
            ? "left as they are"
            : targetOnly === "deactivate"
              ? "deactivated"
              : `deleted, at most ${maxDeletes}`}
          )
        </summary>
        <h3>Mapping rules</h3>
        <MappingRulesEditor
          rows={rules}
          onChange={(r) => {
            setRules(r);
            setPlan(null);
          }}
          onLoadError={setFileError}
        />
        <h3>Users only in the target</h3>
        <div className="radio-row" role="radiogroup" aria-label="Users only in the target">
          {(
            [
              ["keep", "Leave them as they are"],
              ["deactivate", "Deactivate them"],
              ["delete", "Deactivate, then delete them"],
            ] as [TargetOnlyChoice, string][]
          ).map(([k, l]) => (
            <label key={k} className="inline">
              <input
                type="radio"
                name="target-only"
                value={k}
                checked={targetOnly === k}
                onChange={() => {
                  setTargetOnly(k);
                  setPlan(null);
                }}
                data-testid={`${testIds.migrationTargetOnly}-${k}`}
              />
              {l}
            </label>
          ))}
          {targetOnly === "delete" && (
            <label className="inline">
              at most
              <input
                type="number"
                min={0}
                value={maxDeletes}
                onChange={(e) => {
                  setMaxDeletes(Math.max(0, Number(e.target.value) || 0));
                  setPlan(null);
                }}
                aria-label="Most deletes"
                className="narrow"
              />
              deletes
            </label>
          )}
        </div>
        <p className="muted small">
          Nothing is deactivated or deleted when a copy was not read completely; with more target-only users than the
          limit, none is deleted.
        </p>
      </details>
      {(makePlan.isPending || verify.isPending) && (
        <div data-testid={testIds.migrationReading}>
          <ProgressBar
            label={
              reading
                ? progressLabel(
                    `${verify.isPending ? "Verifying: " : ""}${reading.stage} at ${reading.provider}`,
                    reading.etaSeconds,
                  )
                : stage || (verify.isPending ? "Verifying" : "Working")
            }
            done={reading?.resources ?? 0}
            total={reading?.total ?? 0}
          />
        </div>
      )}
      {fileError && <p className="error-line">{fileError}</p>}
      {error && <ErrorBox error={toCommandError(error)} title="The migration cannot go on" />}
      {busy && (
        <div className="sync-progress" data-testid={testIds.migrationProgress}>
          <ProgressBar
            label={progressLabel("Running the plan", progress?.etaSeconds)}
            done={progress?.finished ?? 0}
            total={progress?.total ?? total}
          />
          <button type="button" onClick={() => ipc.cancelMigration()} data-testid={testIds.migrationPause}>
            Pause
          </button>
        </div>
      )}
      {paused && !busy && (
        <p className="warning" data-testid={testIds.migrationPaused}>
          Paused. Everything done so far is kept; resume the run from the list below when you are ready.
        </p>
      )}
      {outcome && (
        <div className={outcome.failed.length ? "warning" : "ok-line"} data-testid={testIds.migrationReport}>
          Migration {outcome.migrationId}: {outcome.done} operations done, {outcome.failed.length} failed
          {outcome.settled > 0 ? `, ${outcome.settled} found already done at the target` : ""} in{" "}
          {outcome.seconds.toFixed(1)} s. Verify reads both sides again and refreshes their copies on this computer.
          {outcome.failed.length > 0 && (
            <ul>
              {outcome.failed.map((f) => (
                <li key={f.seq}>
                  {f.op} {f.label}: {f.message}{" "}
                  {!busy && !workOffline && FIXABLE.includes(f.op) && (
                    <button type="button" className="link" onClick={() => setFixing(f)} data-testid={testIds.fixRecord}>
                      Fix and retry…
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {plan && (
        <section className="migration-plan">
          <div className="kpis" data-testid={testIds.migrationCounts}>
            {OPS.filter(([k]) => !k.startsWith("de") || count(k) > 0).map(([k, l]) => (
              <div className="kpi" key={k}>
                <span className="kpi-value">{count(k).toLocaleString()}</span>
                <span className="muted">{l.toLowerCase()}</span>
              </div>
            ))}
            <div className="kpi">
              <span className="kpi-value">{plan.review.length}</span>
              <span className="muted">need a decision</span>
            </div>
          </div>
          {plan.notKept.length > 0 && (
            <div className="card" data-testid={testIds.migrationNotKept}>
              <h3>Not kept by {plan.target}</h3>
              <p className="small muted">
                {plan.target} accepts these but does not store them, so they are not planned again (sending them would
                not make them stick). Map them to attributes it keeps with a mapping rule, or leave them.
              </p>
              <ul className="small">
                {plan.notKept.map((n) => (
                  <li key={n.path} title={n.path}>
                    {attributeLabel(n.path)}: {n.records.toLocaleString()} {n.records === 1 ? "record" : "records"}
                  </li>
                ))}
              </ul>
            </div>
          )}
          {plan.warnings.length > 0 && (
            <ul className="plan-warnings" data-testid={testIds.migrationWarnings}>
              {plan.warnings.map((w) => (
                <li key={w} className="small">
                  {w}
                </li>
              ))}
            </ul>
          )}
          <div className="card chart-small">
            <Chart label={OPS.map(([k, l]) => `${l}: ${count(k)}`).join(", ")} config={chart} />
          </div>
          <div className="dialog-actions">
            <button type="button" onClick={() => save.mutate(plan)} data-testid={testIds.migrationSave}>
              Save plan
            </button>
            <button
              type="button"
              className="primary"
              disabled={total === 0 || busy || run.isSuccess || paused || workOffline}
              onClick={() => setConfirming(true)}
              data-testid={testIds.migrationRun}
            >
              Run {total.toLocaleString()} operations
            </button>
            <button
              type="button"
              onClick={() => verify.mutate()}
              disabled={verify.isPending || busy || workOffline}
              data-testid={testIds.migrationVerify}
            >
              {verify.isPending ? "Verifying…" : "Verify"}
            </button>
            {(outcome || verify.data) && (
              <button type="button" onClick={() => setPrinting((n) => n + 1)} data-testid={testIds.printMigration}>
                Print report…
              </button>
            )}
            {save.isSuccess && save.data && (
              <span className="muted small">
                Saved to <span className="mono">{save.data}</span>. The plan holds personal data in clear text: keep it
                safe and delete it when you are done.
              </span>
            )}
          </div>
          {verify.data && (
            <p
              className={verify.data.operations.length ? "warning" : "ok-line"}
              data-testid={testIds.migrationVerified}
            >
              {verify.data.operations.length === 0
                ? verify.data.notKept.length > 0
                  ? `Verified: ${verify.data.target} holds everything from ${verify.data.source} that it keeps (0 differences; what it does not keep is listed below).`
                  : `Verified: ${verify.data.target} holds everything from ${verify.data.source} (0 differences).`
                : `${verify.data.operations.length} differences remain; plan and run again.`}
            </p>
          )}
          <div className="tabs small" role="tablist" aria-label="Plan">
            {(
              [
                ["side", "Side by side"],
                ["operations", `Operations (${total})`],
                ["review", `Needs a decision (${plan.review.length})`],
              ] as [Tab, string][]
            ).map(([t, l]) => (
              <button
                key={t}
                type="button"
                role="tab"
                aria-selected={tab === t}
                className={tab === t ? "tab active" : "tab"}
                onClick={() => setTab(t)}
              >
                {l}
              </button>
            ))}
          </div>
          <MatchList plan={plan} hidden={tab !== "side"} />
          {tab === "operations" && <PlanOperations operations={plan.operations} />}
          {tab === "review" && <PlanReview plan={plan} />}
        </section>
      )}
      <MigrationRuns runs={runs.data ?? []} busy={busy || workOffline} onResume={(id) => resume.mutate(id)} />
      {fixing && (
        <FixDialog
          label={fixing.label}
          reason={fixing.message}
          sourceId={fixing.sourceId}
          sent={plan?.operations.find((o) => o.seq === fixing.seq)?.data}
          onClose={() => setFixing(null)}
          onApply={(rule) => {
            const next = [...rules, rule];
            setRules(next);
            setFixing(null);
            makePlan.mutate({ ...options, rules: rulesOf(next) });
          }}
        />
      )}
      {printing > 0 && plan && (
        <Printable key={printing} title={`Migration ${plan.source} to ${plan.target}`} onDone={donePrinting}>
          <h1>
            Migration from {plan.source} to {plan.target}
          </h1>
          <h2>Planned</h2>
          <PrintLines
            lines={[
              ...OPS.map(([k, l]): [string, string] => [l, count(k).toLocaleString()]),
              ["Needing a decision", plan.review.length.toLocaleString()],
            ]}
          />
          {plan.warnings.length > 0 && (
            <ul>
              {plan.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
          {outcome && (
            <>
              <h2>Run {outcome.migrationId}</h2>
              <PrintLines
                lines={[
                  ["Operations done", outcome.done.toLocaleString()],
                  ["Found already done at the target", outcome.settled.toLocaleString()],
                  ["Failed", outcome.failed.length.toLocaleString()],
                  ["Time", `${outcome.seconds.toFixed(1)} s`],
                  ...outcome.failed.map((f): [string, string] => [`${f.op} ${f.label}`, f.message]),
                ]}
              />
            </>
          )}
          {verify.data && (
            <>
              <h2>Verification</h2>
              <p>
                {verify.data.operations.length === 0
                  ? `${verify.data.target} holds everything from ${verify.data.source}: 0 differences.`
                  : `${verify.data.operations.length} differences remained.`}
              </p>
            </>
          )}
        </Printable>
      )}
      {confirming && plan && (
        <ConfirmDialog
          title={`Send ${total} changes to ${targetName}?`}
          body={[
            `${count("create_user")} users and ${count("create_group")} groups will be created at ${targetName}, ${count("update_user")} users changed, then memberships and managers linked.`,
            count("deactivate_user") > 0
              ? `${count("deactivate_user")} users only at ${targetName} will be deactivated.`
              : "",
            count("delete_user") > 0
              ? `${count("delete_user")} users only at ${targetName} will be DELETED at the end.`
              : "Nothing is deleted.",
          ]
            .filter(Boolean)
            .join(" ")}
          action={`Run ${total} operations`}
          busy={false}
          onConfirm={() => {
            setConfirming(false);
            run.mutate(plan);
          }}
          onCancel={() => setConfirming(false)}
        />
      )}
    </main>
  );
}
