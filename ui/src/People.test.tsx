import { describe, expect, it } from "vitest";
import { render, screen, fireEvent, waitFor, within } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { mockIPC } from "@tauri-apps/api/mocks";
import { PeopleView } from "./components/people/PeopleView";
import type { DriftReport, PeoplePage, PersonPage, ProviderSummary } from "./ipc";

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
  sourceOfTruth: name === "HR",
  createdAt: "2026-11-28T00:00:00Z",
  lastSyncAt: "2026-11-30T08:00:00Z",
}));

const page: PeoplePage = {
  total: 2,
  everyone: 2,
  drifting: 1,
  needsDecision: 0,
  copies: [
    { provider: "App", asOf: "2026-11-30T08:00:00Z", sourceOfTruth: false },
    { provider: "HR", asOf: "2026-11-30T08:00:00Z", sourceOfTruth: true },
  ],
  unsynced: [],
  people: [
    {
      id: "p-1",
      name: "Ada Lovelace",
      email: "ada@x.test",
      differences: ["familyName"],
      accounts: [
        { provider: "App", id: "a1", userName: "ada", active: false, linkedBy: "email" },
        { provider: "HR", id: "h1", userName: "ada", active: true, linkedBy: "email" },
      ],
    },
    {
      id: "p-2",
      name: "Bo <b>Bold</b>",
      email: null,
      differences: [],
      accounts: [{ provider: "HR", id: "h2", userName: "bo", active: true, linkedBy: null }],
    },
  ],
};

const account = (provider: string, familyName: string, source: boolean): PersonPage["accounts"][number] => ({
  provider,
  asOf: "2026-11-30T08:00:00Z",
  sourceOfTruth: source,
  id: `${provider}-1`,
  userName: "ada",
  externalId: null,
  linkedBy: "email",
  active: true,
  givenName: "Ada",
  familyName,
  displayName: null,
  emails: ["ada@x.test"],
  title: null,
  department: null,
  employeeNumber: null,
  manager: null,
  groups: [],
});

const person: PersonPage = {
  id: "p-1",
  name: "Ada Lovelace",
  source: "HR",
  accounts: [account("App", "Byron", false), account("HR", "Lovelace", true)],
  differences: ["familyName"],
  missingIn: [],
  questions: [],
  copies: page.copies,
};

const drift: DriftReport = {
  source: "HR",
  providers: ["App", "HR"],
  people: 2,
  rows: [
    {
      personId: "p-1",
      name: "Ada Lovelace",
      field: "familyName",
      attribute: "name.familyName",
      sourceValue: "Lovelace",
      values: ["Byron", "Lovelace"],
    },
    {
      personId: "p-3",
      name: "Cy Young",
      field: "title",
      attribute: "title",
      sourceValue: "Lead",
      values: ["Intern", "Lead"],
    },
  ],
};

describe("People", () => {
  it("lists each person once with their accounts per provider, names as text, and opens a person", async () => {
    mockIPC((cmd) => (cmd === "find_people" ? page : cmd === "person_page" ? person : null));
    renderIt(<PeopleView providers={providers} onClose={() => {}} workOffline={false} />);
    const [first, second] = await screen.findAllByTestId("people-row");
    if (!first || !second) throw new Error("two rows");
    const cells = (row: HTMLElement) => Array.from(row.querySelectorAll("td")).map((td) => td.textContent);
    // Name, e-mail, App, HR, what differs.
    expect(cells(first)).toEqual(["Ada Lovelace", "ada@x.test", "inactive", "active", "Family name"]);
    expect(cells(second)).toEqual(["Bo <b>Bold</b>", "", "no account", "active", ""]);
    // Provider data is text, never HTML.
    expect(second.querySelector("b")).toBeNull();
    expect(screen.getByTestId("people-as-of").textContent).toContain("HR (source of truth) as of");
    fireEvent.click(within(first).getByTestId("people-open"));
    await screen.findByTestId("person-name");
    // Only the account that differs from the source of truth is highlighted.
    const differing = document.querySelectorAll("[data-field=familyName].differs");
    expect(differing).toHaveLength(1);
    expect((differing[0] as HTMLElement).dataset.provider).toBe("App");
  });

  it("filters differences by attribute and makes the chosen ones match the source only when one is chosen", async () => {
    mockIPC((cmd) => (cmd === "find_people" ? page : cmd === "drift_report" ? drift : null));
    renderIt(<PeopleView providers={providers} onClose={() => {}} workOffline={false} />);
    fireEvent.click(await screen.findByTestId("people-tab-drift"));
    await waitFor(() => expect(screen.getAllByTestId("drift-row")).toHaveLength(2));
    const make = screen.getByTestId("make-match-open") as HTMLButtonElement;
    expect(make.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText("Attribute"), { target: { value: "title" } });
    await waitFor(() => expect(screen.getAllByTestId("drift-row")).toHaveLength(1));
    expect(screen.getByTestId("drift-row").textContent).toContain("Cy Young");
    fireEvent.click(screen.getByTestId("drift-pick"));
    expect(make.disabled).toBe(false);
    expect(make.textContent).toContain("Make 1 match HR");
  });

  it("keeps offboarding and onboarding closed while working offline", async () => {
    mockIPC((cmd) => (cmd === "find_people" ? page : cmd === "person_page" ? person : null));
    renderIt(<PeopleView providers={providers} onClose={() => {}} workOffline={true} />);
    expect(((await screen.findByTestId("onboard-open")) as HTMLButtonElement).disabled).toBe(true);
    const [open] = await screen.findAllByTestId("people-open");
    if (!open) throw new Error("a person to open");
    fireEvent.click(open);
    expect(((await screen.findByTestId("offboard-open")) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId("person-edit-open") as HTMLButtonElement).disabled).toBe(true);
  });
});
