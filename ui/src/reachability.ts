// Whether the selected provider answered when last asked: shared by the window's shell (which
// checks), the main panel and the status bar (which show it).

import type { ConnectionReport } from "./ipc";

/** Reachability of the selected provider, as last checked. */
export type Reachability =
  { state: "unknown" } | { state: "online"; report?: ConnectionReport } | { state: "offline"; message: string };
