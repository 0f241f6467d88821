import { describe, expect, it } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import { MigrationView } from "./components/MigrationView";
import type { MigrationPlan, ProviderSummary } from "./ipc";

const provider = (name: string): ProviderSummary => ({
  name,
  baseUrl: "https://x/scim/v2",
  authKind: "bearer",
  hasSecret: true,
  tlsSkipVerify: false,
  allowPlainHttp: false,
  isDemo: false,
  createdAt: "2026-11-28T00:00:00Z",
});

const plan = (ops: number): MigrationPlan => ({
  version: 1,
  source: "HR",
  target: "Mail",
  createdAt: "2026-11-29T00:00:00Z",
  sourceSnapshot: 1,
  targetSnapshot: 2,
  counts: { create_user: ops },
  matches: [],
  review: [],
  warnings: [],
  operations: Array.from({ length: ops }, (_, i) => ({ seq: i + 1, op: "create_user", label: `p${i}`, sourceId: `s${i}`, data: {} })),
  userIds: {},
  groupIds: {},
  options: { rules: { users: [], groups: [] }, targetOnly: "keep", maxDeletes: 10 },
  notKept: [],
});

describe("Fix and retry", () => {
  it("offers the rule the target's reason calls for, then plans again with it", async () => {
    const plans: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "migration_runs") return [];
      if (cmd === "sync_provider") return {};
      if (cmd === "plan_migration") {
        plans.push((args as { options: unknown }).options);
        return plan(plans.length === 1 ? 2 : 1);
      }
      if (cmd === "run_migration")
        return {
          migrationId: 1,
          done: 1,
          settled: 0,
          seconds: 0.5,
          failed: [{ seq: 2, op: "create_user", label: "zoe", message: 'emails.value "zoë@x.org" must contain only ASCII characters' }],
        };
      return null;
    });
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MigrationView providers={[provider("HR"), provider("Mail")]} onClose={() => undefined} />
      </QueryClientProvider>,
    );
    fireEvent.click(screen.getByTestId("migration-plan"));
    fireEvent.click(await screen.findByTestId("migration-run"));
    fireEvent.click(await screen.findByTestId("confirm-action"));
    fireEvent.click(await screen.findByTestId("fix-record"));
    expect((screen.getByTestId("fix-attribute") as HTMLInputElement).value).toBe("emails.value");
    expect((screen.getByTestId("fix-action") as HTMLSelectElement).value).toBe("ascii");
    fireEvent.click(screen.getByTestId("fix-apply"));
    await waitFor(() => expect(plans).toHaveLength(2));
    expect(plans[1]).toMatchObject({ rules: { users: [{ attribute: "emails.value", transform: "ascii" }] } });
    // The new plan: only what is still missing, to review and run.
    expect((await screen.findByTestId("migration-run")).textContent).toBe("Run 1 operations");
  });
});
