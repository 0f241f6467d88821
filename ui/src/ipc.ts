// The one module that talks to the Rust side. Components import these functions; nothing else
// calls `invoke` (the linter enforces it). Types come from src/bindings, generated from Rust.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AppInfo } from "./bindings/AppInfo";
import type { ConnectionReport } from "./bindings/ConnectionReport";
import type { DemoProgress } from "./bindings/DemoProgress";
import type { DemoReport } from "./bindings/DemoReport";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { IpcError } from "./bindings/IpcError";
import type { ProviderInput } from "./bindings/ProviderInput";
import type { ProviderSummary } from "./bindings/ProviderSummary";
import type { SyncProgress } from "./bindings/SyncProgress";
import type { DirectoryPage } from "./bindings/DirectoryPage";
import type { DirectoryQuery } from "./bindings/DirectoryQuery";
import type { ResourceDetail } from "./bindings/ResourceDetail";
import type { MemberPage } from "./bindings/MemberPage";
import type { FormSection } from "./bindings/FormSection";
import type { EditRequest } from "./bindings/EditRequest";
import type { EditPreview } from "./bindings/EditPreview";
import type { SaveOutcome } from "./bindings/SaveOutcome";
import type { MergeRequest } from "./bindings/MergeRequest";
import type { MembershipChange } from "./bindings/MembershipChange";
import type { AuditRow } from "./bindings/AuditRow";
import type { ConflictField } from "./bindings/ConflictField";
import type { Overview } from "./bindings/Overview";
import type { SnapshotDiff } from "./bindings/SnapshotDiff";
import type { ColumnMapping } from "./bindings/ColumnMapping";
import type { ImportRequest } from "./bindings/ImportRequest";
import type { ImportPreview } from "./bindings/ImportPreview";
import type { ImportResult } from "./bindings/ImportResult";
import type { MigrationPlan } from "./bindings/MigrationPlan";
import type { RunReport } from "./bindings/RunReport";
import type { FailedOp } from "./bindings/FailedOp";
import type { Operation } from "./bindings/Operation";
import type { Kind } from "./bindings/Kind";
import type { RunProgress } from "./bindings/RunProgress";
import type { PlanOptions } from "./bindings/PlanOptions";
import type { MappingRule } from "./bindings/MappingRule";
import type { TransformKind } from "./bindings/TransformKind";
import type { MigrationRunSummary } from "./bindings/MigrationRunSummary";
import type { RecordMatch } from "./bindings/RecordMatch";
import type { SyncReport } from "./bindings/SyncReport";
import type { BulkRequest } from "./bindings/BulkRequest";
import type { BulkPreview } from "./bindings/BulkPreview";
import type { BulkReport } from "./bindings/BulkReport";
import type { WriteCheck } from "./bindings/WriteCheck";
import type { Retention } from "./bindings/Retention";
import type { EncryptProgress } from "./bindings/EncryptProgress";
import type { WipeSummary } from "./bindings/WipeSummary";
import type { PeopleQuery } from "./bindings/PeopleQuery";
import type { PeoplePage } from "./bindings/PeoplePage";
import type { PersonPage } from "./bindings/PersonPage";
import type { PersonSummary } from "./bindings/PersonSummary";
import type { PersonField } from "./bindings/PersonField";
import type { PeopleFilter } from "./bindings/PeopleFilter";
import type { LinkRule } from "./bindings/LinkRule";
import type { DriftReport } from "./bindings/DriftReport";
import type { DriftFormat } from "./bindings/DriftFormat";
import type { OffboardRequest } from "./bindings/OffboardRequest";
import type { OffboardPlan } from "./bindings/OffboardPlan";
import type { OffboardReport } from "./bindings/OffboardReport";
import type { PersonRunProgress } from "./bindings/PersonRunProgress";
import type { OffboardEvidence } from "./bindings/OffboardEvidence";
import type { AccountEvidence } from "./bindings/AccountEvidence";
import type { StepEvidence } from "./bindings/StepEvidence";
import type { EvidenceFormat } from "./bindings/EvidenceFormat";
import type { AccountColumn } from "./bindings/AccountColumn";
import type { OpenQuestion } from "./bindings/OpenQuestion";
import type { PersonEditRequest } from "./bindings/PersonEditRequest";
import type { PersonEditPreview } from "./bindings/PersonEditPreview";
import type { PersonEditReport } from "./bindings/PersonEditReport";
import type { PersonChange } from "./bindings/PersonChange";
import type { OnboardRequest } from "./bindings/OnboardRequest";
import type { OnboardPlan } from "./bindings/OnboardPlan";
import type { OnboardReport } from "./bindings/OnboardReport";
import type { UsualGroup } from "./bindings/UsualGroup";
import type { MatchRequest } from "./bindings/MatchRequest";
import type { MatchPlan } from "./bindings/MatchPlan";
import type { MatchReport } from "./bindings/MatchReport";
import type { GroupPick } from "./bindings/GroupPick";
import type { LinkInput } from "./bindings/LinkInput";
import type { LinkView } from "./bindings/LinkView";
import type { LinkSettings } from "./bindings/LinkSettings";
import type { LinkRunOptions } from "./bindings/LinkRunOptions";
import type { LinkRunReport } from "./bindings/LinkRunReport";
import type { LinkRunView } from "./bindings/LinkRunView";
import type { LinkProgress } from "./bindings/LinkProgress";
import type { LinkOutcome } from "./bindings/LinkOutcome";
import type { ScopePreview } from "./bindings/ScopePreview";
import type { Scope } from "./bindings/Scope";
import type { GuardRails } from "./bindings/GuardRails";
import type { Leaving } from "./bindings/Leaving";
import type { Crossing } from "./bindings/Crossing";
import type { LeavingRecord } from "./bindings/LeavingRecord";
import type { PlanOperation } from "./bindings/PlanOperation";
import type { TargetOnly } from "./bindings/TargetOnly";

