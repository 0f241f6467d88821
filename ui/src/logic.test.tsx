import { describe, expect, it } from "vitest";
import { combine, comparison, operatorsFor, USER_FILTER_ATTRIBUTES } from "./filterBuilder";
import {
  changedPaths,
  ENTERPRISE,
  getValue,
  pruneEmpty,
  setValue,
  validate,
  visibleAttributes,
  type JsonObject,
} from "./resource";
import type { FormSection } from "./bindings/FormSection";
import { bulkResultWords, bulkWords } from "./bulk";
import { recordLines } from "./printing";
import { drillTo } from "./drill";
import { perAttribute, visibleMatches } from "./matches";
import type { RecordMatch } from "./bindings/RecordMatch";

const attr = (path: string) => USER_FILTER_ATTRIBUTES.find((a) => a.path === path)!;

describe("filter builder", () => {
  it("quotes strings with JSON escaping and writes booleans bare", () => {
    expect(comparison(attr("name.familyName"), "co", 'O"Brien')).toBe('name.familyName co "O\\"Brien"');
    expect(comparison(attr("active"), "eq", "false")).toBe("active eq false");
    expect(comparison(attr("title"), "pr", "ignored")).toBe("title pr");
  });
  it("turns a picked date into an instant", () => {
    expect(comparison(attr("meta.lastModified"), "ge", "2026-11-01")).toBe(
      'meta.lastModified ge "2026-11-01T00:00:00Z"',
    );
  });
  it("combines with and, keeping an or on the left together", () => {
    expect(combine("", "a pr")).toBe("a pr");
    expect(combine('a eq "1" or b eq "2"', "c pr")).toBe('(a eq "1" or b eq "2") and c pr');
    expect(combine("a pr", "c pr")).toBe("a pr and c pr");
  });
  it("offers operators that fit the type", () => {
    expect(operatorsFor("boolean")).toEqual(["eq", "ne", "pr"]);
    expect(operatorsFor("string")).toContain("co");
  });
});

const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const attrDef = (name: string, more: Partial<FormSection["attributes"][number]> = {}) => ({
  name,
  type: "string",
  multiValued: false,
  required: false,
  mutability: "readWrite",
  caseExact: false,
  canonicalValues: [],
  referenceTypes: [],
  description: "",
  subAttributes: [],
  ...more,
});
const core: FormSection = {
  schema: "urn:ietf:params:scim:schemas:core:2.0:User",
  name: "User",
  extension: false,
  attributes: [
    attrDef("id", { mutability: "readOnly" }),
    attrDef("userName", { required: true }),
    attrDef("name", { type: "complex", subAttributes: [attrDef("givenName"), attrDef("familyName")] }),
    attrDef("emails", { type: "complex", multiValued: true, subAttributes: [attrDef("value"), attrDef("type")] }),
    attrDef("password", { mutability: "writeOnly" }),
  ],
};
const ent: FormSection = { schema: ENT, name: "EnterpriseUser", extension: true, attributes: [attrDef("department")] };

describe("form values", () => {
  const user: JsonObject = {
    id: "1",
    UserName: "ann",
    name: { givenName: "Ann", familyName: "Lee" },
    emails: [{ value: "ann@example.com", type: "work" }],
  };
  it("hides server-owned and write-only attributes", () => {
    expect(visibleAttributes(core).map((a) => a.name)).toEqual(["userName", "name", "emails"]);
  });
  it("reads names ignoring case and writes extensions under their URN", () => {
    expect(getValue(user, core, "userName")).toBe("ann");
    const next = setValue(user, ent, "department", "Sales");
    expect((next[ENT] as JsonObject).department).toBe("Sales");
    expect(next.schemas).toContain(ENT);
    expect(user[ENT]).toBeUndefined();
  });
  it("lists changed paths, sub-attributes of complex ones one by one", () => {
    let after = setValue(user, core, "name", { givenName: "Ann", familyName: "Smith" });
    after = setValue(after, core, "emails", [{ value: "ann.smith@example.com", type: "work" }]);
    after = setValue(after, ent, "department", "Sales");
    expect(changedPaths(user, after, [core, ent])).toEqual(["name.familyName", "emails", `${ENT}:department`]);
    expect(changedPaths(user, structuredClone(user), [core, ent])).toEqual([]);
  });
  it("requires what the schema requires", () => {
    expect(validate(setValue(user, core, "userName", ""), [core])).toEqual(["User name is required."]);
    expect(validate(user, [core])).toEqual([]);
  });
  it("sends only what was filled in for a new record", () => {
    expect(
      pruneEmpty({
        userName: "x",
        name: { givenName: "", familyName: "" },
        emails: [{ value: "", type: "work", primary: true }],
        active: false,
      }),
    ).toEqual({
      userName: "x",
      active: false,
    });
  });
});

