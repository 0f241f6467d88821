import { testIds } from "../testIds";
import { Modal } from "./Modal";

interface Props {
  onKeep: () => void;
  onDiscard: () => void;
  onReview: () => void;
}

/** Asked when the person leaves a record with edits not yet saved: keep editing, discard them,
 * or review and save them. */
export function UnsavedChangesDialog({ onKeep, onDiscard, onReview }: Props) {
  return (
    <Modal title="Leave this record with unsaved changes?" testId={testIds.unsavedDialog} alert onClose={onKeep}>
      <p>Your changes to this record are not saved yet. They are sent to the provider only after you review them.</p>
      <div className="dialog-actions">
        <button type="button" onClick={onKeep} data-testid={testIds.keepEditing} autoFocus>
          Keep editing
        </button>
        <button type="button" className="danger" onClick={onDiscard} data-testid={testIds.discardChanges}>
          Discard changes
        </button>
        <button type="button" className="primary" onClick={onReview} data-testid={testIds.reviewAndSave}>
          Review and save
        </button>
      </div>
    </Modal>
  );
}
