import { useEffect, useRef } from "react";
import { Chart as ChartJs, registerables, type ChartConfiguration } from "chart.js";

ChartJs.register(...registerables);

/** The theme's colours, read from the CSS variables so charts follow light and dark mode. */
function palette() {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return { text: v("--text", "#1b1f24"), muted: v("--muted", "#5d6875"), accent: v("--accent", "#2459d6"), warn: v("--danger", "#b42318"), border: v("--border", "#d9dee4") };
}

/** A Chart.js chart on a canvas (labels drawn as pixels: provider data never becomes HTML). */
export function Chart({
  label,
  config,
  testId,
}: {
  /** Read by screen readers: what the chart shows, in words. */
  label: string;
  config: (p: ReturnType<typeof palette>) => ChartConfiguration;
  testId?: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current || !canvas.current.getContext("2d")) return;
    const p = palette();
    ChartJs.defaults.color = p.muted;
    ChartJs.defaults.borderColor = p.border;
    const chart = new ChartJs(canvas.current, config(p));
    return () => chart.destroy();
  }, [config]);
  return (
    <div className="chart">
      <canvas ref={canvas} role="img" aria-label={label} data-testid={testId} />
    </div>
  );
}
