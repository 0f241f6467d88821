import { useEffect, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  ipc,
  toCommandError,
  type LinkProgress,
  type LinkRunOptions,
  type LinkRunReport,
  type LinkView,
  type ProviderSummary,
} from "../../ipc";
import { queryKeys } from "../../queryKeys";
import { testIds } from "../../testIds";
import { when } from "../../format";
import { ErrorBox } from "../ErrorBox";
import { Modal } from "../Modal";
import { ProgressBar } from "../ProgressBar";
import { LinkEditor } from "./LinkEditor";
import { LinkReport } from "./LinkReport";
import { OUTCOME, outcomeTone, scheduleWords, scopeWords } from "./words";

/** Links: saved source -> target pairs that run again and again, each with its scope, guard
 * rails and schedule; run now, dry run, run anyway; the history of runs with what each did. */
export function LinksView({
  providers,
  onClose,
  workOffline,
}: {
  providers: ProviderSummary[];
  onClose: () => void;
  workOffline: boolean;
}) {
  const qc = useQueryClient();
  const links = useQuery({ queryKey: queryKeys.links(), queryFn: ipc.listLinks });
  const [selected, setSelected] = useState<string | null>(null);
  const [editing, setEditing] = useState<LinkView | "new" | null>(null);
  const list = links.data ?? [];
  const current = list.find((l) => l.name === selected) ?? list[0] ?? null;

  return (
    <main className="main links-main" data-testid={testIds.links}>
      <header className="main-head">
        <div>
          <h1>Links</h1>
          <p className="muted">
            Keep two providers aligned: a link carries the users and groups in its scope from one provider to another,
            again and again. Each run reads both, sends only what changed, stops before writing when it would change far
            more than usual, and is kept in the link&apos;s history.
          </p>
        </div>
        <div className="actions">
          <button type="button" className="primary" onClick={() => setEditing("new")} data-testid={testIds.linkNew}>
            New link
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </header>
      {links.isError && <ErrorBox error={toCommandError(links.error)} title="The links could not be read" />}
      {links.isSuccess && list.length === 0 && (
        <div className="empty" data-testid={testIds.linksEmpty}>
          <p className="empty-title">No links yet</p>
          <p className="muted">
            A link keeps, say, the Sales department of your HR directory in an app: choose the two providers, who is in
            scope, and the most one run may change.
          </p>
          <button type="button" className="primary" onClick={() => setEditing("new")}>
            New link
          </button>
        </div>
      )}
      {list.length > 0 && (
        <div className="links-layout">
          <ul className="link-list" aria-label="Links">
            {list.map((l) => (
              <li key={l.name}>
                <button
                  type="button"
                  className={l.name === current?.name ? "provider selected" : "provider"}
                  aria-current={l.name === current?.name ? "true" : undefined}
                  onClick={() => setSelected(l.name)}
                  data-testid={testIds.linkItem}
                >
                  <span className="provider-name">{l.name}</span>
                  <span className="provider-note">
                    {l.source} → {l.target} · {scheduleWords(l.settings)}
                  </span>
                  {l.lastRun ? (
                    <span className={`tag ${outcomeTone(l.lastRun.outcome)}`}>
                      {OUTCOME[l.lastRun.outcome]} · {when(l.lastRun.startedAt)}
                    </span>
                  ) : (
                    <span className="tag quiet">never run</span>
                  )}
                </button>
              </li>
            ))}
          </ul>
          {current && (
            <LinkPanel
              key={current.name}
              link={current}
              workOffline={workOffline}
              onEdit={() => setEditing(current)}
              onRemoved={async () => {
                setSelected(null);
                await qc.invalidateQueries({ queryKey: queryKeys.links() });
              }}
            />
          )}
        </div>
      )}
      {editing && (
        <LinkEditor
          providers={providers}
          link={editing === "new" ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={async (saved) => {
            setEditing(null);
            setSelected(saved.name);
            await qc.invalidateQueries({ queryKey: queryKeys.links() });
          }}
        />
      )}
    </main>
  );
}

/** One link: what it does, Run now / Dry run / Edit / Remove, the run going on, its last report
 * and its history. */
function LinkPanel({
  link,
  workOffline,
  onEdit,
  onRemoved,
}: {
  link: LinkView;
  workOffline: boolean;
  onEdit: () => void;
  onRemoved: () => void;
}) {
  const qc = useQueryClient();
  const [progress, setProgress] = useState<LinkProgress | null>(null);
  const [shown, setShown] = useState<LinkRunReport | null>(null);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const history = useQuery({
    queryKey: queryKeys.linkHistory(link.name),
    queryFn: () => ipc.linkHistory(link.name, 50),
  });
  useEffect(() => {
    const un = ipc
      .onLinkProgress((p) => {
        if (p.link === link.name) setProgress(p);
      })
      .catch(() => null);
    return () => {
      void un.then((f) => f?.()).catch(() => undefined);
    };
  }, [link.name]);
  const run = useMutation({
    mutationFn: (options: LinkRunOptions) => ipc.runLink(link.name, options),
    onSuccess: (r) => setShown(r),
    onSettled: async () => {
      setProgress(null);
      await qc.invalidateQueries({ queryKey: queryKeys.links() });
      await qc.invalidateQueries({ queryKey: queryKeys.linkHistory(link.name) });
      // The run synced both providers: their pages and counts changed.
      await qc.invalidateQueries({ queryKey: queryKeys.providers() });
    },
  });
  const remove = useMutation({ mutationFn: () => ipc.removeLink(link.name), onSuccess: onRemoved });
  const report = shown ?? history.data?.[0]?.report ?? null;
  const s = link.settings;

  return (
    <section className="link-panel" aria-label={link.name}>
      <h2>{link.name}</h2>
      <dl className="facts">
        <dt>From → to</dt>
        <dd>
          {link.source} → {link.target}
        </dd>
        <dt>In scope</dt>
        <dd>{scopeWords(s)}</dd>
        <dt>At the target</dt>
        <dd>
          Users with no match:{" "}
          {s.targetOnly === "keep" ? "left" : s.targetOnly === "deactivate" ? "deactivated" : "deleted"}; users leaving
          the scope: {s.leaving === "keep" ? "left and listed" : "deactivated"}
          {s.protect.length > 0 && `; never touched: ${s.protect.join(", ")}`}
        </dd>
        <dt>Guard rails a run</dt>
        <dd>
          creates {s.guard.maxCreates ?? "no limit"}, changes {s.guard.maxUpdates ?? "no limit"}, deactivations{" "}
          {s.guard.maxDeactivations ?? "no limit"}, deletes {s.guard.maxDeletes ?? "no limit"}
        </dd>
        <dt>Runs</dt>
        <dd>{scheduleWords(s)}</dd>
      </dl>
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={run.isPending || workOffline}
          title={workOffline ? 'Switch off "Work offline" to run a link' : undefined}
          onClick={() => run.mutate({ dryRun: false, force: false })}
          data-testid={testIds.linkRun}
        >
          Run now
        </button>
        <button
          type="button"
          disabled={run.isPending || workOffline}
          onClick={() => run.mutate({ dryRun: true, force: false })}
          title="Reads both providers and shows what a run would send; sends nothing"
          data-testid={testIds.linkDryRun}
        >
          Dry run
        </button>
        <button type="button" disabled={run.isPending} onClick={onEdit} data-testid={testIds.linkEdit}>
          Edit
        </button>
        <button
          type="button"
          disabled={run.isPending}
          onClick={() => setConfirmRemove(true)}
          data-testid={testIds.linkRemove}
        >
          Remove
        </button>
      </div>
      {run.isPending && (
        <div className="pad" data-testid={testIds.linkProgress}>
          <ProgressBar label={progress?.stage ?? "Starting"} done={progress?.done ?? 0} total={progress?.total ?? 0} />
          <button type="button" onClick={() => void ipc.cancelLink(link.name)} data-testid={testIds.linkStop}>
            Stop
          </button>
        </div>
      )}
      {run.isError && <ErrorBox error={toCommandError(run.error)} title="The run did not finish" />}
      {report && !run.isPending && (
        <LinkReport report={report} onRunAnyway={() => run.mutate({ dryRun: false, force: true })} />
      )}
      <h3>History</h3>
      {history.isError && <ErrorBox error={toCommandError(history.error)} title="The history could not be read" />}
      {history.data?.length === 0 && <p className="muted">Never run.</p>}
      <ul className="history" data-testid={testIds.linkHistory}>
        {(history.data ?? []).map((h) => (
          <li key={h.id} data-testid={testIds.linkHistoryRow}>
            <button type="button" className="link-button" onClick={() => setShown(h.report)}>
              {when(h.startedAt)}
            </button>
            <span className={`tag ${outcomeTone(h.outcome)}`}>{OUTCOME[h.outcome]}</span>
            <span className="muted small">{h.report.message}</span>
          </li>
        ))}
      </ul>
      {confirmRemove && (
        <Modal
          title={`Remove the link ${link.name}?`}
          testId={testIds.linkRemoveConfirm}
          alert
          onClose={() => setConfirmRemove(false)}
        >
          <p>
            The link and its history go. Nothing changes at {link.source} or {link.target}: what the link sent stays
            there.
          </p>
          {remove.isError && <ErrorBox error={toCommandError(remove.error)} />}
          <div className="dialog-actions">
            <button type="button" onClick={() => setConfirmRemove(false)}>
              Keep it
            </button>
            <button type="button" className="danger" onClick={() => remove.mutate()}>
              Remove the link
            </button>
          </div>
        </Modal>
      )}
    </section>
  );
}
