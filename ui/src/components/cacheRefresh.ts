import { useQueryClient } from "@tanstack/react-query";
import { isCacheView } from "../queryKeys";

/** Refreshes every view of the cache after a write (everything but the provider list). */
export function useCacheRefresh() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ predicate: (q) => isCacheView(q.queryKey) });
}
