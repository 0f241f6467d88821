import { Fragment, useState } from "react";
import type { MigrationPlan, RecordMatch } from "../ipc";
import { perAttribute, TAGS, visibleMatches, type SortKey } from "../matches";
import type { MatchTag } from "../bindings/MatchTag";
import { attributeLabel } from "../format";
import { testIds } from "../testIds";

function show(v: unknown): string {
  if (v === undefined || v === null) return "(none)";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** One record of the side-by-side view; its differences open below it (attribute, now, after). */
function MatchRow({ m, open, onToggle }: { m: RecordMatch; open: boolean; onToggle: () => void }) {
  const label = TAGS.find(([k]) => k === m.tag)?.[1] ?? m.tag;
  const warn = m.tag === "ambiguous" || m.tag === "incomplete";
  const changes = perAttribute(m.changes ?? []);
  return (
    <Fragment>
      <tr data-testid={testIds.matchRow} data-tag={m.tag}>
        <td>{m.sourceId ? m.label : <span className="muted">—</span>}</td>
        <td>
          <span className={warn ? "tag warn" : "tag"}>{label}</span>
          {m.rule && <span className="muted small"> by {m.rule}</span>}
          {changes.length > 0 && (
            <button
              type="button"
              className="link small"
              aria-expanded={open}
              onClick={onToggle}
              data-testid={testIds.matchToggle}
            >
              {open ? "▾" : "▸"} {changes.length === 1 ? "1 difference" : `${changes.length} differences`}
            </button>
          )}
        </td>
        <td>{m.targetLabel ?? <span className="muted">—</span>}</td>
      </tr>
      {open && changes.length > 0 && (
        <tr className="diff-row" data-testid={testIds.matchDiff}>
          <td colSpan={3}>
            <table className="diff-inline">
              <thead>
                <tr>
                  <th scope="col">Attribute</th>
                  <th scope="col">In the target now</th>
                  <th scope="col">After the run</th>
                </tr>
              </thead>
              <tbody>
                {changes.map((c) => (
                  <tr key={c.path}>
                    <th scope="row" className="small" title={c.path}>
                      {attributeLabel(c.path)}
                    </th>
                    <td className="old">{show(c.before)}</td>
                    <td className="new">{show(c.after)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </td>
        </tr>
      )}
      {warn && m.reason && (
        <tr className="diff-row">
          <td colSpan={3} className="muted small">
            {m.reason}
          </td>
        </tr>
      )}
    </Fragment>
  );
}

/** The side-by-side view of a plan: every record of both sides with its status, searchable,
 * filtered by status, sorted by a column, each row's differences one click away. Kept mounted
 * while another tab shows, so the search and the open rows stay. */
export function MatchList({ plan, hidden }: { plan: MigrationPlan; hidden: boolean }) {
  const [tag, setTag] = useState<MatchTag | null>(null);
  const [search, setSearch] = useState("");
  const [sortKey, setSortKey] = useState<SortKey>("source");
  const [sortDesc, setSortDesc] = useState(false);
  const [opened, setOpened] = useState<ReadonlySet<string>>(new Set());
  const [allOpen, setAllOpen] = useState(true);
  const shown = visibleMatches(plan.matches, tag, search, sortKey, sortDesc);
  const rowKey = (m: RecordMatch) => `${m.sourceId ?? ""}-${m.targetId ?? ""}`;
  const isOpen = (m: RecordMatch) => allOpen !== opened.has(rowKey(m));
  const toggle = (m: RecordMatch) => {
    const next = new Set(opened);
    if (next.has(rowKey(m))) next.delete(rowKey(m));
    else next.add(rowKey(m));
    setOpened(next);
  };
  const sortBy = (k: SortKey) => {
    if (sortKey === k) setSortDesc(!sortDesc);
    else {
      setSortKey(k);
      setSortDesc(false);
    }
  };
  const arrow = (k: SortKey) => (sortKey === k ? (sortDesc ? " ▼" : " ▲") : "");
  const ariaSort = (k: SortKey) => (sortKey === k ? (sortDesc ? "descending" : "ascending") : "none");
  return (
    <div hidden={hidden}>
      <div className="side-tools">
        <input
          type="search"
          className="search"
          placeholder="Find a person or group"
          aria-label="Find in the side-by-side list"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          data-testid={testIds.matchSearch}
        />
        <button
          type="button"
          className="link small"
          onClick={() => {
            setAllOpen(!allOpen);
            setOpened(new Set());
          }}
        >
          {allOpen ? "Hide all differences" : "Show all differences"}
        </button>
      </div>
      <div className="chips">
        {TAGS.map(([k, l]) => (
          <button
            key={k}
            type="button"
            className={tag === k ? "chip active" : "chip"}
            onClick={() => setTag(tag === k ? null : k)}
            data-testid={`${testIds.matchFilter}-${k}`}
          >
            {l} ({plan.matches.filter((m) => m.tag === k).length})
          </button>
        ))}
      </div>
      <table className="grid compact side-by-side">
        <thead>
          <tr>
            {(
              [
                ["source", `In ${plan.source}`],
                ["status", "Status"],
                ["target", `In ${plan.target}`],
              ] as [SortKey, string][]
            ).map(([k, l]) => (
              <th key={k} scope="col" aria-sort={ariaSort(k)}>
                <button type="button" className="th" onClick={() => sortBy(k)} data-testid={`match-sort-${k}`}>
                  {l}
                  {arrow(k)}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.slice(0, 500).map((m, i) => (
            <MatchRow key={`${rowKey(m)}-${i}`} m={m} open={isOpen(m)} onToggle={() => toggle(m)} />
          ))}
        </tbody>
      </table>
      {shown.length > 500 && (
        <p className="muted small">
          Showing 500 of {shown.length.toLocaleString()}; search or pick a status above to narrow the list.
        </p>
      )}
    </div>
  );
}
