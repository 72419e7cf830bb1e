// Tool runs: the API shapes, a request body builder and the hook that follows a run live.
import { useEffect, useState } from "react";
import { useApp, useQuery, useTopics } from "../../lib/app";
import type { MessageKey, Translator } from "../../lib/i18n";

export type ToolKind = "ping" | "traceroute" | "mtr" | "port_scan" | "ip_scan" | "dns" | "http" | "speedtest";
export type ToolOrigin = "platform" | "pop" | "cpe";
export const TOOLS: ToolKind[] = ["ping", "mtr", "traceroute", "port_scan", "ip_scan", "dns", "http", "speedtest"];
/** Tools that run only on a CPE (TR-069 diagnostics toward the platform's file server). */
export const CPE_ONLY: ToolKind[] = ["speedtest"];
export type SpeedDirection = "download" | "upload";

export interface PingProbe {
  sequence: number;
  rtt_ms?: number | null;
  sent_at_ms: number;
}

export interface Hop {
  hop: number;
  address?: string | null;
  addresses: string[];
  sent: number;
  received: number;
  loss_percent: number;
  last_ms?: number | null;
  avg_ms?: number | null;
  best_ms?: number | null;
  worst_ms?: number | null;
  stdev_ms?: number | null;
  samples?: (number | null)[];
}

export interface PathReport {
  target: string;
  round: number;
  reached_destination: boolean;
  hops: Hop[];
}

export interface PortResult {
  port: number;
  state: string;
  service?: string | null;
  rtt_ms?: number | null;
}

export interface HostResult {
  address: string;
  rtt_ms: number;
  hostname?: string | null;
  mac?: string | null;
}

export interface SpeedTestProgress {
  direction: SpeedDirection;
  bytes: number;
  total: number;
  elapsed_ms: number;
  throughput_mbps: number;
}

export interface ToolEvent {
  kind: "status" | "probe" | "path" | "port" | "host" | "progress";
  status?: string;
  probe?: PingProbe;
  path?: PathReport;
  port?: PortResult;
  host?: HostResult;
  progress?: SpeedTestProgress;
}

export interface ToolRun {
  id: string;
  tool: ToolKind;
  origin: ToolOrigin;
  pop_id?: string | null;
  device_id?: string | null;
  target: string;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  parameters: Record<string, unknown>;
  result?: { summary?: string; reached?: boolean; output?: any } | null;
  summary?: string | null;
  error?: string | null;
  requested_by: string;
  executed_by?: string | null;
  created_at: string;
  finished_at?: string | null;
}

/** The request body field of each tool. */
export function bodyField(tool: ToolKind): string {
  return tool;
}

/** The body of POST /tool-runs for `tool` aimed at `target` with the form's extra fields. */
export function runBody(
  tool: ToolKind,
  target: string,
  origin: ToolOrigin,
  extra: {
    popId?: string;
    deviceId?: string;
    ports?: string;
    transport?: string;
    recordType?: string;
    server?: string;
    count?: number;
    rounds?: number;
    protocol?: string;
    direction?: SpeedDirection;
    megabytes?: number;
  },
): Record<string, unknown> {
  const body: Record<string, unknown> = { tool, origin };
  if (extra.popId) body.pop_id = extra.popId;
  if (extra.deviceId) body.device_id = extra.deviceId;
  switch (tool) {
    case "ping":
      body.ping = { target, count: extra.count ?? 10, interval_ms: 1000 };
      break;
    case "traceroute":
      body.traceroute = { target, protocol: extra.protocol ?? "icmp" };
      break;
    case "mtr":
      body.mtr = { target, protocol: extra.protocol ?? "icmp", rounds: extra.rounds ?? 10, interval_ms: 1000 };
      break;
    case "port_scan":
      body.port_scan = { target, ports: extra.ports || "1-1024", transport: extra.transport ?? "tcp" };
      break;
    case "ip_scan":
      body.ip_scan = { cidr: target };
      break;
    case "dns":
      body.dns = { name: target, type: extra.recordType ?? "A", ...(extra.server ? { server: extra.server } : {}) };
      break;
    case "http":
      body.http = { url: target };
      break;
    case "speedtest":
      body.speedtest = { direction: extra.direction ?? "download", bytes: Math.round((extra.megabytes ?? 10) * 1_000_000) };
      break;
  }
  return body;
}

