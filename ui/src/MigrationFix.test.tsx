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
  demoStopped: false,
  sourceOfTruth: false,
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
  operations: Array.from({ length: ops }, (_, i) => ({
    seq: i + 1,
    op: "create_user",
    label: `p${i}`,
    sourceId: `s${i}`,
    data: { userName: `p${i}`, emails: [{ value: `zoë.${i}@x.org`, primary: true }] },
  })),
  userIds: {},
  groupIds: {},
  options: { rules: { users: [], groups: [] }, targetOnly: "keep", maxDeletes: 10 },
  notKept: [],
});

type Options = { rules: { users: unknown[] } };

/** The window after a run in which the target refused zoe's address, with the Fix dialog
 * open; the options of every plan made are collected in `plans`. */
async function openFixAfterARefusal(plans: Options[]) {
  mockIPC((cmd, args) => {
    if (cmd === "migration_runs") return [];
    if (cmd === "sync_provider") return {};
    if (cmd === "plan_migration") {
      plans.push((args as { options: Options }).options);
      return plan(plans.length === 1 ? 2 : 1);
    }
    if (cmd === "run_migration")
      return {
        migrationId: 1,
        done: 1,
        settled: 0,
        seconds: 0.5,
        failed: [
          {
            seq: 2,
            op: "create_user",
            label: "zoe",
            sourceId: "s1",
            message: 'emails.value "zoë.1@x.org" must contain only ASCII characters',
          },
        ],
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
}

describe("Fix and retry", () => {
  it("offers the rule the target's reason calls for, then plans again with it", async () => {
    const plans: Options[] = [];
    await openFixAfterARefusal(plans);
    fireEvent.click(screen.getByTestId("fix-scope-all"));
    expect((screen.getByTestId("fix-attribute") as HTMLInputElement).value).toBe("emails.value");
    expect((screen.getByTestId("fix-action") as HTMLSelectElement).value).toBe("ascii");
    fireEvent.click(screen.getByTestId("fix-apply"));
    await waitFor(() => expect(plans).toHaveLength(2));
    expect(plans[1]).toMatchObject({ rules: { users: [{ attribute: "emails.value", transform: "ascii" }] } });
    // The new plan: only what is still missing, to review and run.
    expect((await screen.findByTestId("migration-run")).textContent).toBe("Run 1 operations");
  });

  it("sends another value for the refused record alone, starting from what was sent", async () => {
    const plans: Options[] = [];
    await openFixAfterARefusal(plans);
    // This record only, by default: the refused value as it was sent, to edit.
    expect((screen.getByTestId("fix-attribute") as HTMLInputElement).value).toBe("emails.value");
    const value = screen.getByTestId("fix-value") as HTMLInputElement;
    expect(value.value).toBe("zoë.1@x.org");
    fireEvent.change(value, { target: { value: "zoe.1@x.org" } });
    fireEvent.click(screen.getByTestId("fix-apply"));
    await waitFor(() => expect(plans).toHaveLength(2));
    expect(plans[1]?.rules.users).toEqual([{ attribute: "emails.value", constant: "zoe.1@x.org", record: "s1" }]);
    // Kept with the rules, named for the person.
    expect(screen.getByTestId("migration-rules").textContent).toContain("Only zoe");
  });
});
