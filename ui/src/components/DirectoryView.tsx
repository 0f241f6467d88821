import { useEffect, useRef, useState } from "react";
import { keepPreviousData, useMutation, useQueries, useQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { ipc, toCommandError, type DirectoryPage, type Kind, type ProviderSummary } from "../ipc";
import type { DirectoryRow } from "../bindings/DirectoryRow";
import { testIds } from "../testIds";
import { count } from "../format";
import { combine } from "../filterBuilder";
import { Failsafe } from "./Failsafe";
import { ErrorBox } from "./ErrorBox";
import { DetailPanel } from "./DetailPanel";
import { UnsavedChangesDialog } from "./UnsavedChangesDialog";
import { FilterBar } from "./FilterBar";
import { ImportDialog } from "./ImportDialog";
import { NewRecordDialog } from "./NewRecordDialog";
import { BulkDialog, type BulkStart } from "./BulkDialog";
import type { BulkReport } from "../bindings/BulkReport";
import { BulkBar } from "./BulkBar";
import { queryKeys } from "../queryKeys";
import { cellText, DEFAULT_HIDDEN, GROUP_COLUMNS, USER_COLUMNS } from "../gridColumns";
import { ColumnsMenu } from "./ColumnsMenu";
import { load, SavedViews } from "./SavedViews";

/** Rows fetched per request; the grid asks for the blocks it shows. */
const BLOCK = 200;
const ROW_HEIGHT = 32;

interface Props {
  provider: ProviderSummary;
  kind: Kind;
  /** Changes after every sync, so the view reloads. */
  version: string;
  /** Offline: browsing only. */
  readOnly: boolean;
  /** What to list at first (a chart's bar clicked on the overview). */
  initial?: { status?: "active" | "inactive"; filter?: string; search?: string };
}

/** The cached directory: a virtualized grid with search, filter, sort, columns and details. */
export function DirectoryView({ provider, kind, version, readOnly, initial }: Props) {
  const all = kind === "User" ? USER_COLUMNS : GROUP_COLUMNS;
  const [search, setSearch] = useState(initial?.search ?? "");
  const [filter, setFilter] = useState(initial?.filter ?? "");
  // Quick status chips (people only): all, active, inactive; combined with the filter.
  const [status, setStatus] = useState<"all" | "active" | "inactive">(initial?.status ?? "all");
  const [sort, setSort] = useState(kind === "User" ? "user_name" : "display_name");
  const [descending, setDescending] = useState(false);
  const [visible, setVisible] = useState<string[]>(() =>
    load(
      `columns:${kind}`,
      all.filter((c) => !DEFAULT_HIDDEN.has(c.key)).map((c) => c.key),
    ),
  );
  const [selected, setSelected] = useState<string | null>(null);
  // Unsaved edits in the open record: leaving it asks first (keep editing, discard, review).
  const [dirty, setDirty] = useState(false);
  const [leaving, setLeaving] = useState<{ to: string | null } | null>(null);
  const [reviewAsked, setReviewAsked] = useState(0);
  const select = (to: string | null) => {
    if (to === selected) return;
    if (dirty) setLeaving({ to });
    else setSelected(to);
  };
  const [cursor, setCursor] = useState(0);
  // Multi-select (people, online): checkboxes, Ctrl/Cmd+click, Shift+click, Space; the bar
  // above the grid offers bulk actions for them.
  const selectable = kind === "User";
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const [anchor, setAnchor] = useState<number | null>(null);
  const [bulk, setBulk] = useState<BulkStart | null>(null);
  const [lastBulk, setLastBulk] = useState<BulkReport | null>(null);
  const [selectingAll, setSelectingAll] = useState(false);
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);
  const statusFilter = kind === "User" && status !== "all" ? `active eq ${status === "active"}` : "";
  const applied = statusFilter ? combine(filter, statusFilter) : filter;
  const exportCsv = useMutation({
    mutationFn: () =>
      ipc.exportView({
        provider: provider.name,
        kind,
        search: search || undefined,
        filter: applied || undefined,
        sort,
        descending,
        offset: 0,
        limit: 0,
      }),
  });
  const reveal = useMutation({ mutationFn: () => ipc.revealExport() });
  const searchRef = useRef<HTMLInputElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);

  useEffect(() => localStorage.setItem(`columns:${kind}`, JSON.stringify(visible)), [kind, visible]);

  const base = {
    provider: provider.name,
    kind,
    search: search || undefined,
    filter: applied || undefined,
    sort,
    descending,
  };
  const key = queryKeys.cached(provider.name, kind, search, applied, sort, descending, version);
  const head = useQuery({
    queryKey: [...key, 0],
    queryFn: () => ipc.cachedPage({ ...base, offset: 0, limit: BLOCK }),
    placeholderData: keepPreviousData,
  });
  const total = head.data?.total ?? 0;
  // eslint-disable-next-line react-hooks/incompatible-library -- no React Compiler here; the virtualizer re-renders the grid itself
  const virtual = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // The first paint (and a window that has not measured yet) shows a screenful at once.
    initialRect: { width: 800, height: 600 },
  });
  const items = virtual.getVirtualItems();
  const firstBlock = Math.floor((items[0]?.index ?? 0) / BLOCK);
  const lastBlock = Math.floor((items[items.length - 1]?.index ?? 0) / BLOCK);
  const blocks: number[] = [];
  for (let b = Math.max(1, firstBlock); b <= lastBlock; b++) blocks.push(b);
  const more = useQueries({
    queries: blocks.map((b) => ({
      queryKey: [...key, b],
      queryFn: () => ipc.cachedPage({ ...base, offset: b * BLOCK, limit: BLOCK }),
      staleTime: 30_000,
    })),
  });
  const pages = new Map<number, DirectoryPage>();
  if (head.data) pages.set(0, head.data);
  blocks.forEach((b, i) => {
    const d = more[i]?.data;
    if (d) pages.set(b, d);
  });
  const rowAt = (i: number): DirectoryRow | undefined => pages.get(Math.floor(i / BLOCK))?.rows[i % BLOCK];

  /** Checks or unchecks the row at `index`; with `range`, every row from the anchor to it. */
  function toggleAt(index: number, range: boolean) {
    const r = rowAt(index);
    if (!r) return;
    const next = new Set(checked);
    if (range && anchor !== null) {
      const [from, to] = anchor < index ? [anchor, index] : [index, anchor];
      for (let i = from; i <= to; i++) {
        const x = rowAt(i);
        if (x) next.add(x.id);
      }
    } else if (next.has(r.id)) next.delete(r.id);
    else next.add(r.id);
    setAnchor(index);
    setChecked(next);
  }

  /** Every record matching the search and filter, read from the copy a thousand at a time. */
  async function checkAllMatching() {
    setSelectingAll(true);
    try {
      const ids = new Set<string>();
      for (let offset = 0; offset < total; offset += 1000) {
        const page = await ipc.cachedPage({ ...base, offset, limit: 1000 });
        page.rows.forEach((r) => ids.add(r.id));
        if (page.rows.length === 0) break;
      }
      setChecked(ids);
    } finally {
      setSelectingAll(false);
    }
  }

  // Keyboard: "/" searches, arrows move, Enter opens, Escape closes, Space checks.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const inField =
        e.target instanceof HTMLInputElement ||
        e.target instanceof HTMLSelectElement ||
        e.target instanceof HTMLTextAreaElement;
      // From the quick search, the arrows and Enter reach the results (letters keep typing).
      const inSearch = e.target === searchRef.current;
      const arrow = e.key === "ArrowDown" || e.key === "ArrowUp";
      if (e.key === "/" && !inField) {
        e.preventDefault();
        searchRef.current?.focus();
      } else if (e.key === "Escape" && selected && !document.querySelector(".overlay")) {
        select(null);
      } else if ((!inField && (arrow || e.key === "j" || e.key === "k")) || (inSearch && arrow)) {
        e.preventDefault();
        const next = Math.max(0, Math.min(total - 1, cursor + (e.key === "ArrowDown" || e.key === "j" ? 1 : -1)));
        setCursor(next);
        virtual.scrollToIndex(next);
        const r = rowAt(next);
        if (selected && r) select(r.id);
      } else if (selectable && e.key === "a" && (e.ctrlKey || e.metaKey) && e.target === scrollRef.current) {
        e.preventDefault();
        void checkAllMatching();
      } else if (selectable && e.key === " " && e.target === scrollRef.current) {
        e.preventDefault();
        toggleAt(cursor, e.shiftKey);
      } else if ((!inField || inSearch) && e.key === "Enter") {
        const r = rowAt(cursor);
        if (r) select(r.id);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  if (head.isError && !head.data && !filter)
    return <ErrorBox error={toCommandError(head.error)} title="The cached directory could not be read" />;
  if (head.isPending) return <p className="muted pad">Loading the cached directory…</p>;
  const noun = kind === "User" ? "users" : "groups";
  if (head.data && !head.data.snapshotAt) {
    return (
      <div className="empty center">
        <p className="empty-title">{kind === "User" ? "No cached users yet" : "No cached groups yet"}</p>
        <p className="muted">
          SCIM Desk keeps a copy of each directory on this computer so you can browse it offline. Use “Sync now” to make
          the first copy of {provider.name}.
        </p>
      </div>
    );
  }
  // Beside the record panel the grid is narrow: its first three columns, each wide enough to read.
  const chosen = all.filter((c) => visible.includes(c.key));
  const cols = selected ? chosen.slice(0, 3) : chosen;
  const template = `${selectable ? "32px " : ""}repeat(${cols.length}, minmax(0, 1fr))`;
  const filterError = head.isError ? toCommandError(head.error) : null;
  return (
    <div className={selected ? "directory with-detail" : "directory"}>
      <div className="directory-main">
        <div className="directory-bar">
          <input
            ref={searchRef}
            type="search"
            className="search"
            placeholder={
              kind === "User"
                ? "Search names, e-mails, departments, phone or employee numbers  ( / )"
                : "Search group names  ( / )"
            }
            aria-label={`Search ${noun}`}
            value={search}
            onChange={(e) => {
              setSearch(e.target.value);
              virtual.scrollToIndex(0);
            }}
            data-testid={testIds.quickSearch}
          />
          <ColumnsMenu columns={all} visible={visible} onChange={setVisible} />
          <SavedViews
            kind={kind}
            current={{ search, filter, sort, descending, columns: visible }}
            onApply={(v) => {
              setSearch(v.search);
              setFilter(v.filter);
              setSort(v.sort);
              setDescending(v.descending);
              setVisible(v.columns);
            }}
          />
          <button
            type="button"
            onClick={() => exportCsv.mutate()}
            disabled={exportCsv.isPending}
            data-testid={testIds.exportCsv}
          >
            {exportCsv.isPending ? "Exporting…" : "Export CSV…"}
          </button>
          {!readOnly && kind === "User" && (
            <button type="button" onClick={() => setImporting(true)} data-testid={testIds.importCsv}>
              Import CSV
            </button>
          )}
          {!readOnly && (
            <button type="button" className="primary" onClick={() => setCreating(true)} data-testid={testIds.newRecord}>
              New {kind === "User" ? "user" : "group"}
            </button>
          )}
        </div>
        {head.data?.completeness?.warning && (
          <div className="banner" role="status" data-testid={testIds.incompleteCopy}>
            <strong>{head.data.completeness.warning}.</strong> {head.data.completeness.advice}
          </div>
        )}
        {kind === "User" && (
          <div className="chips" role="radiogroup" aria-label="Show people" data-testid={testIds.statusChips}>
            {(
              [
                ["all", "Everyone"],
                ["active", "Active"],
                ["inactive", "Inactive"],
              ] as const
            ).map(([value, label]) => (
              <button
                key={value}
                type="button"
                role="radio"
                aria-checked={status === value}
                className={status === value ? "chip on" : "chip"}
                onClick={() => {
                  setStatus(value);
                  virtual.scrollToIndex(0);
                }}
                data-testid={`status-${value}`}
              >
                {label}
              </button>
            ))}
          </div>
        )}
        <FilterBar kind={kind} value={filter} onChange={setFilter} error={filterError} />
        {exportCsv.isSuccess && exportCsv.data && (
          <p className="ok-line small" data-testid={testIds.exportResult}>
            Exported {count(total, kind === "User" ? "user" : "group")} to{" "}
            <span className="mono" data-testid={testIds.exportPath}>
              {exportCsv.data}
            </span>{" "}
            <button type="button" className="link" onClick={() => reveal.mutate()} data-testid={testIds.revealExport}>
              Show in folder
            </button>
            <span className="muted">
              {" "}
              The file holds personal data in clear text: keep it safe and delete it when you are done.
            </span>
          </p>
        )}
        {reveal.isError && <ErrorBox error={toCommandError(reveal.error)} title="The folder could not be shown" />}
        {exportCsv.isError && <ErrorBox error={toCommandError(exportCsv.error)} title="Not exported" />}
        <BulkBar
          checked={selectable ? checked.size : 0}
          readOnly={readOnly}
          last={bulk ? null : lastBulk}
          onStart={setBulk}
          onClear={() => setChecked(new Set())}
          onDismiss={() => setLastBulk(null)}
        />
        <p className="muted small result-line" data-testid={testIds.resultCount} aria-busy={head.isPlaceholderData}>
          {/* Until the answer for the current search comes, the rows shown are the previous ones. */}
          {head.isPlaceholderData ? "Searching…" : count(total, kind === "User" ? "user" : "group")}
          {!head.isPlaceholderData && (search || filter) ? " found" : ""}
          {head.data?.snapshotAt && <> · copy from {new Date(head.data.snapshotAt).toLocaleString()}</>}
        </p>
        {total === 0 ? (
          <p className="muted pad">No {noun} match.</p>
        ) : (
          <div
            className="grid-wrap"
            role="grid"
            aria-rowcount={total}
            aria-label={noun}
            data-testid={testIds.directoryTable}
          >
            <div className="grid-head" role="row" style={{ gridTemplateColumns: template }}>
              {selectable && (
                <span role="columnheader" className="check-cell" tabIndex={-1}>
                  <input
                    type="checkbox"
                    // Ctrl+A in the rows does the same; Tab goes to the rows.
                    tabIndex={-1}
                    aria-label={`Select all ${count(total, "person", "people")} shown`}
                    title={
                      checked.size > 0 ? "Clear the selection" : `Select all ${count(total, "person", "people")} shown`
                    }
                    checked={checked.size > 0 && checked.size >= total}
                    ref={(el) => {
                      if (el) el.indeterminate = checked.size > 0 && checked.size < total;
                    }}
                    disabled={selectingAll}
                    onChange={() => (checked.size > 0 ? setChecked(new Set()) : void checkAllMatching())}
                    data-testid={testIds.checkAll}
                  />
                </span>
              )}
              {cols.map((c) => (
                <button
                  key={c.key}
                  type="button"
                  role="columnheader"
                  aria-sort={sort === c.sort ? (descending ? "descending" : "ascending") : "none"}
                  className="th"
                  // Sorting is a click (or the Columns menu); Tab goes past the headers to the rows.
                  tabIndex={-1}
                  disabled={!c.sort}
                  title={c.sort ? undefined : "This column cannot be sorted."}
                  onClick={() => {
                    if (!c.sort) return;
                    if (sort === c.sort) setDescending(!descending);
                    else {
                      setSort(c.sort);
                      // Counts and dates: the largest or newest first.
                      setDescending(c.key === "memberCount" || c.key === "lastModified");
                    }
                  }}
                  data-testid={`sort-${c.key}`}
                >
                  {c.label}
                  {sort === c.sort ? (descending ? " ▼" : " ▲") : ""}
                </button>
              ))}
            </div>
            <div
              className="grid-body"
              ref={scrollRef}
              data-testid={testIds.gridScroll}
              // One Tab stop for the rows: arrows move, Enter opens.
              tabIndex={0}
              aria-label={
                selectable
                  ? `${noun}: arrows move, Enter opens, Space selects, Ctrl+A selects all`
                  : `${noun}: arrows move, Enter opens`
              }
            >
              <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
                {items.map((item) => {
                  const r = rowAt(item.index);
                  return (
                    <div
                      key={item.key}
                      role="row"
                      aria-rowindex={item.index + 1}
                      aria-selected={r !== undefined && (r.id === selected || checked.has(r.id))}
                      className={
                        "grid-row" +
                        (r && r.id === selected ? " selected" : "") +
                        (r && checked.has(r.id) ? " checked" : "") +
                        (item.index === cursor ? " cursor" : "")
                      }
                      style={{
                        transform: `translateY(${item.start}px)`,
                        height: ROW_HEIGHT,
                        gridTemplateColumns: template,
                      }}
                      onClick={(e) => {
                        setCursor(item.index);
                        if (selectable && (e.shiftKey || e.ctrlKey || e.metaKey)) {
                          e.preventDefault();
                          toggleAt(item.index, e.shiftKey);
                        } else if (r) select(r.id);
                      }}
                      data-testid={r ? testIds.directoryRow : undefined}
                      data-row-index={item.index}
                    >
                      {selectable && (
                        <span role="gridcell" className="check-cell" onClick={(e) => e.stopPropagation()}>
                          {r && (
                            <input
                              type="checkbox"
                              tabIndex={-1}
                              aria-label={`Select ${r.displayName ?? r.userName ?? r.id}`}
                              checked={checked.has(r.id)}
                              onChange={() => undefined}
                              onClick={(e) => {
                                setCursor(item.index);
                                toggleAt(item.index, e.shiftKey);
                              }}
                              data-testid={testIds.rowCheck}
                            />
                          )}
                        </span>
                      )}
                      {r
                        ? cols.map((c) => (
                            <span
                              key={c.key}
                              role="gridcell"
                              className={c.key === "externalId" ? "mono" : c.key === "memberCount" ? "num" : undefined}
                              // The whole value on hover, for a narrow column.
                              title={c.key === "active" ? undefined : cellText(r, c.key) || undefined}
                            >
                              {c.key === "active" ? (
                                r.active === false ? (
                                  <span className="tag warn">inactive</span>
                                ) : (
                                  "active"
                                )
                              ) : (
                                cellText(r, c.key)
                              )}
                            </span>
                          ))
                        : cols.map((c) => <span key={c.key} className="skeleton" />)}
                    </div>
                  );
                })}
              </div>
            </div>
          </div>
        )}
      </div>
      {selected && (
        <Failsafe resetKeys={[selected]}>
          <DetailPanel
            key={selected}
            provider={provider.name}
            kind={kind}
            id={selected}
            readOnly={readOnly}
            onClose={() => select(null)}
            onDeleted={() => {
              setDirty(false);
              setSelected(null);
            }}
            onDirty={setDirty}
            reviewAsked={reviewAsked}
            onOpen={(to) => select(to)}
          />
        </Failsafe>
      )}
      {leaving && (
        <UnsavedChangesDialog
          onKeep={() => setLeaving(null)}
          onDiscard={() => {
            setDirty(false);
            setSelected(leaving.to);
            setLeaving(null);
          }}
          onReview={() => {
            setLeaving(null);
            setReviewAsked((n) => n + 1);
          }}
        />
      )}
      {bulk && (
        <BulkDialog
          provider={provider.name}
          ids={bulk.kind === "undo" ? [] : [...checked]}
          start={bulk}
          onClose={() => setBulk(null)}
          onReport={setLastBulk}
        />
      )}
      {importing && <ImportDialog provider={provider.name} onClose={() => setImporting(false)} />}
      {creating && (
        <NewRecordDialog
          provider={provider.name}
          kind={kind}
          onClose={() => setCreating(false)}
          onCreated={(id) => {
            setCreating(false);
            setSelected(id);
          }}
        />
      )}
    </div>
  );
}
