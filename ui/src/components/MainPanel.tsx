import { useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { ipc, toCommandError, type ProviderSummary } from "../ipc";
import type { Reachability } from "../App";
import { testIds } from "../testIds";
import { ErrorBox } from "./ErrorBox";
import { CapabilityList } from "./CapabilityList";

type Tab = "users" | "groups";

interface Props {
  provider: ProviderSummary | null;
  reachability: Reachability;
  onReachability: (name: string, r: Reachability) => void;
  onRemoved: () => void | Promise<void>;
  onAdd: () => void;
}

export function MainPanel({ provider, reachability, onReachability, onRemoved, onAdd }: Props) {
  const [tab, setTab] = useState<Tab>("users");
  const test = useMutation({
    mutationFn: (name: string) => ipc.testProvider(name),
    onSuccess: (report, name) => onReachability(name, { state: "online", report }),
    onError: (e, name) =>
      onReachability(name, { state: "offline", message: toCommandError(e).message }),
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
          <p className="muted">
            Add a SCIM provider on the left to see its users and groups here.
          </p>
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
        `Remove the provider "${provider.name}"? Its token is deleted from the system keyring. ` +
          "Nothing is changed at the provider itself.",
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
            onClick={() => test.mutate(provider.name)}
            disabled={test.isPending}
            data-testid={testIds.testProvider}
          >
            {test.isPending ? "Testing…" : "Test connection"}
          </button>
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
      {test.isError && <ErrorBox error={toCommandError(test.error)} title="Connection failed" />}
      {remove.isError && <ErrorBox error={toCommandError(remove.error)} title="Not removed" />}
      <Tabs tab={tab} onTab={setTab} />
      <section className="tab-body" role="tabpanel" aria-label={tab === "users" ? "Users" : "Groups"}>
        <div className="empty center">
          <p className="empty-title">
            {tab === "users" ? "No cached users yet" : "No cached groups yet"}
          </p>
          <p className="muted">
            SCIM Desk keeps a copy of each directory on this computer so you can browse it
            offline. The copy of {provider.name} has not been made yet.
          </p>
        </div>
        {reachability.state === "online" && <CapabilityList report={reachability.report} />}
      </section>
    </main>
  );
}

function Tabs({ tab, onTab, disabled }: { tab: Tab; onTab: (t: Tab) => void; disabled?: boolean }) {
  return (
    <div className="tabs" role="tablist" aria-label="Directory">
      <button
        type="button"
        role="tab"
        aria-selected={tab === "users"}
        disabled={disabled}
        className={tab === "users" ? "tab active" : "tab"}
        onClick={() => onTab("users")}
        data-testid={testIds.tabUsers}
      >
        Users
      </button>
      <button
        type="button"
        role="tab"
        aria-selected={tab === "groups"}
        disabled={disabled}
        className={tab === "groups" ? "tab active" : "tab"}
        onClick={() => onTab("groups")}
        data-testid={testIds.tabGroups}
      >
        Groups
      </button>
    </div>
  );
}