export type {
  AppInfo,
  ConnectionReport,
  DemoProgress,
  DemoReport,
  ErrorCode,
  IpcError,
  ProviderInput,
  ProviderSummary,
  SyncProgress,
  SyncReport,
  DirectoryPage,
  DirectoryQuery,
  ResourceDetail,
  MemberPage,
  FormSection,
  EditRequest,
  EditPreview,
  SaveOutcome,
  MergeRequest,
  MembershipChange,
  AuditRow,
  ConflictField,
  Overview,
  SnapshotDiff,
  ColumnMapping,
  ImportRequest,
  ImportPreview,
  ImportResult,
  MigrationPlan,
  RunReport,
  FailedOp,
  Operation,
  Kind,
  RunProgress,
  PlanOptions,
  MappingRule,
  TransformKind,
  MigrationRunSummary,
  RecordMatch,
  BulkRequest,
  BulkPreview,
  BulkReport,
  Retention,
  WipeSummary,
  EncryptProgress,
  PeopleQuery,
  PeoplePage,
  PersonPage,
  PersonSummary,
  PersonField,
  PeopleFilter,
  LinkRule,
  DriftReport,
  DriftFormat,
  OffboardRequest,
  OffboardPlan,
  OffboardReport,
  PersonRunProgress,
  OffboardEvidence,
  AccountEvidence,
  StepEvidence,
  EvidenceFormat,
  AccountColumn,
  OpenQuestion,
  PersonEditRequest,
  PersonEditPreview,
  PersonEditReport,
  PersonChange,
  OnboardRequest,
  OnboardPlan,
  OnboardReport,
  UsualGroup,
  MatchRequest,
  MatchPlan,
  MatchReport,
  GroupPick,
  LinkInput,
  LinkView,
  LinkSettings,
  LinkRunOptions,
  LinkRunReport,
  LinkRunView,
  LinkProgress,
  LinkOutcome,
  ScopePreview,
  Scope,
  GuardRails,
  Leaving,
  Crossing,
  LeavingRecord,
  PlanOperation,
  TargetOnly,
};

