import { useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { ipc, toCommandError, type ProviderSummary, type SyncProgress } from "../ipc";
import type { Reachability } from "../reachability";
import { testIds } from "../testIds";
import { count, progressLabel } from "../format";
import { ErrorBox } from "./ErrorBox";
import { CapabilityList } from "./CapabilityList";
import { AddProviderDialog } from "./AddProviderDialog";
import { ChangesView } from "./ChangesView";
import { DirectoryView } from "./DirectoryView";
import { OverviewView } from "./OverviewView";
import { WriteCheckDialog } from "./WriteCheckDialog";
import type { Drill } from "../drill";
import { ProgressBar } from "./ProgressBar";

type Tab = "users" | "groups" | "overview" | "changes";

const TABS: [Tab, string, string][] = [
  ["users", "Users", testIds.tabUsers],
  ["groups", "Groups", testIds.tabGroups],
  ["overview", "Overview", testIds.tabOverview],
  ["changes", "Changes", testIds.tabChanges],
];

interface Props {
  provider: ProviderSummary | null;
  reachability: Reachability;
  onReachability: (name: string, r: Reachability) => void;
  onRemoved: () => void | Promise<void>;
  onSynced: () => void | Promise<void>;
  onAdd: () => void;
  /** Working offline: nothing may talk to a provider. */
  workOffline: boolean;
  onWorkOffline: (on: boolean) => void;
}

const OFFLINE_HINT = "You are working offline: switch off “Work offline” to reach the provider.";

export function MainPanel({
  provider,
  reachability,
  onReachability,
  onRemoved,
  onSynced,
  onAdd,
  workOffline,
  onWorkOffline: setWorkOffline,
}: Props) {
  const [tab, setTab] = useState<Tab>("users");
  // A chart's bar clicked on the overview: the list it opens, with its filter.
  const [drill, setDrill] = useState<Drill | null>(null);
  const [checkingWrites, setCheckingWrites] = useState(false);
  const chooseTab = (t: Tab) => {
    setDrill(null);
    setTab(t);
  };
  const [syncProgress, setSyncProgress] = useState<SyncProgress | null>(null);
  const [editing, setEditing] = useState(false);
  const sync = useMutation({
    mutationFn: async (name: string) => {
      const unlisten = await ipc.onSyncProgress((p) => {
        if (p.provider === name) setSyncProgress(p);
      });
      try {
        return await ipc.syncProvider(name);
      } finally {
        unlisten();
        setSyncProgress(null);
      }
    },
    onSuccess: async (_report, name) => {
      onReachability(name, { state: "online" });
      await onSynced();
    },
    onError: (e, name) => {
      const err = toCommandError(e);
      if (err.code === "provider_unreachable" || err.code === "provider_timeout") {
        onReachability(name, { state: "offline", message: err.message });
      }
    },
  });
  const test = useMutation({
    mutationFn: (name: string) => ipc.testProvider(name),
    onSuccess: (report, name) => onReachability(name, { state: "online", report }),
    onError: (e, name) => onReachability(name, { state: "offline", message: toCommandError(e).message }),
  });
  const remove = useMutation({
    mutationFn: (name: string) => ipc.removeProvider(name),
    onSuccess: () => onRemoved(),
  });

  if (!provider) {
    return (
      <main className="main" data-testid={testIds.mainPanel}>
        <Tabs tab={tab} onTab={setTab} disabled />
        <div className="empty center">
          <p className="empty-title">No provider selected</p>
          <p className="muted">Add a SCIM provider on the left to see its users and groups here.</p>
          <button type="button" className="primary" onClick={onAdd}>
            Add provider
          </button>
        </div>
      </main>
    );
  }

  const confirmRemove = () => {
    if (
      window.confirm(
        `Remove the provider "${provider.name}"? Its token is deleted from the system keyring and ` +
          "its local copy (snapshots) from this computer. Nothing is changed at the provider itself.",
      )
    ) {
      remove.mutate(provider.name);
    }
  };

  return (
    <main className="main" data-testid={testIds.mainPanel}>
      <header className="main-head">
        <div>
          <h1>{provider.name}</h1>
          <p className="muted mono">{provider.baseUrl}</p>
        </div>
        <div className="actions">
          <button
            type="button"
            className="primary"
            onClick={() => sync.mutate(provider.name)}
            disabled={sync.isPending || workOffline}
            title={workOffline ? OFFLINE_HINT : undefined}
            data-testid={testIds.syncNow}
          >
            {sync.isPending ? "Syncing…" : "Sync now"}
          </button>
          <button
            type="button"
            onClick={() => test.mutate(provider.name)}
            disabled={test.isPending || workOffline}
            title={workOffline ? OFFLINE_HINT : undefined}
            data-testid={testIds.testProvider}
          >
            {test.isPending ? "Testing…" : "Test connection"}
          </button>
          <button type="button" onClick={() => setEditing(true)} data-testid={testIds.editProvider}>
            Edit
          </button>
          <label className="inline small">
            <input
              type="checkbox"
              checked={workOffline}
              onChange={(e) => setWorkOffline(e.target.checked)}
              data-testid={testIds.workOffline}
            />
            Work offline
          </label>
          <button
            type="button"
            className="danger"
            onClick={confirmRemove}
            disabled={remove.isPending}
            data-testid={testIds.removeProvider}
          >
            Remove
          </button>
        </div>
      </header>
      {sync.isPending && (
        <div className="sync-progress" data-testid={testIds.syncProgress}>
          <ProgressBar
            label={syncProgress ? progressLabel(syncProgress.stage, syncProgress.etaSeconds) : "Connecting"}
            done={syncProgress?.resources ?? 0}
            total={syncProgress?.total ?? 0}
          />
          <button type="button" onClick={() => ipc.cancelSync(provider.name)} data-testid={testIds.cancelSync}>
            Cancel
          </button>
        </div>
      )}
      {sync.isSuccess && sync.variables === provider.name && (
        <p
          className={sync.data.completeness.complete ? "ok-line" : "warning"}
          data-testid={testIds.syncResult}
          data-complete={sync.data.completeness.complete}
        >
          Copied {count(sync.data.users, "user")}, {count(sync.data.groups, "group")} and{" "}
          {count(sync.data.memberships, "membership")} in {sync.data.seconds.toFixed(1)} s.
          {sync.data.completeness.warning && (
            <>
              {" "}
              <strong>{sync.data.completeness.warning}</strong>: the provider stopped before sending everything it
              announced.
            </>
          )}
        </p>
      )}
      {sync.isError && sync.variables === provider.name && (
        <ErrorBox error={toCommandError(sync.error)} title="Sync did not finish; the previous copy is kept" />
      )}
      {test.isError && <ErrorBox error={toCommandError(test.error)} title="Connection failed" />}
      {remove.isError && <ErrorBox error={toCommandError(remove.error)} title="Not removed" />}
      {(workOffline || reachability.state === "offline") && (
        <div className="banner" role="status" data-testid={testIds.offlineBanner}>
          <strong>Offline</strong>: you are looking at the copy on this computer
          {provider.lastSyncAt ? ` from ${new Date(provider.lastSyncAt).toLocaleString()}` : ""}. Browsing, search,
          filters and history work; changes need a connection to {provider.name}.
          {workOffline && (
            <button type="button" className="link" onClick={() => setWorkOffline(false)}>
              Go online
            </button>
          )}
        </div>
      )}
      {editing && (
        <AddProviderDialog
          editing={provider}
          onClose={() => setEditing(false)}
          onSaved={async () => {
            setEditing(false);
            await onSynced();
          }}
        />
      )}
      {checkingWrites && (
        <WriteCheckDialog
          provider={provider.name}
          onClose={() => {
            setCheckingWrites(false);
            test.mutate(provider.name);
          }}
        />
      )}
      <Tabs tab={tab} onTab={chooseTab} />
      <section className="tab-body" role="tabpanel" aria-label={TABS.find((t) => t[0] === tab)?.[1]}>
        {reachability.state === "online" && reachability.report && (
          <CapabilityList
            report={reachability.report}
            onForget={async () => {
              await ipc.relearnProvider(provider.name);
              test.mutate(provider.name);
            }}
            onWriteCheck={workOffline ? undefined : () => setCheckingWrites(true)}
          />
        )}
        {tab === "overview" ? (
          <OverviewView
            provider={provider.name}
            version={provider.lastSyncAt ?? "never"}
            onDrill={(d) => {
              setDrill(d);
              setTab(d.tab);
            }}
          />
        ) : tab === "changes" ? (
          <ChangesView provider={provider.name} version={provider.lastSyncAt ?? "never"} />
        ) : (
          <DirectoryView
            key={`${provider.name}-${tab}`}
            provider={provider}
            kind={tab === "users" ? "User" : "Group"}
            version={provider.lastSyncAt ?? "never"}
            readOnly={workOffline || reachability.state === "offline"}
            initial={drill ?? undefined}
          />
        )}
      </section>
    </main>
  );
}

function Tabs({ tab, onTab, disabled }: { tab: Tab; onTab: (t: Tab) => void; disabled?: boolean }) {
  return (
    <div className="tabs" role="tablist" aria-label="Directory">
      {TABS.map(([t, text, id]) => (
        <button
          key={t}
          type="button"
          role="tab"
          aria-selected={tab === t}
          disabled={disabled}
          className={tab === t ? "tab active" : "tab"}
          onClick={() => onTab(t)}
          data-testid={id}
        >
          {text}
        </button>
      ))}
    </div>
  );
}