describe("mapping rules in the window", () => {
  it("turns rows into the engine's rules and back, typing constants as people mean them", async () => {
    const { ruleFromRow, rowsFromRules } = await import("./mappingRules");
    const { rulesOf } = await import("./components/MappingRulesEditor");
    const rows = [
      { kind: "users" as const, attribute: "title", action: "drop" as const, value: "" },
      { kind: "users" as const, attribute: "active", action: "constant" as const, value: "true" },
      { kind: "users" as const, attribute: "userName", action: "lower" as const, value: "" },
      { kind: "groups" as const, attribute: "displayName", action: "template" as const, value: "Team {displayName}" },
      { kind: "users" as const, attribute: "  ", action: "drop" as const, value: "" },
    ];
    const rules = rulesOf(rows);
    expect(rules.users).toEqual([
      { attribute: "title", drop: true },
      { attribute: "active", constant: true },
      { attribute: "userName", transform: "lower" },
    ]);
    expect(rules.groups).toEqual([{ attribute: "displayName", template: "Team {displayName}" }]);
    expect(ruleFromRow({ kind: "users", attribute: "x", action: "constant", value: "42" })).toEqual({
      attribute: "x",
      constant: 42,
    });
    expect(rowsFromRules(rules)).toEqual(rows.slice(0, 4));
    expect(() => rowsFromRules({ users: [{ attribute: "x" }] })).toThrow(/does nothing/);
    // The transforms for values a target refuses, the same shape as a --rules file.
    const fixes = [
      { kind: "users" as const, attribute: "emails.value", action: "ascii" as const, value: "" },
      { kind: "users" as const, attribute: "userName", action: "replace" as const, value: "@.*$", with: "" },
      { kind: "users" as const, attribute: "emails.value", action: "domain" as const, value: "example.com" },
      { kind: "users" as const, attribute: "title", action: "truncate" as const, value: "64" },
      { kind: "users" as const, attribute: "nickName", action: "default" as const, value: "n/a" },
    ];
    expect(rulesOf(fixes).users).toEqual([
      { attribute: "emails.value", transform: "ascii" },
      { attribute: "userName", transform: "replace", pattern: "@.*$", with: "" },
      { attribute: "emails.value", transform: "domain", to: "example.com" },
      { attribute: "title", transform: "truncate", max: 64 },
      { attribute: "nickName", transform: "default", value: "n/a" },
    ]);
    expect(rowsFromRules(rulesOf(fixes))).toEqual(fixes.map((f) => (f.action === "replace" ? f : { ...f })));
    expect(() => rowsFromRules({ users: "no" })).toThrow(/not a list/);
  });

  it("says how long is left in words", async () => {
    const { timeLeft } = await import("./format");
    expect(timeLeft(undefined)).toBe("");
    expect(timeLeft(12.4)).toBe("about 12 s left");
    expect(timeLeft(150)).toBe("about 3 min left");
  });

  it("never says 'null s left' while the time left is unknown (issue 20, bug 8)", async () => {
    const { progressLabel } = await import("./format");
    // What the engine sent while reading the configuration and while saving.
    expect(progressLabel("Reading the provider's configuration", null)).toBe("Reading the provider's configuration");
    expect(progressLabel("Saving", undefined)).toBe("Saving");
    expect(progressLabel("Reading users", 42)).toBe("Reading users · about 42 s left");
  });
});

describe("attribute labels in words", () => {
  it("names attributes as HR staff read them, never as SCIM paths or URNs", async () => {
    const { attributeLabel } = await import("./format");
    expect(attributeLabel("name.familyName")).toBe("Family name");
    expect(attributeLabel('emails[type eq "work"].value')).toBe("Work e-mail");
    expect(attributeLabel('phoneNumbers[type eq "mobile"].value')).toBe("Mobile phone");
    expect(attributeLabel('addresses[type eq "work"].locality')).toBe("Work address (locality)");
    expect(attributeLabel("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")).toBe("Department");
    expect(attributeLabel("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")).toBe("Manager");
    expect(attributeLabel("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber")).toBe(
      "Employee number",
    );
    expect(attributeLabel("title")).toBe("Job title");
    expect(attributeLabel("active")).toBe("Active");
    expect(attributeLabel("x509Certificates")).toBe("X509 certificates");
    expect(attributeLabel("name.somethingNew")).toBe("Name: something new");
  });
});