/** Every code, as a record so that the compiler finds one the list lacks. */
const CODES: Record<ErrorCode, true> = {
  invalid_input: true,
  duplicate_name: true,
  not_found: true,
  provider_unreachable: true,
  provider_timeout: true,
  tls_failed: true,
  auth_rejected: true,
  rate_limited: true,
  provider_error: true,
  malformed_response: true,
  database: true,
  database_too_new: true,
  keyring_unavailable: true,
  demo_unavailable: true,
  edit_conflict: true,
  cancelled: true,
  unverified: true,
  internal: true,
  incomplete_copy: true,
  guard_rail: true,
  other_origin: true,
  offline_copy_locked: true,
  opening: true,
};
const KNOWN_CODES: ReadonlySet<string> = new Set(Object.keys(CODES));

/** An error from a command, always in the `{code, message, detail}` shape. */
export class CommandError extends Error {
  readonly code: ErrorCode;
  readonly detail?: string;
  constructor(e: IpcError) {
    super(e.message);
    this.name = "CommandError";
    this.code = e.code;
    this.detail = e.detail;
  }
}

/** Turns whatever a rejected `invoke` gave into a CommandError. */
export function toCommandError(raw: unknown): CommandError {
  if (raw instanceof CommandError) return raw;
  if (
    typeof raw === "object" &&
    raw !== null &&
    "code" in raw &&
    "message" in raw &&
    typeof (raw as { code: unknown }).code === "string" &&
    KNOWN_CODES.has((raw as { code: string }).code)
  ) {
    return new CommandError(raw as IpcError);
  }
  return new CommandError({
    code: "internal",
    message: "Something went wrong inside SCIM Desk. The details below say what.",
    detail: typeof raw === "string" ? raw : raw instanceof Error ? raw.message : JSON.stringify(raw),
  });
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (raw) {
    throw toCommandError(raw);
  }
}

