import { useEffect, useRef } from "react";
import { Chart as ChartJs, registerables, type ChartConfiguration } from "chart.js";

ChartJs.register(...registerables);

/** The theme's colours, read from the CSS variables so charts follow light and dark mode. */
function palette() {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    text: v("--text", "#1b1f24"),
    muted: v("--muted", "#5d6875"),
    accent: v("--accent", "#2459d6"),
    warn: v("--danger", "#b42318"),
    border: v("--border", "#d9dee4"),
  };
}

/** A Chart.js chart on a canvas (labels drawn as pixels: provider data never becomes HTML). */
export function Chart({
  label,
  config,
  testId,
  onPick,
}: {
  /** Read by screen readers: what the chart shows, in words. */
  label: string;
  config: (p: ReturnType<typeof palette>) => ChartConfiguration;
  testId?: string;
  /** Told which bar (or slice) was clicked, by its index. */
  onPick?: (index: number) => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const pick = useRef(onPick);
  useEffect(() => {
    pick.current = onPick;
  }, [onPick]);
  const pickable = onPick !== undefined;
  useEffect(() => {
    if (!canvas.current || !canvas.current.getContext("2d")) return;
    const p = palette();
    ChartJs.defaults.color = p.muted;
    ChartJs.defaults.borderColor = p.border;
    const cfg = config(p);
    if (pickable) {
      cfg.options = {
        ...cfg.options,
        onClick: (_e, elements) => {
          const i = elements[0]?.index;
          if (i !== undefined) pick.current?.(i);
        },
        onHover: (e, elements) => {
          const target = e.native?.target;
          if (target instanceof HTMLElement) target.style.cursor = elements.length > 0 ? "pointer" : "default";
        },
      };
    }
    const chart = new ChartJs(canvas.current, cfg);
    return () => chart.destroy();
  }, [config, pickable]);
  return (
    <div className="chart">
      <canvas ref={canvas} role="img" aria-label={label} data-testid={testId} />
    </div>
  );
}
