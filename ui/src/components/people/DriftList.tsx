import { useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { ipc, toCommandError, type DriftFormat, type ProviderSummary } from "../../ipc";
import { queryKeys } from "../../queryKeys";
import { testIds } from "../../testIds";
import { ErrorBox } from "../ErrorBox";
import { FIELD_LABEL } from "./words";

/** Everyone whose accounts disagree, attribute by attribute, with each provider's value. */
export function DriftList({ providers, onOpen }: { providers: ProviderSummary[]; onOpen: (person: string) => void }) {
  const initial = providers.find((p) => p.sourceOfTruth)?.name ?? "";
  const [source, setSource] = useState(initial);
  const drift = useQuery({
    queryKey: queryKeys.drift(source || null),
    queryFn: () => ipc.driftReport(source || null),
  });
  const save = useMutation({ mutationFn: (f: DriftFormat) => ipc.saveDrift(source || null, f) });
  const r = drift.data;
  return (
    <div className="tab-body">
      <div className="toolbar">
        <label className="inline">
          Compare with
          <select value={source} onChange={(e) => setSource(e.target.value)}>
            <option value="">every provider</option>
            {providers.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
                {p.sourceOfTruth ? " (source of truth)" : ""}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          disabled={!r || r.rows.length === 0 || save.isPending}
          onClick={() => save.mutate("csv")}
          data-testid={testIds.driftSaveCsv}
        >
          Save as spreadsheet (CSV)…
        </button>
        <button
          type="button"
          disabled={!r || r.rows.length === 0 || save.isPending}
          onClick={() => save.mutate("json")}
          data-testid={testIds.driftSaveJson}
        >
          Save as JSON…
        </button>
      </div>
      {save.isSuccess && save.data && (
        <p className="ok-line small" data-testid={testIds.driftSaved}>
          Saved to {save.data}. It holds personal data in clear text.
        </p>
      )}
      {save.isError && <ErrorBox error={toCommandError(save.error)} title="The list was not saved" />}
      {drift.isError && <ErrorBox error={toCommandError(drift.error)} title="Differences could not be listed" />}
      {drift.isPending && <p className="muted">Comparing the offline copies…</p>}
      {r && r.rows.length === 0 && (
        <div className="empty">
          <p className="empty-title">No differences</p>
          <p className="muted">
            {r.providers.length < 2
              ? "Sync two providers or more to compare people across them."
              : "Every linked person has the same values everywhere (an attribute a provider does not hold is not a difference)."}
          </p>
        </div>
      )}
      {r && r.rows.length > 0 && (
        <>
          <p className="muted small">
            {r.people.toLocaleString()} {r.people === 1 ? "person differs" : "people differ"}
            {r.source ? `; compared with ${r.source}` : ""}.
          </p>
          <table className="grid">
            <thead>
              <tr>
                <th>Person</th>
                <th>Attribute</th>
                {r.providers.map((p) => (
                  <th key={p}>
                    {p}
                    {p === r.source ? " ✓" : ""}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {r.rows.map((row) => (
                <tr
                  key={`${row.personId}-${row.field}`}
                  className="clickable"
                  tabIndex={0}
                  onClick={() => onOpen(row.personId)}
                  onKeyDown={(e) => {
                    if (e.key === "Enter") onOpen(row.personId);
                  }}
                  data-testid={testIds.driftRow}
                >
                  <td>{row.name}</td>
                  <td>{FIELD_LABEL[row.field]}</td>
                  {row.values.map((v, i) => (
                    <td
                      key={r.providers[i]}
                      className={
                        v !== null && row.sourceValue !== null && v !== row.sourceValue ? "differs" : undefined
                      }
                    >
                      {v ?? "—"}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
