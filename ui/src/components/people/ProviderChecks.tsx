import type { ReactNode } from "react";

/** A checkbox per provider (a person's accounts, or where to create one), in a titled group. */
export function ProviderChecks({
  legend,
  items,
  chosen,
  onChange,
  testId,
}: {
  legend: string;
  items: { provider: string; label: ReactNode }[];
  chosen: string[];
  onChange: (chosen: string[]) => void;
  testId: string;
}) {
  return (
    <fieldset className="plain">
      <legend>{legend}</legend>
      {items.map((i) => (
        <label key={i.provider} className="check">
          <input
            type="checkbox"
            checked={chosen.includes(i.provider)}
            onChange={() =>
              onChange(chosen.includes(i.provider) ? chosen.filter((x) => x !== i.provider) : [...chosen, i.provider])
            }
            data-testid={testId}
          />
          {i.label}
        </label>
      ))}
    </fieldset>
  );
}