export const ipc = {
  appInfo: () => call<AppInfo>("app_info"),
  dismissCrashReports: () => call<void>("dismiss_crash_reports"),
  listProviders: () => call<ProviderSummary[]>("list_providers"),
  addProvider: (input: ProviderInput) => call<ProviderSummary>("add_provider", { input }),
  removeProvider: (name: string) => call<void>("remove_provider", { name }),
  updateProvider: (name: string, input: ProviderInput) => call<ProviderSummary>("update_provider", { name, input }),
  testConnection: (input: ProviderInput) => call<ConnectionReport>("test_connection", { input }),
  testProvider: (name: string) => call<ConnectionReport>("test_provider", { name }),
  startDemo: () => call<DemoReport>("start_demo"),
  cachedPage: (query: DirectoryQuery) => call<DirectoryPage>("cached_page", { query }),
  resourceDetail: (provider: string, kind: Kind, id: string) =>
    call<ResourceDetail>("resource_detail", { provider, kind, id }),
  groupMembers: (provider: string, groupId: string, search: string, offset: number, limit: number) =>
    call<MemberPage>("group_members", { provider, groupId, search, offset, limit }),
  newResourceForm: (provider: string, kind: Kind) => call<FormSection[]>("new_resource_form", { provider, kind }),
  previewEdit: (request: EditRequest) => call<EditPreview>("preview_edit", { request }),
  saveEdit: (request: EditRequest) => call<SaveOutcome>("save_edit", { request }),
  mergeConflict: (request: MergeRequest) => call<unknown>("merge_conflict", { request }),
  undoLast: (provider: string) => call<SaveOutcome>("undo_last", { provider }),
  createResource: (provider: string, kind: Kind, resource: unknown) =>
    call<unknown>("create_resource", { provider, kind, resource }),
  deleteResource: (provider: string, kind: Kind, before: unknown) =>
    call<void>("delete_resource", { provider, kind, before }),
  changeMembership: (change: MembershipChange) => call<unknown>("change_membership", { change }),
  auditLog: (provider: string | null, limit: number) => call<AuditRow[]>("audit_log", { provider, limit }),
  overview: (provider: string) => call<Overview>("overview", { provider }),
  diffSnapshots: (provider: string) => call<SnapshotDiff>("diff_snapshots", { provider }),
  /** Asks where to save (the system's dialog) and writes the file; null when cancelled. */
  exportView: (query: DirectoryQuery) => call<string | null>("export_view", { query }),
  revealExport: () => call<void>("reveal_export"),
  /** The system's print dialog for the window (print, or save as PDF). */
  printPage: () => call<void>("print_page"),
  relearnProvider: (name: string) => call<number>("relearn_provider", { name }),
  writeCheck: (name: string) => call<WriteCheck>("write_check", { name }),
  retention: () => call<Retention>("retention"),
  /** Saves the settings and applies them; how many copies went at once. */
  setRetention: (retention: Retention) => call<number>("set_retention", { retention }),
  wipePreview: (provider: string | null) => call<WipeSummary>("wipe_preview", { provider }),
  wipeOffline: (provider: string | null) => call<WipeSummary>("wipe_offline", { provider }),
  /** Sets an offline copy that cannot be opened aside and opens an empty one; the old file's name. */
  startFresh: () => call<string>("start_fresh"),
  csvColumns: (csv: string) => call<ColumnMapping[]>("csv_columns", { csv }),
  previewImport: (request: ImportRequest) => call<ImportPreview>("preview_import", { request }),
  applyImport: (request: ImportRequest) => call<ImportResult>("apply_import", { request }),
  planMigration: (source: string, target: string, options: PlanOptions) =>
    call<MigrationPlan>("plan_migration", { source, target, options }),
  loadPlan: (text: string) => call<MigrationPlan>("load_plan", { text }),
  migrationRuns: () => call<MigrationRunSummary[]>("migration_runs"),
  resumeMigration: (id: number) => call<RunReport>("resume_migration", { id }),
  /** Asks where to save (the system's dialog) and writes the plan; null when cancelled. */
  savePlan: (plan: MigrationPlan) => call<string | null>("save_plan", { plan }),
  runMigration: (plan: MigrationPlan) => call<RunReport>("run_migration", { plan }),
  cancelMigration: () => call<void>("cancel_migration"),
  verifyMigration: (source: string, target: string, options: PlanOptions) =>
    call<MigrationPlan>("verify_migration", { source, target, options }),
  onMigrationProgress: (handler: (p: RunProgress) => void): Promise<UnlistenFn> =>
    listen<RunProgress>("migration-progress", (e) => handler(e.payload)),
  previewBulk: (request: BulkRequest) => call<BulkPreview>("preview_bulk", { request }),
  runBulk: (request: BulkRequest) => call<BulkReport>("run_bulk", { request }),
  undoBulk: (report: BulkReport) => call<BulkReport>("undo_bulk", { report }),
  cancelBulk: () => call<void>("cancel_bulk"),
  onBulkProgress: (handler: (p: RunProgress) => void): Promise<UnlistenFn> =>
    listen<RunProgress>("bulk-progress", (e) => handler(e.payload)),
  syncProvider: (name: string) => call<SyncReport>("sync_provider", { name }),
  cancelSync: (name: string) => call<void>("cancel_sync", { name }),
  onSyncProgress: (handler: (p: SyncProgress) => void): Promise<UnlistenFn> =>
    listen<SyncProgress>("sync-progress", (e) => handler(e.payload)),
  onDemoProgress: (handler: (p: DemoProgress) => void): Promise<UnlistenFn> =>
    listen<DemoProgress>("demo-progress", (e) => handler(e.payload)),
  findPeople: (query: PeopleQuery) => call<PeoplePage>("find_people", { query }),
  personPage: (key: string) => call<PersonPage>("person_page", { key }),
  personLink: (a: string, b: string) => call<PersonPage>("person_link", { a, b }),
  personUnlink: (a: string, b: string) => call<PersonPage>("person_unlink", { a, b }),
  setSourceOfTruth: (provider: string, on: boolean) => call<void>("set_source_of_truth", { provider, on }),
  driftReport: (source: string | null) => call<DriftReport>("drift_report", { source }),
  /** Asks where to save (the system's dialog) and writes the drift list; null when cancelled. */
  saveDrift: (source: string | null, format: DriftFormat) => call<string | null>("save_drift", { source, format }),
  previewPersonEdit: (request: PersonEditRequest) => call<PersonEditPreview>("preview_person_edit", { request }),
  savePersonEdit: (request: PersonEditRequest) => call<PersonEditReport>("save_person_edit", { request }),
  undoPersonEdit: (report: PersonEditReport) => call<PersonEditReport>("undo_person_edit", { report }),
  usualGroups: (department: string) => call<UsualGroup[]>("usual_groups", { department }),
  planOnboard: (request: OnboardRequest) => call<OnboardPlan>("plan_onboard", { request }),
  onboard: (request: OnboardRequest) => call<OnboardReport>("onboard", { request }),
  onOnboardProgress: (handler: (p: PersonRunProgress) => void): Promise<UnlistenFn> =>
    listen<PersonRunProgress>("onboard-progress", (e) => handler(e.payload)),
  planMakeMatch: (request: MatchRequest) => call<MatchPlan>("plan_make_match", { request }),
  runMakeMatch: (plan: MatchPlan) => call<MatchReport>("run_make_match", { plan }),
  onMatchProgress: (handler: (p: RunProgress) => void): Promise<UnlistenFn> =>
    listen<RunProgress>("match-progress", (e) => handler(e.payload)),
  planOffboard: (request: OffboardRequest) => call<OffboardPlan>("plan_offboard", { request }),
  offboard: (request: OffboardRequest) => call<OffboardReport>("offboard", { request }),
  onOffboardProgress: (handler: (p: PersonRunProgress) => void): Promise<UnlistenFn> =>
    listen<PersonRunProgress>("offboard-progress", (e) => handler(e.payload)),
  /** Asks where to save (the system's dialog) and writes the evidence; null when cancelled. */
  saveEvidence: (runId: number, format: EvidenceFormat) => call<string | null>("save_evidence", { runId, format }),
  listLinks: () => call<LinkView[]>("list_links"),
  /** Saves a new link (original null) or the new form of the link named `original`. */
  saveLink: (original: string | null, link: LinkInput) => call<LinkView>("save_link", { original, link }),
  removeLink: (name: string) => call<void>("remove_link", { name }),
  linkHistory: (name: string, limit: number) => call<LinkRunView[]>("link_history", { name, limit }),
  linkScopePreview: (source: string, scope: Scope) => call<ScopePreview>("link_scope_preview", { source, scope }),
  runLink: (name: string, options: LinkRunOptions) => call<LinkRunReport>("run_link", { name, options }),
  cancelLink: (name: string) => call<void>("cancel_link", { name }),
  onLinkProgress: (handler: (p: LinkProgress) => void): Promise<UnlistenFn> =>
    listen<LinkProgress>("link-progress", (e) => handler(e.payload)),
  /** A link's run ended (from the window or its schedule): its name. */
  onLinkFinished: (handler: (name: string) => void): Promise<UnlistenFn> =>
    listen<string>("link-finished", (e) => handler(e.payload)),
  /** Encrypting a plain offline copy left by an earlier version, at the first start. */
  onEncryptProgress: (handler: (p: EncryptProgress) => void): Promise<UnlistenFn> =>
    listen<EncryptProgress>("encrypt-progress", (e) => handler(e.payload)),
};
