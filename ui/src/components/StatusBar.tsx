import type { AppInfo, ProviderSummary } from "../ipc";
import type { Reachability } from "../reachability";
import { testIds } from "../testIds";
import { when } from "../format";

interface Props {
  info: AppInfo | null;
  provider: ProviderSummary | null;
  reachability: Reachability;
  /** "Work offline" is switched on. */
  workOffline: boolean;
}

export function StatusBar({ info, provider, reachability, workOffline }: Props) {
  const online =
    provider === null
      ? { cls: "dot", text: "No provider" }
      : workOffline
        ? { cls: "dot offline", text: "Working offline" }
        : reachability.state === "online"
          ? { cls: "dot online", text: "Online" }
          : reachability.state === "offline"
            ? { cls: "dot offline", text: "Offline" }
            : { cls: "dot", text: "Not checked" };
  return (
    <footer className="statusbar" data-testid={testIds.statusBar}>
      <span
        data-testid={testIds.statusOnline}
        title={reachability.state === "offline" ? reachability.message : undefined}
      >
        <span className={online.cls} aria-hidden="true" /> {online.text}
      </span>
      <span data-testid={testIds.statusLastSync}>Last sync: {when(provider?.lastSyncAt)}</span>
      <span className="spacer" />
      {info && (
        <span className="muted" title={`Data folder: ${info.dataDir}`}>
          SCIM Desk {info.version}
        </span>
      )}
    </footer>
  );
}
