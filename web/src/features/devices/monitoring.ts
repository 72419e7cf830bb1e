// Pure logic of the interface charts: API shapes, counter rates, and the bounded live window.
// Framework-free so that it is unit-tested with node --test.

/** One row of GET /devices/{id}/interfaces. */
export interface SNMPInterface {
  if_index: number;
  name: string;
  descr?: string;
  alias?: string;
  type?: number;
  mac?: string;
  mtu?: number;
  speed_bps?: number;
  admin_up?: boolean;
  oper_status?: number;
  status: string;
  last_change_at?: string;
  counter_bits: number;
  in_series_id?: number;
  out_series_id?: number;
  /** ifInErrors / ifOutErrors series (32-bit counters), when the device reports them. */
  in_errors_series_id?: number;
  out_errors_series_id?: number;
  updated_at: string;
}

/** One row of GET /snmp/devices (the fields used here). */
export interface SNMPDeviceSummary {
  device_id: string;
  pop_id?: string;
  name: string;
  address: string;
  reachability: string;
}

/** One row of GET /metrics/series. */
export interface MetricSeries {
  id: number;
  device_id: string;
  metric: string;
  labels: Record<string, string>;
  unit: string;
  kind: "counter" | "gauge";
  counter_bits: number;
}

export interface MetricPoint {
  at: string;
  min: number;
  max: number;
  avg: number;
  sum: number;
  count: number;
  last: number;
  last_at: string;
  rate?: number | null;
}

/** GET /metrics/query. */
export interface MetricQueryResult {
  resolution: string;
  step: number;
  series: { series: MetricSeries; points: MetricPoint[] }[];
}

/** A `metrics/<series id>` realtime event: the newest raw value of a series. */
export interface LiveValue {
  series_id: number;
  at: string;
  value: number;
}

/** The chart ranges offered, with the step asked of the metrics API (it picks raw or rollups). */
export const RANGES = {
  "1h": { seconds: 3_600, step: 60 },
  "24h": { seconds: 86_400, step: 300 },
  "7d": { seconds: 604_800, step: 3_600 },
} as const;
export type RangeName = keyof typeof RANGES;

/** Points a chart keeps at most, whatever the range and however long the page stays open. */
export const MAX_POINTS = 720;

/**
 * Units per second between two raw counter readings; a 32-bit counter that went down wrapped once,
 * a 64-bit one that went down was reset (no rate). `null` when no rate can be told.
 */
export function counterRate(previous: { at: number; value: number }, next: { at: number; value: number }, bits: number): number | null {
  const seconds = (next.at - previous.at) / 1000;
  if (!(seconds > 0)) return null;
  let delta = next.value - previous.value;
  if (delta < 0) {
    if (bits !== 32) return null;
    delta += 2 ** 32;
    // More than half the counter in one interval is a reset (agent restart), not a wrap.
    if (delta > 2 ** 31) return null;
  }
  return delta / seconds;
}

/** One chart point: time (ms) and values per line; `null` is a gap. */
export interface ChartPoint {
  at: number;
  values: (number | null)[];
}

/**
 * A chart's points, oldest first, kept within `maxPoints` and within `spanMs` of the newest point.
 * Live readings of each line are turned into rates against that line's previous raw reading.
 */
export class LiveWindow {
  private points: ChartPoint[] = [];
  private lastRaw: ({ at: number; value: number } | null)[];

  constructor(private lines: number, private spanMs: number, private maxPoints = MAX_POINTS, private scale = 1) {
    this.lastRaw = new Array(lines).fill(null);
  }

  /** Replaces the points with those of a query answer (one series per line, `null` where missing). */
  load(result: MetricQueryResult, seriesOfLine: (number | undefined)[]): void {
    const byTime = new Map<number, (number | null)[]>();
    seriesOfLine.forEach((id, line) => {
      const found = result.series.find((s) => s.series.id === id);
      if (!found) return;
      for (const p of found.points) {
        const at = Date.parse(p.at);
        let row = byTime.get(at);
        if (!row) byTime.set(at, (row = new Array(this.lines).fill(null)));
        row[line] = p.rate === undefined || p.rate === null ? null : p.rate * this.scale;
      }
      const last = found.points[found.points.length - 1];
      if (last) this.lastRaw[line] = { at: Date.parse(last.last_at), value: last.last };
    });
    this.points = [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([at, values]) => ({ at, values }));
    this.trim();
  }

  /**
   * Adds a live raw reading of `line` (a counter with `bits`): returns whether the chart changed.
   * Readings of the lines that arrive close together (one poll) share one point.
   */
  push(line: number, reading: { at: number; value: number }, bits: number): boolean {
    const previous = this.lastRaw[line];
    if (previous && reading.at <= previous.at) return false;
    this.lastRaw[line] = reading;
    if (!previous) return false;
    const rate = counterRate(previous, reading, bits);
    const value = rate === null ? null : rate * this.scale;
    const newest = this.points[this.points.length - 1];
    if (newest && Math.abs(newest.at - reading.at) < 5_000) {
      newest.values = newest.values.slice();
      newest.values[line] = value;
    } else {
      const values: (number | null)[] = new Array(this.lines).fill(null);
      values[line] = value;
      this.points.push({ at: reading.at, values });
    }
    this.trim();
    return true;
  }

  get snapshot(): ChartPoint[] {
    return this.points.slice();
  }

  get size(): number {
    return this.points.length;
  }

  private trim(): void {
    const newest = this.points[this.points.length - 1];
    if (newest) {
      const cutoff = newest.at - this.spanMs;
      let drop = 0;
      while (drop < this.points.length && this.points[drop].at < cutoff) drop++;
      if (drop) this.points.splice(0, drop);
    }
    if (this.points.length > this.maxPoints) this.points.splice(0, this.points.length - this.maxPoints);
  }
}

/** The newest rate of each series in a query answer, × `scale` (8 turns octets into bits). */
export function latestRates(result: MetricQueryResult, scale = 1): Map<number, number> {
  const rates = new Map<number, number>();
  for (const s of result.series) {
    for (let i = s.points.length - 1; i >= 0; i--) {
      const rate = s.points[i].rate;
      if (rate !== undefined && rate !== null) {
        rates.set(s.series.id, rate * scale);
        break;
      }
    }
  }
  return rates;
}

/** Percent of `speed` used by the larger of two rates (bits/s); `null` without a speed or a rate. */
export function utilization(rx: number | undefined, tx: number | undefined, speed: number | undefined): number | null {
  if (!speed || speed <= 0) return null;
  const top = Math.max(rx ?? -1, tx ?? -1);
  if (top < 0) return null;
  return (top / speed) * 100;
}

/** Bits per second in words: "950 bit/s", "12,5 Mbit/s" (with the caller's number format). */
export function formatBits(value: number | null | undefined, number: (v: number, o?: Intl.NumberFormatOptions) => string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const units = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"];
  let v = value;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${number(v, { maximumFractionDigits: v < 10 && u > 0 ? 2 : 1 })} ${units[u]}`;
}
