import { useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { ipc, toCommandError, type Kind } from "../ipc";
import { changedPaths, newGroupTemplate, newUserTemplate, pruneEmpty, validate, type JsonObject } from "../resource";
import { testIds } from "../testIds";
import { Modal } from "./Modal";
import { ErrorBox } from "./ErrorBox";
import { SchemaForm } from "./SchemaForm";
import { useCacheRefresh } from "./cacheRefresh";
import { queryKeys } from "../queryKeys";

const DEPARTMENTS = ["Engineering", "Sales", "Marketing", "Finance", "People", "Support", "Operations", "Legal"];

/** Creates a user (from a per-department template) or a group. */
export function NewRecordDialog({
  provider,
  kind,
  onClose,
  onCreated,
}: {
  provider: string;
  kind: Kind;
  onClose: () => void;
  onCreated: (id: string) => void;
}) {
  const form = useQuery({
    queryKey: queryKeys.newForm(provider, kind),
    queryFn: () => ipc.newResourceForm(provider, kind),
  });
  const [draft, setDraft] = useState<JsonObject>(kind === "User" ? newUserTemplate() : newGroupTemplate());
  const refresh = useCacheRefresh();
  const create = useMutation({
    mutationFn: () => ipc.createResource(provider, kind, pruneEmpty(draft) ?? {}),
    onSuccess: async (created) => {
      await refresh();
      const id = (created as { id?: string }).id;
      if (id) onCreated(id);
      else onClose();
    },
  });
  const sections = form.data ?? [];
  const problems = validate(draft, sections);
  const noun = kind === "User" ? "user" : "group";
  return (
    <Modal title={`New ${noun} at ${provider}`} testId={testIds.newDialog} wide onClose={onClose}>
      {kind === "User" && (
        <label className="inline">
          Start from the template for
          <select
            aria-label="Department template"
            onChange={(e) => setDraft(newUserTemplate(e.target.value || undefined))}
            data-testid="template-department"
          >
            <option value="">no department</option>
            {DEPARTMENTS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
      )}
      {form.isError && <ErrorBox error={toCommandError(form.error)} title="The form could not be built" />}
      <div className="dialog-scroll">
        <SchemaForm
          provider={provider}
          sections={sections}
          value={draft}
          onChange={setDraft}
          creating
          changed={new Set(changedPaths({}, draft, sections))}
        />
      </div>
      {create.isError && <ErrorBox error={toCommandError(create.error)} title={`The ${noun} was not created`} />}
      {problems.length > 0 && <p className="error-line">{problems.join(" ")}</p>}
      <div className="dialog-actions">
        <button type="button" onClick={onClose} disabled={create.isPending}>
          Cancel
        </button>
        <button
          type="button"
          className="primary"
          disabled={problems.length > 0 || create.isPending || !form.data}
          onClick={() => create.mutate()}
          data-testid={testIds.createRecord}
        >
          {create.isPending ? "Creating…" : `Create ${noun}`}
        </button>
      </div>
    </Modal>
  );
}