describe("names that follow each other", () => {
  it("offers the display and full names made from the old names, and only those", async () => {
    const { namesToFollow } = await import("./resource");
    const original = {
      displayName: "Ada Byron",
      name: { givenName: "Ada", familyName: "Byron", formatted: "Ada Byron" },
    };
    const draft = structuredClone(original);
    draft.name.familyName = "Lovelace";
    const f = namesToFollow(original, draft);
    expect(f?.full).toBe("Ada Lovelace");
    expect(f?.next).toEqual({
      displayName: "Ada Lovelace",
      name: { givenName: "Ada", familyName: "Lovelace", formatted: "Ada Lovelace" },
    });
    // A display name the person chose themselves is not touched.
    const chosen = { ...structuredClone(original), displayName: "Countess of Lovelace" };
    const d2 = structuredClone(chosen);
    d2.name.familyName = "Lovelace";
    expect(namesToFollow(chosen, d2)?.next.displayName).toBe("Countess of Lovelace");
    // Nothing to do when the names did not change, or the others already follow.
    expect(namesToFollow(original, original)).toBeNull();
    expect(namesToFollow(original, f!.next)).toBeNull();
  });
});

describe("the form in words", () => {
  it("labels sections and attributes for people, with the SCIM name one hover away", async () => {
    const { render, screen } = await import("@testing-library/react");
    const { SchemaForm } = await import("./components/SchemaForm");
    const a = (name: string, extra: Partial<FormSection["attributes"][number]> = {}) => ({
      name,
      type: "string",
      multiValued: false,
      required: false,
      mutability: "readWrite",
      caseExact: false,
      canonicalValues: [],
      referenceTypes: [],
      description: "RFC 7643 says: SHOULD be canonicalized",
      subAttributes: [],
      ...extra,
    });
    const sections: FormSection[] = [
      {
        schema: "urn:ietf:params:scim:schemas:core:2.0:User",
        name: "User",
        extension: false,
        attributes: [
          a("ims", { multiValued: true, type: "complex", subAttributes: [a("value"), a("type")] }),
          a("profileUrl"),
          a("title"),
        ],
      },
      {
        schema: ENT,
        name: "EnterpriseUser",
        extension: true,
        attributes: [
          a("manager", { type: "complex", subAttributes: [a("value"), a("$ref"), a("displayName")] }),
          a("employeeNumber"),
        ],
      },
    ];
    const { QueryClient, QueryClientProvider } = await import("@tanstack/react-query");
    const { container } = render(
      <QueryClientProvider client={new QueryClient()}>
        <SchemaForm provider="p" sections={sections} value={{}} onChange={() => {}} changed={new Set()} />
      </QueryClientProvider>,
    );
    const text = container.textContent ?? "";
    for (const words of [
      "Profile",
      "Employment",
      "Chat accounts",
      "Profile address",
      "Job title",
      "Manager",
      "Employee number",
    ]) {
      expect(text).toContain(words);
    }
    for (const scim of ["EnterpriseUser", "Ims", "Profile url", "$ref", "RFC 7643"]) {
      expect(text).not.toContain(scim);
    }
    expect(container.querySelector("[title*='RFC']")).toBeNull();
    expect(screen.getByText("Job title").getAttribute("title")).toBe("SCIM attribute: title");
  });
});

describe("bulk words", () => {
  it("says an action the way the review and the last-change line read it", () => {
    expect(bulkWords({ kind: "deactivate" })).toBe("Deactivate");
    expect(bulkWords({ kind: "setAttribute", path: `${ENTERPRISE}:department`, value: "Sales" })).toBe(
      "Set Department to “Sales”",
    );
    expect(
      bulkWords({ kind: "setAttribute", path: `${ENTERPRISE}:manager`, value: { value: "m1" } }, undefined, "Ann Lee"),
    ).toBe("Set Manager to “Ann Lee”");
    expect(bulkWords({ kind: "setAttribute", path: "title", value: null })).toBe("Clear Job title");
    expect(bulkWords({ kind: "addToGroup", groupId: "g1" }, "Crew")).toBe("Add to the group “Crew”");
    expect(bulkResultWords(4, 1, 0)).toBe("Saved for 4 people; 1 person already so");
    expect(bulkResultWords(1, 0, 2)).toBe("Saved for 1 person; 2 people not saved");
  });
});

