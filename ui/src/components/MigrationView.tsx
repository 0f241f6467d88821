import { useCallback, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ipc, toCommandError, type MigrationPlan, type ProviderSummary, type RunProgress } from "../ipc";
import { testIds } from "../testIds";
import { Chart } from "./Chart";
import { ConfirmDialog } from "./EditDialogs";
import { ErrorBox } from "./ErrorBox";
import { ProgressBar } from "./ProgressBar";

const TAGS: [string, string][] = [
  ["only_in_source", "Only in the source"],
  ["only_in_target", "Only in the target"],
  ["matched_equal", "Matched, equal"],
  ["matched_different", "Matched, different"],
  ["ambiguous", "Needs a decision"],
];

const OPS: [string, string][] = [
  ["create_user", "New users"],
  ["update_user", "Changed users"],
  ["create_group", "New groups"],
  ["add_members", "Membership changes"],
  ["set_manager", "Manager links"],
];

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
export function MigrationView({ providers, onClose }: { providers: ProviderSummary[]; onClose: () => void }) {
  const qc = useQueryClient();
  const [source, setSource] = useState(providers[0]?.name ?? "");
  const [target, setTarget] = useState(providers[1]?.name ?? "");
  const [plan, setPlan] = useState<MigrationPlan | null>(null);
  const [stage, setStage] = useState("");
  const [tab, setTab] = useState<Tab>("side");
  const [tag, setTag] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [progress, setProgress] = useState<RunProgress | null>(null);

  const makePlan = useMutation({
    mutationFn: async () => {
      setStage(`Reading ${source}`);
      await ipc.syncProvider(source);
      setStage(`Reading ${target}`);
      await ipc.syncProvider(target);
      setStage("Matching and planning");
      return ipc.planMigration(source, target);
    },
    onSuccess: (p) => {
      setPlan(p);
      setStage("");
    },
    onError: () => setStage(""),
  });
  const save = useMutation({ mutationFn: (p: MigrationPlan) => ipc.savePlan(p) });
  const run = useMutation({
    mutationFn: async (p: MigrationPlan) => {
      const unlisten = await ipc.onMigrationProgress(setProgress);
      try {
        return await ipc.runMigration(p);
      } finally {
        unlisten();
      }
    },
    onSettled: () => qc.invalidateQueries(),
  });
  const verify = useMutation({ mutationFn: () => ipc.verifyMigration(source, target) });

  const chart = useCallback(
    (p: { accent: string }) => ({
      type: "bar" as const,
      data: {
        labels: OPS.map(([, l]) => l),
        datasets: [{ label: "Operations", data: OPS.map(([k]) => plan?.counts[k] ?? 0), backgroundColor: p.accent }],
      },
      options: { animation: false as const, maintainAspectRatio: false, plugins: { legend: { display: false } } },
    }),
    [plan],
  );

  const total = plan?.operations.length ?? 0;
  const error = makePlan.error ?? save.error ?? run.error ?? verify.error;
  const shown = plan ? plan.matches.filter((m) => !tag || m.tag === tag) : [];
  return (
    <main className="main" data-testid={testIds.migration}>
      <header className="main-head">
        <div>
          <h1>Migrate between providers</h1>
          <p className="muted">
            Plan from the copies on this computer, review, then run. Nothing is deleted or deactivated; every
            operation is journaled so a stopped run can go on.
          </p>
        </div>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      <div className="migration-pick">
        <ProviderSelect label="From" value={source} providers={providers} testId={testIds.migrationSource} onChange={(v) => { setSource(v); setPlan(null); }} />
        <ProviderSelect label="to" value={target} providers={providers} testId={testIds.migrationTarget} onChange={(v) => { setTarget(v); setPlan(null); }} />
        <button
          type="button"
          className="primary"
          disabled={!source || !target || source === target || makePlan.isPending || run.isPending}
          onClick={() => makePlan.mutate()}
          data-testid={testIds.migrationPlan}
        >
          {makePlan.isPending ? "Planning…" : "Read both and plan"}
        </button>
        {source === target && <span className="muted small">Choose two different providers.</span>}
      </div>
      {makePlan.isPending && <ProgressBar label={stage || "Working"} done={0} total={0} />}
      {error && <ErrorBox error={toCommandError(error)} title="The migration cannot go on" />}
      {plan && (
        <section className="migration-plan">
          <div className="kpis" data-testid={testIds.migrationCounts}>
            {OPS.map(([k, l]) => (
              <div className="kpi" key={k}>
                <span className="kpi-value">{(plan.counts[k] ?? 0).toLocaleString()}</span>
                <span className="muted">{l.toLowerCase()}</span>
              </div>
            ))}
            <div className="kpi">
              <span className="kpi-value">{plan.review.length}</span>
              <span className="muted">need a decision</span>
            </div>
          </div>
          {plan.warnings.map((w) => (
            <p key={w} className="muted small">
              {w}
            </p>
          ))}
          <div className="card chart-small">
            <Chart label={OPS.map(([k, l]) => `${l}: ${plan.counts[k] ?? 0}`).join(", ")} config={chart} />
          </div>
          <div className="dialog-actions">
            <button type="button" onClick={() => save.mutate(plan)} data-testid={testIds.migrationSave}>
              Save plan
            </button>
            <button
              type="button"
              className="primary"
              disabled={total === 0 || run.isPending || run.isSuccess}
              onClick={() => setConfirming(true)}
              data-testid={testIds.migrationRun}
            >
              Run {total.toLocaleString()} operations
            </button>
            <button type="button" onClick={() => verify.mutate()} disabled={verify.isPending || run.isPending} data-testid={testIds.migrationVerify}>
              {verify.isPending ? "Verifying…" : "Verify"}
            </button>
            {save.isSuccess && <span className="muted small mono">Saved to {save.data}</span>}
          </div>
          {run.isPending && (
            <div className="sync-progress" data-testid={testIds.migrationProgress}>
              <ProgressBar label="Running the plan" done={progress?.finished ?? 0} total={progress?.total ?? total} />
              <button type="button" onClick={() => ipc.cancelMigration()}>
                Pause
              </button>
            </div>
          )}
          {run.data && (
            <div className={run.data.failed.length ? "warning" : "ok-line"} data-testid={testIds.migrationReport}>
              Migration {run.data.migrationId}: {run.data.done} operations done, {run.data.failed.length} failed in{" "}
              {run.data.seconds.toFixed(1)} s.
              {run.data.failed.length > 0 && (
                <ul>
                  {run.data.failed.map((f) => (
                    <li key={f.seq}>
                      {f.op} {f.label}: {f.message}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
          {verify.data && (
            <p className={verify.data.operations.length ? "warning" : "ok-line"} data-testid={testIds.migrationVerified}>
              {verify.data.operations.length === 0
                ? `Verified: ${target} holds everything from ${source} (0 differences).`
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
              <button key={t} type="button" role="tab" aria-selected={tab === t} className={tab === t ? "tab active" : "tab"} onClick={() => setTab(t)}>
                {l}
              </button>
            ))}
          </div>
          {tab === "side" && (
            <>
              <div className="chips">
                {TAGS.map(([k, l]) => (
                  <button key={k} type="button" className={tag === k ? "chip active" : "chip"} onClick={() => setTag(tag === k ? null : k)}>
                    {l} ({plan.matches.filter((m) => m.tag === k).length})
                  </button>
                ))}
              </div>
              <table className="grid compact">
                <thead>
                  <tr>
                    <th scope="col">Record</th>
                    <th scope="col">Status</th>
                    <th scope="col">Matched by</th>
                    <th scope="col">Target id</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.slice(0, 500).map((m, i) => (
                    <tr key={`${m.sourceId ?? ""}-${m.targetId ?? ""}-${i}`} data-testid={testIds.matchRow} data-tag={m.tag}>
                      <td>{m.label}</td>
                      <td>
                        <span className={m.tag === "ambiguous" ? "tag warn" : "tag"}>{TAGS.find(([k]) => k === m.tag)?.[1]}</span>
                      </td>
                      <td>{m.rule ?? "—"}</td>
                      <td className="mono">{m.targetId ?? "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          {tab === "operations" && (
            <table className="grid compact">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Operation</th>
                  <th scope="col">Record</th>
                  <th scope="col">Changes</th>
                </tr>
              </thead>
              <tbody>
                {plan.operations.slice(0, 500).map((o) => (
                  <tr key={o.seq}>
                    <td>{o.seq}</td>
                    <td>{OPS.find(([k]) => k === o.op)?.[1] ?? o.op}</td>
                    <td>{o.label}</td>
                    <td className="small">{(o.changes ?? []).map((c) => c.path).join(", ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {tab === "review" && (
            <ul className="history">
              {plan.review.length === 0 && <li className="muted">Nothing needs a decision.</li>}
              {plan.review.map((m, i) => (
                <li key={i}>
                  <span>{m.label}</span>
                  <span className="muted small">{m.reason}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      {confirming && plan && (
        <ConfirmDialog
          title={`Send ${total} changes to ${target}?`}
          body={`${plan.counts.create_user ?? 0} users and ${plan.counts.create_group ?? 0} groups will be created at ${target}, ${plan.counts.update_user ?? 0} users changed, then memberships and managers linked. Nothing is deleted.`}
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
