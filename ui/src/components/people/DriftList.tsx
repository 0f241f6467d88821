import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ipc, toCommandError, type DriftFormat, type PersonField, type ProviderSummary } from "../../ipc";
import { queryKeys } from "../../queryKeys";
import { testIds } from "../../testIds";
import { ErrorBox } from "../ErrorBox";
import { FIELD_LABEL } from "./words";
import { MakeMatchDialog } from "./MakeMatchDialog";

/** Everyone whose accounts disagree, attribute by attribute, with each provider's value. */
export function DriftList({ providers, onOpen }: { providers: ProviderSummary[]; onOpen: (person: string) => void }) {
  const initial = providers.find((p) => p.sourceOfTruth)?.name ?? "";
  const [source, setSource] = useState(initial);
  const [picked, setPicked] = useState<string[]>([]);
  const [field, setField] = useState<PersonField | "">("");
  const [matching, setMatching] = useState(false);
  const qc = useQueryClient();
  const drift = useQuery({
    queryKey: queryKeys.drift(source || null),
    queryFn: () => ipc.driftReport(source || null),
  });
  const save = useMutation({ mutationFn: (f: DriftFormat) => ipc.saveDrift(source || null, f) });
  const r = drift.data;
  const rows = r ? r.rows.filter((row) => field === "" || row.field === field) : [];
  return (
    <div className="tab-body">
      <div className="toolbar">
        <label className="inline">
          Compare with
          <select
            value={source}
            onChange={(e) => {
              setSource(e.target.value);
              setPicked([]);
            }}
          >
            <option value="">every provider</option>
            {providers.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
                {p.sourceOfTruth ? " (source of truth)" : ""}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          Attribute
          <select value={field} onChange={(e) => setField(e.target.value as PersonField | "")}>
            <option value="">any</option>
            {(Object.keys(FIELD_LABEL) as PersonField[]).map((f) => (
              <option key={f} value={f}>
                {FIELD_LABEL[f]}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="primary"
          disabled={!source || picked.length === 0}
          title={
            source
              ? "Bring the chosen people's accounts to what this provider holds"
              : "Choose the provider to compare with first: its values win"
          }
          onClick={() => setMatching(true)}
          data-testid={testIds.makeMatchOpen}
        >
          Make {picked.length || ""} match {source || "the source"}…
        </button>
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
                <th>
                  <input
                    type="checkbox"
                    aria-label="Choose everyone listed"
                    checked={rows.length > 0 && rows.every((row) => picked.includes(row.personId))}
                    onChange={(e) => setPicked(e.target.checked ? [...new Set(rows.map((row) => row.personId))] : [])}
                  />
                </th>
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
              {rows.map((row) => (
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
                  <td onClick={(e) => e.stopPropagation()}>
                    <input
                      type="checkbox"
                      aria-label={`Choose ${row.name}`}
                      checked={picked.includes(row.personId)}
                      onChange={(e) =>
                        setPicked((p) =>
                          e.target.checked ? [...p, row.personId] : p.filter((x) => x !== row.personId),
                        )
                      }
                      data-testid={testIds.driftPick}
                    />
                  </td>
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
      {matching && (
        <MakeMatchDialog
          source={source}
          people={picked}
          onClose={() => setMatching(false)}
          onDone={() => {
            setPicked([]);
            void qc.invalidateQueries({ queryKey: ["drift"] });
            void qc.invalidateQueries({ queryKey: ["people"] });
            void qc.invalidateQueries({ queryKey: ["person"] });
          }}
        />
      )}
    </div>
  );
}
