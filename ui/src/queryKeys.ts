// Every cached query's key, in one place: what a view reads and what a write refreshes agree
// by construction. The first element names what is cached; the rest say which one.

import type { BulkRequest, Kind } from "./ipc";

export const queryKeys = {
  appInfo: () => ["appInfo"] as const,
  retention: () => ["retention"] as const,
  providers: () => ["providers"] as const,
  overview: (provider: string, version: string) => ["overview", provider, version] as const,
  changes: (provider: string, version: string) => ["changes", provider, version] as const,
  /** One page of the grid (the last element, the page's offset, is added by the grid). */
  cached: (
    provider: string,
    kind: Kind,
    search: string,
    filter: string,
    sort: string,
    descending: boolean,
    version: string,
  ) => ["cached", provider, kind, search, filter, sort, descending, version] as const,
  detail: (provider: string, kind: Kind, id: string) => ["detail", provider, kind, id] as const,
  members: (provider: string, id: string, needle: string, snapshotAt: string | undefined, total: number | undefined) =>
    ["members", provider, id, needle, snapshotAt, total] as const,
  newForm: (provider: string, kind: Kind) => ["form", provider, kind] as const,
  userLabel: (provider: string, kind: Kind, id: string | undefined) => ["user-label", provider, kind, id] as const,
  userPick: (provider: string, kind: Kind, text: string) => ["user-pick", provider, kind, text] as const,
  bulkPreview: (request: BulkRequest | null) => ["bulk-preview", request] as const,
  migrationRuns: () => ["migration-runs"] as const,
  people: (text: string, filter: string, provider: string | null, limit: number) =>
    ["people", text, filter, provider, limit] as const,
  person: (key: string) => ["person", key] as const,
  drift: (source: string | null) => ["drift", source] as const,
  offboardPlan: (request: unknown) => ["offboard-plan", request] as const,
  links: () => ["links"] as const,
  linkHistory: (name: string) => ["link-history", name] as const,
};

/** True for every cached query but the provider list (what a write to a provider can change). */
export function isCacheView(key: readonly unknown[]): boolean {
  return key[0] !== queryKeys.providers()[0];
}