/** A run followed live: the stored run (refetched on status events) and the output events so far. */
export function useToolRun(id: string | null): { run?: ToolRun; events: ToolEvent[]; error?: unknown } {
  const { realtime } = useApp();
  const entry = useQuery<ToolRun>(id ? `/api/v1/tool-runs/${id}` : null);
  const [events, setEvents] = useState<ToolEvent[]>([]);
  useTopics(id ? `tool-runs/${id}` : "");
  useEffect(() => {
    setEvents([]);
    if (!id) return;
    return realtime.onEvent((event) => {
      if (event.topic !== `tool-runs/${id}`) return;
      const data = event.data as ToolEvent;
      if (data && data.kind && data.kind !== "status") setEvents((list) => [...list.slice(-2000), data]);
    });
  }, [realtime, id]);
  return { run: entry.data, events, error: entry.error };
}

/** Ping probes: from the live events, or from the stored result once finished. */
export function pingProbes(run: ToolRun | undefined, events: ToolEvent[]): PingProbe[] {
  const stored: PingProbe[] | undefined = run?.result?.output?.probes;
  if (stored && stored.length) return stored;
  return events.filter((e) => e.kind === "probe" && e.probe).map((e) => e.probe as PingProbe);
}

/** The latest path report and, per hop, the last round trip of every round seen live. */
export function pathState(run: ToolRun | undefined, events: ToolEvent[]): { report?: PathReport; perHop: Map<number, (number | null)[]> } {
  const perHop = new Map<number, (number | null)[]>();
  const stored: PathReport | undefined = run?.result?.output?.hops ? (run.result.output as PathReport) : undefined;
  if (stored) {
    for (const hop of stored.hops) perHop.set(hop.hop, hop.samples ?? []);
    return { report: stored, perHop };
  }
  let report: PathReport | undefined;
  for (const event of events) {
    if (event.kind !== "path" || !event.path) continue;
    report = event.path;
    for (const hop of event.path.hops) {
      const list = perHop.get(hop.hop) ?? [];
      while (list.length < event.path.round - 1) list.push(null);
      list.push(hop.last_ms ?? null);
      perHop.set(hop.hop, list);
    }
  }
  return { report, perHop };
}

/** The latest progress of a speed test seen live. */
export function speedProgress(events: ToolEvent[]): SpeedTestProgress | undefined {
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index];
    if (event.kind === "progress" && event.progress) return event.progress;
  }
  return undefined;
}

/** What a run's reader needs of the translator: its text and its numbers. */
export type RunText = Pick<Translator, "t" | "number">;

/** A run's target in the reader's language: a speed test names its direction and size (the server's `target` is English). */
export function localTarget(run: ToolRun, { t, number }: RunText): string {
  if (run.tool !== "speedtest") return run.target;
  const direction = run.parameters.direction === "upload" ? "upload" : "download";
  const bytes = Number(run.parameters.bytes);
  if (!Number.isFinite(bytes)) return run.target;
  return t("tools.speed.target", { direction: t(`tools.direction.${direction}` as MessageKey), size: number(bytes / 1_000_000, { maximumFractionDigits: 1 }) });
}

/** A one-line summary of a finished run in the reader's language (the server's `summary` is English). */
export function localSummary(run: ToolRun, { t, number }: RunText): string | undefined {
  const o = run.result?.output;
  if (!o) return run.error ?? undefined;
  switch (run.tool) {
    case "ping":
      return t("tools.summary.ping", { received: o.statistics?.received ?? 0, sent: o.statistics?.sent ?? 0, loss: o.statistics?.loss_percent ?? 0 });
    case "traceroute":
    case "mtr":
      const hops = (o.hops ?? []).length;
      if (hops === 1) return t(o.reached_destination ? "tools.summary.pathOne" : "tools.summary.pathUnreachedOne");
      return t(o.reached_destination ? "tools.summary.path" : "tools.summary.pathUnreached", { hops });
    case "port_scan":
      return t("tools.summary.ports", { open: o.open ?? 0, closed: o.closed ?? 0, filtered: o.filtered ?? 0, scanned: o.scanned ?? 0 });
    case "ip_scan":
      return t("tools.summary.hosts", { found: (o.hosts ?? []).length, scanned: o.scanned ?? 0 });
    case "dns":
      return t("tools.summary.dns", { rcode: o.rcode ?? "?", answers: (o.answers ?? []).length, ms: o.query_time_ms ?? 0 });
    case "http":
      return o.status ? t("tools.summary.http", { status: o.status, ms: o.timing?.total_ms ?? 0 }) : t("tools.summary.httpFailed", { stage: o.failed_at ?? "?" });
    case "speedtest":
      return t(o.direction === "upload" ? "tools.summary.upload" : "tools.summary.download", {
        mbps: number(o.throughput_mbps ?? 0, { maximumFractionDigits: 1 }),
        ms: number(Math.round(o.duration_ms ?? 0)),
      });
  }
  return undefined;
}
