import { describe, expect, it } from "vitest";
import { render, screen, fireEvent, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import { LinksView } from "./components/links/LinksView";
import type { LinkRunReport, LinkRunView, LinkView, ProviderSummary } from "./ipc";

function renderIt(node: React.ReactNode) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={qc}>{node}</QueryClientProvider>);
}

const providers: ProviderSummary[] = ["App", "HR"].map((name) => ({
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
  lastSyncAt: "2026-11-30T08:00:00Z",
}));

/** A link as the engine sends it: empty lists present, limits as text. */
const link: LinkView = {
  name: "HR to App",
  source: "HR",
  target: "App",
  settings: {
    scope: { groups: ["Dept - Sales*"] },
    rules: { users: [], groups: [] },
    targetOnly: "keep",
    leaving: "deactivate",
    protect: [],
    guard: { maxDeactivations: "10", maxDeletes: "5%" },
  },
  createdAt: "2026-11-30T08:00:00Z",
  updatedAt: "2026-11-30T08:00:00Z",
};

const stopped: LinkRunReport = {
  runId: 7,
  link: "HR to App",
  source: "HR",
  target: "App",
  outcome: "stopped",
  message: "Stopped before writing anything: it would deactivate 40 users.",
  reads: [{ provider: "HR", kind: "incremental", fetched: 3, seconds: 0.2 }],
  scopeUsers: 120,
  scopeGroups: 1,
  counts: { deactivate_user: 40, update_user: 2 },
  operations: [],
  warnings: [],
  crossings: [{ rail: "deactivations", planned: 40, most: 10, setting: "10" }],
  forced: false,
  leaving: [{ label: "<b>ada</b>", targetId: "t1", action: "deactivate" }],
  protected: [],
  done: 0,
  failed: [],
  remaining: 0,
  resumed: 0,
  seconds: 1.5,
};

const history: LinkRunView[] = [
  { id: 7, startedAt: "2026-11-30T09:00:00Z", finishedAt: "2026-11-30T09:00:02Z", outcome: "stopped", report: stopped },
];

describe("the Links room", () => {
  it("shows a stopped run's guard rail in words and runs it anyway on request", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "list_links") return [{ ...link, lastRun: history[0] }];
      if (cmd === "link_history") return history;
      if (cmd === "run_link")
        return { ...stopped, outcome: "completed", message: "Done: 42 changes sent.", crossings: [], forced: true };
      return null;
    });
    const { container } = renderIt(<LinksView providers={providers} onClose={() => {}} workOffline={false} />);
    await screen.findByTestId("link-report");
    const rails = Array.from(container.querySelectorAll(".notice li")).map((li) => li.textContent);
    expect(rails).toEqual(["Would deactivate 40 users; the link allows at most 10."]);
    expect(screen.getByTestId("link-outcome").textContent).toBe("Stopped by a guard rail");
    const facts = Array.from(container.querySelectorAll(".facts dd")).map((dd) => dd.textContent);
    expect(facts[1]).toBe("Groups Dept - Sales* and their members");
    // Provider data is text, never markup.
    expect(container.querySelector(".link-report b")).toBeNull();
    expect(screen.getByText("<b>ada</b>").nextSibling?.textContent).toBe("deactivated");
    expect(screen.getByTestId("link-counts").textContent).toContain("Deactivations40");
    fireEvent.click(screen.getByTestId("link-run-anyway"));
    await waitFor(() => expect(screen.getByTestId("link-message").textContent).toBe("Done: 42 changes sent."));
    const run = calls.find((c) => c.cmd === "run_link");
    expect(run?.args).toEqual({ name: "HR to App", options: { dryRun: false, force: true } });
  });

  it("offers a first link when there is none, and says why a scope cannot be shown", async () => {
    mockIPC((cmd) => {
      if (cmd === "list_links") return [];
      if (cmd === "link_scope_preview")
        throw { code: "invalid_input", message: '"title eq" is not a SCIM filter: a value is missing.' };
      return null;
    });
    renderIt(<LinksView providers={providers} onClose={() => {}} workOffline={false} />);
    expect((await screen.findByTestId("links-empty")).querySelector(".empty-title")?.textContent).toBe("No links yet");
    fireEvent.click(screen.getByTestId("link-new"));
    fireEvent.change(screen.getByTestId("link-filter"), { target: { value: "title eq" } });
    const why = await screen.findByTestId("error-message");
    expect(why.textContent).toBe('"title eq" is not a SCIM filter: a value is missing.');
    expect(why.closest("[data-code]")?.getAttribute("data-code")).toBe("invalid_input");
  });
});
