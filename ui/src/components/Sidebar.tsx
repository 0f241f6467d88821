import type { CommandError, DemoProgress, LinkView, ProviderSummary } from "../ipc";
import { needsAttention, OUTCOME } from "./links/words";
import { testIds } from "../testIds";
import { ErrorBox } from "./ErrorBox";
import { ProgressBar } from "./ProgressBar";
import { when } from "../format";

interface Props {
  providers: ProviderSummary[];
  loading: boolean;
  error: CommandError | null;
  selected: string | null;
  onSelect: (name: string) => void;
  onAdd: () => void;
  onTryDemo: () => void;
  /** Opens the migration screen (two providers or more). */
  onMigrate: () => void;
  /** "Offline data…": retention and wiping. */
  onOfflineData: () => void;
  /** Opens the People room (one person across every provider). */
  onPeople: () => void;
  /** The People room is open. */
  peopleOpen: boolean;
  /** Opens the Links room (saved, scoped, repeatable provisioning). */
  onLinks: () => void;
  linksOpen: boolean;
  /** The saved links, for the last result under "Links". */
  links: LinkView[];
  demoRunning: boolean;
  demoProgress: DemoProgress | null;
  demoError: CommandError | null;
}

export function Sidebar(p: Props) {
  return (
    <nav className="sidebar" aria-label="Providers" data-testid={testIds.sidebar}>
      <header className="sidebar-head">
        <h2>Providers</h2>
        {p.providers.length > 0 && (
          <button
            type="button"
            className="icon-button"
            onClick={p.onAdd}
            aria-label="Add provider"
            title="Add provider"
            data-testid={testIds.addProvider}
          >
            +
          </button>
        )}
      </header>
      {p.loading && <p className="muted pad">Loading providers…</p>}
      {p.error && <ErrorBox error={p.error} title="Providers could not be loaded" />}
      {!p.loading && !p.error && p.providers.length === 0 && (
        <div className="empty" data-testid={testIds.providersEmpty}>
          <p className="empty-title">No providers yet</p>
          <p className="muted">
            Connect a SCIM service provider to browse and edit its users and groups, or try SCIM Desk with two local
            demo providers.
          </p>
          <button type="button" className="primary" onClick={p.onAdd} data-testid={testIds.addProvider}>
            Add provider
          </button>
          <button
            type="button"
            onClick={p.onTryDemo}
            disabled={p.demoRunning}
            title="Starts two SCIM providers inside SCIM Desk, one with a sample directory of 1,000 people"
            data-testid={testIds.tryDemo}
          >
            Try the demo providers
          </button>
        </div>
      )}
      {!p.demoRunning && p.providers.some((prov) => prov.demoStopped) && (
        <div className="sidebar-notice" role="status" data-testid={testIds.demoStopped}>
          <p>
            The demo providers stopped when SCIM Desk last closed: they run inside the app and keep their directories in
            memory only.
          </p>
          <button type="button" onClick={p.onTryDemo} data-testid={testIds.demoRestart}>
            Start the demo again
          </button>
        </div>
      )}
      {p.demoRunning && (
        <div className="pad" data-testid={testIds.demoProgress}>
          <ProgressBar
            label={p.demoProgress?.stage ?? "Starting the demo providers"}
            done={p.demoProgress?.done ?? 0}
            total={p.demoProgress?.total ?? 0}
          />
        </div>
      )}
      {p.demoError && (
        <div data-testid={testIds.demoError}>
          <ErrorBox error={p.demoError} title="The demo providers did not start" />
        </div>
      )}
      {p.providers.length > 0 && (
        <button
          type="button"
          className={p.peopleOpen ? "provider people-entry selected" : "provider people-entry"}
          aria-current={p.peopleOpen ? "true" : undefined}
          onClick={p.onPeople}
          title="Each person once, with their accounts in every provider: differences, offboarding everywhere"
          data-testid={testIds.openPeople}
        >
          <span className="provider-name">People</span>
          <span className="provider-note">one person across every provider</span>
        </button>
      )}
      {p.providers.length > 1 && (
        <button
          type="button"
          className={p.linksOpen ? "provider people-entry selected" : "provider people-entry"}
          aria-current={p.linksOpen ? "true" : undefined}
          onClick={p.onLinks}
          title="Keep two providers aligned: scoped, repeatable runs with guard rails and a history"
          data-testid={testIds.openLinks}
        >
          <span className="provider-name">Links</span>
          <LinksNote links={p.links} />
        </button>
      )}
      {p.providers.length > 0 && (
        <ul className="provider-list" data-testid={testIds.providerList}>
          {p.providers.map((prov) => (
            <li key={prov.name}>
              <button
                type="button"
                className={prov.name === p.selected && !p.peopleOpen && !p.linksOpen ? "provider selected" : "provider"}
                aria-current={prov.name === p.selected && !p.peopleOpen && !p.linksOpen ? "true" : undefined}
                onClick={() => p.onSelect(prov.name)}
                data-testid={testIds.providerItem}
              >
                <span className="provider-name" data-testid={testIds.providerName}>
                  {prov.name}
                </span>
                <span className="provider-url">{prov.baseUrl}</span>
                <span className="provider-tags">
                  {prov.isDemo && <span className="tag">{prov.demoStopped ? "demo · stopped" : "demo"}</span>}
                  {prov.tlsSkipVerify && <span className="tag warn">TLS not verified</span>}
                  {prov.allowPlainHttp && prov.baseUrl.toLowerCase().startsWith("http:") && (
                    <span className="tag warn" data-testid={testIds.notEncrypted}>
                      NOT ENCRYPTED
                    </span>
                  )}
                  <span className="tag quiet">
                    {prov.lastSyncAt ? `synced ${when(prov.lastSyncAt)}` : "never synced"}
                  </span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="pad stack">
        {p.providers.length > 1 && (
          <button type="button" onClick={p.onMigrate} data-testid={testIds.openMigration}>
            Migrate between providers…
          </button>
        )}
        {p.providers.length > 0 && (
          <button type="button" onClick={p.onOfflineData} data-testid={testIds.openOfflineData}>
            Offline data…
          </button>
        )}
      </div>
    </nav>
  );
}

/** Under "Links": how many, and the last result (the ones needing attention first). */
function LinksNote({ links }: { links: LinkView[] }) {
  if (links.length === 0) return <span className="provider-note">keep two providers aligned</span>;
  const attention = links.filter(needsAttention);
  if (attention.length > 0) {
    const first = attention[0]!;
    return (
      <span className="provider-note warn-text" data-testid={testIds.linksSidebarNote}>
        {first.name}: {OUTCOME[first.lastRun!.outcome].toLowerCase()}
        {attention.length > 1 && ` (+${attention.length - 1} more)`}
      </span>
    );
  }
  const last = links
    .map((l) => l.lastRun)
    .filter((r) => r !== undefined)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
  return (
    <span className="provider-note" data-testid={testIds.linksSidebarNote}>
      {links.length} {links.length === 1 ? "link" : "links"}
      {last ? ` · last run ${OUTCOME[last.outcome].toLowerCase()} ${when(last.startedAt)}` : " · never run"}
    </span>
  );
}
