import { useCallback } from "react";
import { useQuery } from "@tanstack/react-query";
import { ipc, toCommandError } from "../ipc";
import type { Count } from "../bindings/Count";
import { testIds } from "../testIds";
import { Chart } from "./Chart";
import { ErrorBox } from "./ErrorBox";
import { drillTo, type Drill } from "../drill";
import { queryKeys } from "../queryKeys";

/** A horizontal bar chart of counts, every label shown. */
function bars(counts: Count[], label: string, color: string) {
  return {
    type: "bar" as const,
    data: {
      labels: counts.map((c) => c.label),
      datasets: [{ label, data: counts.map((c) => c.count), backgroundColor: color }],
    },
    options: {
      animation: false as const,
      maintainAspectRatio: false,
      indexAxis: "y" as const,
      plugins: { legend: { display: false } },
      // Counts are whole numbers: no 0.2 steps on an axis with little in it.
      scales: { y: { ticks: { autoSkip: false } }, x: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  };
}

/** The dashboard of a provider, drawn from the local copy; a click on a bar or slice lists
 * what it counted. */
export function OverviewView({
  provider,
  version,
  onDrill,
}: {
  provider: string;
  version: string;
  onDrill?: (d: Drill) => void;
}) {
  const q = useQuery({ queryKey: queryKeys.overview(provider, version), queryFn: () => ipc.overview(provider) });
  const data = q.data;
  const status = useCallback(
    (p: { accent: string; warn: string }) => ({
      type: "doughnut" as const,
      data: {
        labels: ["Active", "Inactive"],
        datasets: [{ data: [data?.active ?? 0, data?.inactive ?? 0], backgroundColor: [p.accent, p.warn] }],
      },
      options: {
        animation: false as const,
        maintainAspectRatio: false,
        plugins: { legend: { position: "bottom" as const } },
      },
    }),
    [data],
  );
  const departments = useCallback((p: { accent: string }) => bars(data?.byDepartment ?? [], "Users", p.accent), [data]);
  const groups = useCallback((p: { accent: string }) => bars(data?.largestGroups ?? [], "Members", p.accent), [data]);
  const overTime = useCallback(
    (p: { accent: string; warn: string }) => ({
      type: "line" as const,
      data: {
        labels: (data?.snapshots ?? []).map((s) => new Date(s.takenAt).toLocaleString()),
        datasets: [
          {
            label: "Users",
            data: (data?.snapshots ?? []).map((s) => s.users),
            borderColor: p.accent,
            backgroundColor: p.accent,
          },
          {
            label: "Groups",
            data: (data?.snapshots ?? []).map((s) => s.groups),
            borderColor: p.warn,
            backgroundColor: p.warn,
          },
        ],
      },
      options: {
        animation: false as const,
        maintainAspectRatio: false,
        plugins: { legend: { position: "bottom" as const } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    }),
    [data],
  );
  if (q.isError) return <ErrorBox error={toCommandError(q.error)} title="The overview could not be drawn" />;
  if (!data) return <p className="muted pad">Loading the overview…</p>;
  if (!data.snapshotAt) {
    return (
      <div className="empty center">
        <p className="empty-title">Nothing to chart yet</p>
        <p className="muted">Sync {provider} once; the overview is drawn from the copy on this computer.</p>
      </div>
    );
  }
  const edits = data.editsByDay.reduce((n, c) => n + c.count, 0);
  return (
    <div className="overview" data-testid={testIds.overview}>
      <div className="kpis">
        <div className="kpi">
          <span className="kpi-value" data-testid="kpi-users">
            {data.users.toLocaleString()}
          </span>
          <span className="muted">users</span>
        </div>
        <div className="kpi">
          <span className="kpi-value">{data.inactive.toLocaleString()}</span>
          <span className="muted">inactive</span>
        </div>
        <div className="kpi">
          <span className="kpi-value">{data.groups.toLocaleString()}</span>
          <span className="muted">groups</span>
        </div>
        <div className="kpi">
          <span className="kpi-value">{edits.toLocaleString()}</span>
          <span className="muted">changes made here</span>
        </div>
      </div>
      <p className="muted small">Click a bar or a slice to list who it counts.</p>
      <div className="charts">
        <section className="card">
          <h3>Active and inactive</h3>
          <Chart
            label={`${data.active} active and ${data.inactive} inactive users`}
            config={status}
            testId="chart-status"
            onPick={(i) => onDrill?.(drillTo("status", i === 0 ? "Active" : "Inactive"))}
          />
        </section>
        <section className="card">
          <h3>Users by department</h3>
          <Chart
            label={data.byDepartment.map((c) => `${c.label}: ${c.count}`).join(", ")}
            config={departments}
            testId="chart-departments"
            onPick={(i) => {
              const d = data.byDepartment[i];
              if (d) onDrill?.(drillTo("department", d.label));
            }}
          />
        </section>
        <section className="card">
          <h3>Largest groups</h3>
          <Chart
            label={data.largestGroups.map((c) => `${c.label}: ${c.count}`).join(", ")}
            config={groups}
            onPick={(i) => {
              const g = data.largestGroups[i];
              if (g) onDrill?.(drillTo("group", g.label));
            }}
          />
        </section>
        <section className="card">
          <h3>Size over the kept copies</h3>
          {data.snapshots.length < 2 ? (
            <p className="muted" data-testid={testIds.overTimeEmpty}>
              One copy so far: sync again later to see how the directory grows or shrinks.
            </p>
          ) : (
            <Chart label={data.snapshots.map((s) => `${s.takenAt}: ${s.users} users`).join(", ")} config={overTime} />
          )}
        </section>
      </div>
    </div>
  );
}
