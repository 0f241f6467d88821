import { useState } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { ipc, toCommandError, type PeopleFilter, type ProviderSummary } from "../../ipc";
import { queryKeys } from "../../queryKeys";
import { testIds } from "../../testIds";
import { when } from "../../format";
import { ErrorBox } from "../ErrorBox";
import { FIELD_LABEL, FILTERS, activeWord } from "./words";
import { PersonView } from "./PersonView";
import { DriftList } from "./DriftList";
import { OnboardDialog } from "./OnboardDialog";

type Tab = "list" | "drift";

/** One person across every provider: everyone linked from the offline copies, a person's page,
 * and who differs between providers. */
export function PeopleView({
  providers,
  onClose,
  workOffline,
}: {
  providers: ProviderSummary[];
  onClose: () => void;
  workOffline: boolean;
}) {
  const [tab, setTab] = useState<Tab>("list");
  const [text, setText] = useState("");
  const [filter, setFilter] = useState<PeopleFilter>("everyone");
  const [limit, setLimit] = useState(200);
  const [open, setOpen] = useState<string | null>(null);
  const [onboarding, setOnboarding] = useState(false);
  const qc = useQueryClient();
  const people = useQuery({
    queryKey: queryKeys.people(text, filter, null, limit),
    queryFn: () => ipc.findPeople({ text, filter, provider: null, offset: 0, limit }),
    placeholderData: keepPreviousData,
  });
  const page = people.data;
  const order = page?.copies.map((c) => c.provider) ?? [];

  if (open)
    return (
      <main className="main people-main" data-testid={testIds.person}>
        <PersonView
          personKey={open}
          providers={providers}
          onBack={() => setOpen(null)}
          onOpen={setOpen}
          workOffline={workOffline}
        />
      </main>
    );

  return (
    <main className="main people-main" data-testid={testIds.people}>
      <header className="main-head">
        <div>
          <h1>People</h1>
          <p className="muted">
            Each person once, with their accounts in every provider, linked from the offline copies by externalId, then
            userName, then e-mail. Works offline; sync a provider to bring its people up to date.
          </p>
        </div>
        <div className="actions">
          <button
            type="button"
            className="primary"
            disabled={workOffline}
            title={workOffline ? "You are working offline: switch off “Work offline” to create accounts." : undefined}
            onClick={() => setOnboarding(true)}
            data-testid={testIds.onboardOpen}
          >
            Onboard a new hire…
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </header>
      {onboarding && (
        <OnboardDialog
          providers={providers}
          onClose={() => setOnboarding(false)}
          onOpenPerson={(key) => {
            setOnboarding(false);
            setOpen(key);
          }}
          onDone={() => {
            void qc.invalidateQueries({ queryKey: ["people"] });
            void qc.invalidateQueries({ queryKey: ["person"] });
          }}
        />
      )}
      {page && page.copies.length > 0 && (
        <p className="muted small" data-testid={testIds.peopleAsOf}>
          {page.copies
            .map((c) => `${c.provider}${c.sourceOfTruth ? " (source of truth)" : ""} as of ${when(c.asOf)}`)
            .join(" · ")}
          {page.unsynced.length > 0 && ` · never synced: ${page.unsynced.join(", ")}`}
        </p>
      )}
      <div className="tabs" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={tab === "list"}
          className={tab === "list" ? "tab active" : "tab"}
          onClick={() => setTab("list")}
          data-testid={testIds.peopleTabList}
        >
          Everyone{page ? ` (${page.everyone.toLocaleString()})` : ""}
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === "drift"}
          className={tab === "drift" ? "tab active" : "tab"}
          onClick={() => setTab("drift")}
          data-testid={testIds.peopleTabDrift}
        >
          Differences{page ? ` (${page.drifting.toLocaleString()})` : ""}
        </button>
      </div>
      {tab === "drift" ? (
        <DriftList providers={providers} onOpen={setOpen} />
      ) : (
        <div className="tab-body">
          <div className="toolbar">
            <input
              className="search"
              type="search"
              placeholder="Find a person: name, e-mail, userName, employee number…"
              aria-label="Find a person"
              value={text}
              autoFocus
              onChange={(e) => setText(e.target.value)}
              data-testid={testIds.peopleSearch}
            />
          </div>
          <div className="chips" role="radiogroup" aria-label="Show">
            {FILTERS.map(([value, label]) => (
              <button
                key={value}
                type="button"
                role="radio"
                aria-checked={filter === value}
                className={filter === value ? "chip on" : "chip"}
                onClick={() => setFilter(value)}
              >
                {label}
              </button>
            ))}
          </div>
          {people.isError && <ErrorBox error={toCommandError(people.error)} title="People could not be listed" />}
          {people.isPending && <p className="muted">Linking people from the offline copies…</p>}
          {page && page.copies.length === 0 && (
            <div className="empty" data-testid={testIds.peopleEmpty}>
              <p className="empty-title">No offline copies yet</p>
              <p className="muted">
                Sync your providers (Sync now on each provider’s page): their people appear here, linked across
                providers.
              </p>
            </div>
          )}
          {page && page.copies.length > 0 && (
            <>
              <p className="muted small" data-testid={testIds.peopleCount}>
                {page.total.toLocaleString()} of {page.everyone.toLocaleString()} people
                {page.needsDecision > 0 &&
                  ` · ${page.needsDecision} shared ${page.needsDecision === 1 ? "key" : "keys"} to decide (open the person to choose)`}
              </p>
              {page.people.length === 0 ? (
                <p className="muted">Nobody matches. Try fewer words or another filter.</p>
              ) : (
                <table className="grid people-grid">
                  <thead>
                    <tr>
                      <th>Name</th>
                      <th>E-mail</th>
                      {order.map((p) => (
                        <th key={p}>{p}</th>
                      ))}
                      <th>Differs</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.people.map((p) => (
                      <tr
                        key={p.id}
                        tabIndex={0}
                        className="clickable"
                        onClick={() => setOpen(p.id)}
                        onKeyDown={(e) => {
                          if (e.key === "Enter") setOpen(p.id);
                        }}
                        data-testid={testIds.peopleRow}
                      >
                        <td>
                          <button
                            type="button"
                            className="link"
                            onClick={(e) => {
                              e.stopPropagation();
                              setOpen(p.id);
                            }}
                            data-testid={testIds.peopleOpen}
                          >
                            {p.name}
                          </button>
                        </td>
                        <td>{p.email ?? ""}</td>
                        {order.map((prov) => {
                          const a = p.accounts.find((x) => x.provider === prov);
                          return (
                            <td key={prov}>
                              {a ? (
                                <span className={a.active === false ? "tag warn" : "tag"} title={a.userName ?? a.id}>
                                  {activeWord(a.active)}
                                </span>
                              ) : (
                                <span className="muted">no account</span>
                              )}
                            </td>
                          );
                        })}
                        <td>{p.differences.map((d) => FIELD_LABEL[d]).join(", ")}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {page.total > page.people.length && (
                <p className="pager">
                  <button type="button" onClick={() => setLimit((l) => l + 500)}>
                    Show more ({(page.total - page.people.length).toLocaleString()} left)
                  </button>
                </p>
              )}
            </>
          )}
        </div>
      )}
    </main>
  );
}
