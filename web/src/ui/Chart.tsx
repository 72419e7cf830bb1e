// Charts load Chart.js on demand: the library is a separate chunk fetched only by pages that draw one.
import { useEffect, useRef } from "react";
import { useI18n } from "../lib/i18n";

export interface BarSeries {
  label: string;
  values: number[];
  /** A CSS custom property holding the colour, e.g. "--status-online". */
  colorVar: string;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
}

/** A stacked bar chart, with the numbers also given as text for screen readers. */
export function StackedBarChart(props: { labels: string[]; series: BarSeries[]; title: string; theme: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  // Axis numbers in the reader's language, not the browser's.
  const { locale } = useI18n();
  useEffect(() => {
    let chart: { destroy(): void } | null = null;
    let cancelled = false;
    import("./chartjs").then(({ Chart }) => {
      if (cancelled || !canvas.current) return;
      const text = cssVar("--text-muted");
      const grid = cssVar("--border");
      chart = new Chart(canvas.current, {
        type: "bar",
        data: {
          labels: props.labels,
          datasets: props.series.map((s) => ({ label: s.label, data: s.values, backgroundColor: cssVar(s.colorVar), borderRadius: 4, maxBarThickness: 48 })),
        },
        options: {
          locale,
          responsive: true,
          maintainAspectRatio: false,
          animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : { duration: 600 },
          plugins: { legend: { position: "bottom", labels: { color: text, boxWidth: 12 } } },
          scales: {
            x: { stacked: true, ticks: { color: text }, grid: { display: false } },
            y: { stacked: true, beginAtZero: true, ticks: { color: text, precision: 0 }, grid: { color: grid } },
          },
        },
      });
    });
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, [JSON.stringify(props.labels), JSON.stringify(props.series), props.theme, locale]);
  return (
    <figure className="chart">
      <div className="chart-box">
        <canvas ref={canvas} role="img" aria-label={props.title} />
      </div>
      <figcaption className="sr-only">
        {props.title}:{" "}
        {props.labels.map((l, i) => `${l}: ${props.series.map((s) => `${s.label} ${s.values[i]}`).join(", ")}`).join("; ")}
      </figcaption>
    </figure>
  );
}

export interface LineSeries {
  label: string;
  /** `null` is a gap (a lost probe). */
  values: (number | null)[];
  colorVar: string;
}

/** A line chart (round trips over probes or rounds); the numbers are also given as text for screen readers. */
export function LineChart(props: { labels: string[]; series: LineSeries[]; title: string; theme: string; unit?: string; height?: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  // Axis numbers in the reader's language, not the browser's.
  const { locale } = useI18n();
  useEffect(() => {
    let chart: { destroy(): void } | null = null;
    let cancelled = false;
    import("./chartjs").then(({ Chart }) => {
      if (cancelled || !canvas.current) return;
      const text = cssVar("--text-muted");
      const grid = cssVar("--border");
      chart = new Chart(canvas.current, {
        type: "line",
        data: {
          labels: props.labels,
          datasets: props.series.map((s) => ({
            label: s.label,
            data: s.values,
            borderColor: cssVar(s.colorVar),
            backgroundColor: cssVar(s.colorVar),
            spanGaps: false,
            pointRadius: 2,
            borderWidth: 2,
            tension: 0.2,
          })),
        },
        options: {
          locale,
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: props.series.length > 1, position: "bottom", labels: { color: text, boxWidth: 12 } } },
          scales: {
            x: { ticks: { color: text, maxTicksLimit: 12 }, grid: { display: false } },
            y: { beginAtZero: true, ticks: { color: text }, grid: { color: grid }, title: { display: !!props.unit, text: props.unit ?? "", color: text } },
          },
        },
      });
    });
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, [JSON.stringify(props.labels), JSON.stringify(props.series), props.theme, locale]);
  return (
    <figure className="chart">
      <div className="chart-box" style={props.height ? { height: props.height } : undefined}>
        <canvas ref={canvas} role="img" aria-label={props.title} />
      </div>
      <figcaption className="sr-only">
        {props.title}: {props.series.map((s) => `${s.label} ${s.values.map((v) => (v === null ? "—" : v)).join(", ")}`).join("; ")}
      </figcaption>
    </figure>
  );
}