describe("the side-by-side list", () => {
  const m = (label: string, tag: string, targetLabel?: string) =>
    ({ label, tag, targetLabel, sourceId: label }) as unknown as RecordMatch;
  const list = [
    m("Team 10", "matched_equal", "Team 10"),
    m("ann", "only_in_source"),
    m("Team 2", "matched_different", "Team Two"),
    m("zoe", "only_in_target", "zoe"),
  ];
  it("finds by either side's name, filters by status and sorts naturally either way", () => {
    const labels = (xs: RecordMatch[]) => xs.map((x) => x.label);
    expect(labels(visibleMatches(list, null, "", "source", false))).toEqual(["ann", "Team 2", "Team 10", "zoe"]);
    expect(labels(visibleMatches(list, null, "", "source", true))).toEqual(["zoe", "Team 10", "Team 2", "ann"]);
    expect(labels(visibleMatches(list, null, "two", "source", false))).toEqual(["Team 2"]);
    expect(labels(visibleMatches(list, "only_in_source", "", "source", false))).toEqual(["ann"]);
    expect(labels(visibleMatches(list, null, "", "status", false))).toEqual(["ann", "zoe", "Team 10", "Team 2"]);
  });
});

describe("a complex attribute's change", () => {
  it("reads as one change per sub-attribute, unchanged ones left out", () => {
    const ent = `${ENTERPRISE}`;
    expect(
      perAttribute([
        { change: "added", path: ent, after: { department: "Sales", costCenter: "CC-1" } },
        {
          change: "changed",
          path: "name",
          before: { givenName: "Ann", familyName: "Lee" },
          after: { givenName: "Ann", familyName: "Ray" },
        },
        { change: "changed", path: "title", before: "A", after: "B" },
      ]).map((c) => [c.path, c.before, c.after]),
    ).toEqual([
      [`${ent}:department`, undefined, "Sales"],
      [`${ent}:costCenter`, undefined, "CC-1"],
      ["name.familyName", "Lee", "Ray"],
      ["title", "A", "B"],
    ]);
  });
});

describe("a printed record", () => {
  it("says each attribute in words, each e-mail by its type, the manager by name", () => {
    const lines = recordLines({
      schemas: ["x"],
      id: "2819c223",
      userName: "ann.lee",
      name: { givenName: "Ann", familyName: "Lee" },
      emails: [
        { value: "ann@example.com", type: "work", primary: true },
        { value: "ann@home.example", type: "home" },
      ],
      addresses: [{ type: "work", locality: "Leeds", country: "GB" }],
      active: false,
      [ENTERPRISE]: { department: "Sales", manager: { value: "m1", displayName: "Bo Chen" } },
      meta: { version: "W/1" },
    });
    expect(lines).toEqual([
      ["Id at the provider", "2819c223"],
      ["User name", "ann.lee"],
      ["Given name", "Ann"],
      ["Family name", "Lee"],
      ["Work e-mail (primary)", "ann@example.com"],
      ["Home e-mail", "ann@home.example"],
      ["Work address", "Leeds, GB"],
      ["Active", "no"],
      ["Department", "Sales"],
      ["Manager", "Bo Chen"],
    ]);
  });
});

describe("a chart's bar clicked", () => {
  it("opens the list it counted: a status, a department (quoted, or none), a group by name", () => {
    expect(drillTo("status", "Inactive")).toEqual({ tab: "users", status: "inactive" });
    expect(drillTo("department", 'R&D "Labs"')).toEqual({
      tab: "users",
      filter: `${ENTERPRISE}:department eq "R&D \\"Labs\\""`,
    });
    expect(drillTo("department", "(none)")).toEqual({ tab: "users", filter: `not (${ENTERPRISE}:department pr)` });
    expect(drillTo("group", "Mentors")).toEqual({ tab: "groups", search: "Mentors" });
  });
});

describe("a fix for a refused record", () => {
  it("suggests the rule the provider's reason calls for", async () => {
    const { suggestRule } = await import("./mappingRules");
    expect(suggestRule('emails.value "zoë.müller@example.com" must contain only ASCII characters')).toMatchObject({
      attribute: "emails.value",
      action: "ascii",
    });
    expect(suggestRule("title must be at most 64 characters")).toMatchObject({
      attribute: "title",
      action: "truncate",
      value: "64",
    });
    expect(suggestRule("nickName is not supported")).toMatchObject({ attribute: "nickName", action: "drop" });
    expect(suggestRule("nickName is required")).toMatchObject({ attribute: "nickName", action: "default" });
    expect(suggestRule("The provider had an internal problem")).toBeNull();
  });
});
