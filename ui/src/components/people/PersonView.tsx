import { useState, type ReactNode } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ipc, toCommandError, type AccountColumn, type PersonField, type ProviderSummary } from "../../ipc";
import { queryKeys } from "../../queryKeys";
import { testIds } from "../../testIds";
import { when } from "../../format";
import { ErrorBox } from "../ErrorBox";
import { FIELD_LABEL, LINKED_BY, activeWord } from "./words";
import { OffboardDialog } from "./OffboardDialog";
import { PersonEditDialog } from "./PersonEditDialog";

/** One row of the side-by-side table: its label, the compared field (for highlighting) and each
 * account's value as text. */
interface Row {
  label: string;
  field?: PersonField;
  value: (a: AccountColumn) => ReactNode;
  /** The value compared for highlighting (as the engine compares it). */
  compared?: (a: AccountColumn) => string | null;
}

const text = (v: string | null | undefined) => (v && v.trim() ? v : null);

/** A person's accounts side by side, differences highlighted; links, sources of truth and
 * offboarding. */
export function PersonView({
  personKey,
  providers,
  onBack,
  onOpen,
  workOffline,
}: {
  personKey: string;
  providers: ProviderSummary[];
  onBack: () => void;
  onOpen: (key: string) => void;
  workOffline: boolean;
}) {
  const qc = useQueryClient();
  const [offboarding, setOffboarding] = useState(false);
  const [editing, setEditing] = useState(false);
  const page = useQuery({ queryKey: queryKeys.person(personKey), queryFn: () => ipc.personPage(personKey) });
  const refresh = async (key?: string) => {
    await qc.invalidateQueries({ queryKey: ["people"] });
    await qc.invalidateQueries({ queryKey: ["person"] });
    await qc.invalidateQueries({ queryKey: ["drift"] });
    await qc.invalidateQueries({ queryKey: queryKeys.providers() });
    if (key && key !== personKey) onOpen(key);
  };
  const decide = useMutation({
    mutationFn: async (d: { link: boolean; a: string; b: string[] }) => {
      let last = null;
      for (const b of d.b) last = d.link ? await ipc.personLink(d.a, b) : await ipc.personUnlink(d.a, b);
      return last;
    },
    onSuccess: async (p) => refresh(p?.id),
  });
  const source = useMutation({
    mutationFn: (v: { provider: string; on: boolean }) => ipc.setSourceOfTruth(v.provider, v.on),
    onSuccess: async () => refresh(),
  });

  if (page.isError)
    return (
      <>
        <button type="button" className="link" onClick={onBack} data-testid={testIds.personBack}>
          ← People
        </button>
        <ErrorBox error={toCommandError(page.error)} title="This person could not be shown" />
      </>
    );
  if (!page.data) return <p className="muted">Reading the offline copies…</p>;
  const p = page.data;
  const key = (a: AccountColumn) => `${a.provider}:${a.id}`;
  const rows: Row[] = [
    { label: "Account", value: (a) => a.userName ?? a.id },
    { label: "Account id", value: (a) => a.id },
    { label: "externalId", value: (a) => a.externalId ?? "—" },
    { label: "Linked by", value: (a) => (a.linkedBy ? LINKED_BY[a.linkedBy] : "—") },
    {
      label: "Active",
      field: "active",
      value: (a) => activeWord(a.active),
      compared: (a) => (a.active === null ? null : String(a.active)),
    },
    { label: "Given name", field: "givenName", value: (a) => a.givenName ?? "—", compared: (a) => text(a.givenName) },
    {
      label: "Family name",
      field: "familyName",
      value: (a) => a.familyName ?? "—",
      compared: (a) => text(a.familyName),
    },
    {
      label: "Display name",
      field: "displayName",
      value: (a) => a.displayName ?? "—",
      compared: (a) => text(a.displayName),
    },
    {
      label: "E-mails",
      field: "email",
      value: (a) => (a.emails.length ? a.emails.join(", ") : "—"),
      compared: (a) => text(a.emails[0]?.toLowerCase()),
    },
    { label: "Title", field: "title", value: (a) => a.title ?? "—", compared: (a) => text(a.title) },
    {
      label: "Department",
      field: "department",
      value: (a) => a.department ?? "—",
      compared: (a) => text(a.department),
    },
    {
      label: "Employee number",
      field: "employeeNumber",
      value: (a) => a.employeeNumber ?? "—",
      compared: (a) => text(a.employeeNumber),
    },
    {
      label: "Manager",
      field: "manager",
      value: (a) =>
        a.manager ? (
          a.manager.personId ? (
            <button type="button" className="link" onClick={() => onOpen(a.manager!.personId!)}>
              {a.manager.name ?? a.manager.id}
            </button>
          ) : (
            (a.manager.name ?? a.manager.id)
          )
        ) : (
          "—"
        ),
      compared: (a) => a.manager?.personId ?? null,
    },
    { label: "Groups", value: (a) => (a.groups.length ? a.groups.join(", ") : "—") },
  ];
  const sourceAccount = p.accounts.find((a) => a.sourceOfTruth) ?? null;
  /** Cells that differ: from the source's value, or (without a source) from the first value. */
  const differs = (row: Row, a: AccountColumn) => {
    if (!row.field || !row.compared || !p.differences.includes(row.field)) return false;
    const mine = row.compared(a);
    if (mine === null) return false;
    const base = sourceAccount
      ? row.compared(sourceAccount)
      : (p.accounts.map(row.compared).find((v) => v !== null) ?? null);
    return base !== null && mine !== base;
  };
  const busy = decide.isPending || source.isPending;
  const others = (a: AccountColumn) => p.accounts.filter((x) => x !== a).map(key);

  return (
    <>
      <header className="main-head">
        <div>
          <button type="button" className="link" onClick={onBack} data-testid={testIds.personBack}>
            ← People
          </button>
          <h1 data-testid={testIds.personName}>{p.name}</h1>
          <p className="muted">
            {p.accounts.length} {p.accounts.length === 1 ? "account" : "accounts"}
            {p.source ? ` · source of truth: ${p.source}` : " · no source of truth set"}
            {p.missingIn.length > 0 && ` · no account in ${p.missingIn.join(", ")}`}
            {p.differences.length > 0 && ` · differs: ${p.differences.map((d) => FIELD_LABEL[d]).join(", ")}`}
          </p>
        </div>
        <div className="actions">
          <button
            type="button"
            disabled={workOffline}
            title={
              workOffline
                ? "You are working offline: switch off “Work offline” to change the providers."
                : "Change this person once, in every provider"
            }
            onClick={() => setEditing(true)}
            data-testid={testIds.personEditOpen}
          >
            Edit everywhere…
          </button>
          <button
            type="button"
            className="danger"
            disabled={workOffline}
            title={
              workOffline
                ? "You are working offline: switch off “Work offline” to offboard."
                : "Deactivate this person in every provider, with evidence"
            }
            onClick={() => setOffboarding(true)}
            data-testid={testIds.offboardOpen}
          >
            Offboard everywhere…
          </button>
        </div>
      </header>
      {decide.isError && <ErrorBox error={toCommandError(decide.error)} title="That could not be decided" />}
      {source.isError && <ErrorBox error={toCommandError(source.error)} title="The source of truth was not changed" />}
      <div className="person-table-wrap">
        <table className="grid person-table">
          <thead>
            <tr>
              <th scope="col">
                <span className="sr-only">Attribute</span>
              </th>
              {p.accounts.map((a) => (
                <th key={key(a)} scope="col" data-testid={testIds.personColumn}>
                  <div className="person-provider">{a.provider}</div>
                  <div className="muted small">as of {when(a.asOf)}</div>
                  <div className="person-col-actions">
                    {a.sourceOfTruth ? (
                      <button
                        type="button"
                        className="tag-button on"
                        disabled={busy}
                        title="Stop using this provider as the source of truth for people"
                        onClick={() => source.mutate({ provider: a.provider, on: false })}
                      >
                        source of truth ✓
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="tag-button"
                        disabled={busy}
                        title="Its values are the truth for people (for example the HR directory)"
                        onClick={() => source.mutate({ provider: a.provider, on: true })}
                        data-testid={testIds.makeSource}
                      >
                        make source of truth
                      </button>
                    )}
                    {p.accounts.length > 1 && (
                      <button
                        type="button"
                        className="tag-button"
                        disabled={busy}
                        title="This account is someone else: keep it apart from this person's other accounts"
                        onClick={() => decide.mutate({ link: false, a: key(a), b: others(a) })}
                        data-testid={testIds.personUnlink}
                      >
                        not this person
                      </button>
                    )}
                  </div>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.label}>
                <th scope="row">{row.label}</th>
                {p.accounts.map((a) => (
                  <td
                    key={key(a)}
                    className={differs(row, a) ? "differs" : undefined}
                    data-testid={testIds.personCell}
                    data-field={row.field}
                    data-provider={a.provider}
                  >
                    {row.value(a)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {p.questions.length > 0 && (
        <section className="card person-questions">
          <h2>To decide</h2>
          {p.questions.map((q, i) => (
            <div key={i} data-testid={testIds.personQuestion}>
              <p>
                The {q.rule === "email" ? "e-mail address" : q.rule === "userName" ? "userName" : "externalId"}{" "}
                <strong>{q.value}</strong>{" "}
                {q.blocked === "sameProvider"
                  ? "belongs to more than one account in one provider, so it links nobody on its own."
                  : "would join accounts you said are different people."}{" "}
                Say which accounts are this person:
              </p>
              <ul className="plain-list">
                {q.accounts
                  .filter((x) => x.personId !== p.id)
                  .map((x) => {
                    const mine = p.accounts.find((a) => a.provider !== x.provider);
                    return (
                      <li key={`${x.provider}:${x.id}`}>
                        {x.provider}: {x.userName ?? x.id} (now with {x.personName}){" "}
                        {mine && (
                          <button
                            type="button"
                            disabled={busy || p.accounts.some((a) => a.provider === x.provider)}
                            title={
                              p.accounts.some((a) => a.provider === x.provider)
                                ? `${p.name} already has an account in ${x.provider}`
                                : undefined
                            }
                            onClick={() => decide.mutate({ link: true, a: `${x.provider}:${x.id}`, b: [key(mine)] })}
                            data-testid={testIds.personLink}
                          >
                            Same person
                          </button>
                        )}{" "}
                        <button
                          type="button"
                          disabled={busy}
                          onClick={() =>
                            decide.mutate({ link: false, a: `${x.provider}:${x.id}`, b: p.accounts.map(key) })
                          }
                        >
                          Someone else
                        </button>
                      </li>
                    );
                  })}
              </ul>
            </div>
          ))}
        </section>
      )}
      {editing && <PersonEditDialog person={p} onClose={() => setEditing(false)} onSaved={() => void refresh()} />}
      {offboarding && (
        <OffboardDialog
          person={p}
          providers={providers}
          onClose={() => setOffboarding(false)}
          onDone={() => void refresh()}
        />
      )}
    </>
  );
}
