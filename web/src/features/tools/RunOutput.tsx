// The output of one run, live while it runs: ping probes with a round-trip chart, MTR/traceroute hops
// with a chart per hop, ports, hosts, DNS answers and HTTP details.
import { useApp } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { LineChart } from "../../ui/Chart";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { localSummary, localTarget, pathState, pingProbes, speedProgress, useToolRun, type HostResult, type PortResult, type ToolRun } from "./toolRuns";

const TONE: Record<string, string> = { queued: "neutral", running: "warn", succeeded: "ok", failed: "bad", cancelled: "neutral" };

export function RunOutput(props: { id: string; theme: string; compact?: boolean }) {
  const { t, number } = useI18n();
  const { api, can } = useApp();
  const { run, events, error } = useToolRun(props.id);
  if (error) return <ErrorNote error={error} />;
  if (!run) return <Loading />;
  const active = run.status === "queued" || run.status === "running";
  return (
    <section className="tool-run" data-testid="tool-run" data-status={run.status} aria-live="polite">
      <header className="tool-run-head">
        <strong>{t(`tools.tool.${run.tool}` as MessageKey)}</strong> <span className="mono">{localTarget(run, { t, number })}</span>{" "}
        <Badge tone={TONE[run.status] ?? "neutral"}>{t(`tools.status.${run.status}` as MessageKey)}</Badge>{" "}
        <span className="muted">{t(`tools.origin.${run.origin}` as MessageKey)}</span>
        {active && can("tools.execute") && (
          <button type="button" className="btn btn-small" onClick={() => api.post(`/api/v1/tool-runs/${run.id}/cancel`).catch(() => undefined)}>
            {t("tools.stop")}
          </button>
        )}
      </header>
      {run.result && <p className="tool-summary">{localSummary(run, { t, number })}</p>}
      {run.error && <p className="field-error">{run.error}</p>}
      {run.tool === "ping" && <PingOutput run={run} events={events} theme={props.theme} />}
      {(run.tool === "mtr" || run.tool === "traceroute") && <PathOutput run={run} events={events} theme={props.theme} compact={props.compact} />}
      {run.tool === "port_scan" && <PortOutput ports={(run.result?.output?.ports as PortResult[]) ?? events.filter((e) => e.port).map((e) => e.port as PortResult)} />}
      {run.tool === "ip_scan" && <HostOutput hosts={(run.result?.output?.hosts as HostResult[]) ?? events.filter((e) => e.host).map((e) => e.host as HostResult)} />}
      {run.tool === "dns" && run.result?.output && <DnsOutput output={run.result.output} />}
      {run.tool === "http" && run.result?.output && <HttpOutput output={run.result.output} number={number} />}
      {run.tool === "speedtest" && <SpeedOutput run={run} events={events} number={number} />}
    </section>
  );
}

function PingOutput(props: { run: ToolRun; events: ReturnType<typeof useToolRun>["events"]; theme: string }) {
  const { t } = useI18n();
  const probes = pingProbes(props.run, props.events);
  const stats = props.run.result?.output?.statistics;
  return (
    <>
      <LineChart
        title={t("tools.chart.rtt")}
        unit="ms"
        theme={props.theme}
        height={180}
        labels={probes.map((p) => String(p.sequence))}
        series={[{ label: "RTT", values: probes.map((p) => (p.rtt_ms ?? null) as number | null), colorVar: "--accent" }]}
      />
      {stats && (
        <dl className="tool-stats">
          <dt>{t("tools.stat.loss")}</dt>
          <dd>{stats.loss_percent}%</dd>
          <dt>min/avg/max</dt>
          <dd>
            {stats.min_ms ?? "—"} / {stats.avg_ms ?? "—"} / {stats.max_ms ?? "—"} ms
          </dd>
          <dt>mdev</dt>
          <dd>{stats.mdev_ms ?? "—"} ms</dd>
          <dt>{t("tools.stat.jitter")}</dt>
          <dd>{stats.jitter_ms ?? "—"} ms</dd>
        </dl>
      )}
      {!stats && (
        <ol className="tool-lines mono">
          {probes.slice(-10).map((p) => (
            <li key={p.sequence}>{p.rtt_ms == null ? t("tools.ping.lost", { seq: p.sequence }) : t("tools.ping.reply", { seq: p.sequence, ms: p.rtt_ms })}</li>
          ))}
        </ol>
      )}
    </>
  );
}

function PathOutput(props: { run: ToolRun; events: ReturnType<typeof useToolRun>["events"]; theme: string; compact?: boolean }) {
  const { t } = useI18n();
  const { report, perHop } = pathState(props.run, props.events);
  if (!report) return <p className="muted">{t("tools.waiting")}</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="hops">
        <caption className="sr-only">{t("tools.hops")}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{t("tools.hop.host")}</th>
            <th scope="col">{t("tools.stat.loss")}</th>
            <th scope="col">Snt</th>
            <th scope="col">Last</th>
            <th scope="col">Avg</th>
            <th scope="col">Best</th>
            <th scope="col">Wrst</th>
            <th scope="col">StDev</th>
            {!props.compact && <th scope="col">{t("tools.chart.rtt")}</th>}
          </tr>
        </thead>
        <tbody>
          {report.hops.map((hop) => (
            <tr key={hop.hop}>
              <td>{hop.hop}</td>
              <td className="mono">{hop.address ?? "* * *"}</td>
              <td>{hop.loss_percent}%</td>
              <td>{hop.sent}</td>
              <td>{hop.last_ms ?? "—"}</td>
              <td>{hop.avg_ms ?? "—"}</td>
              <td>{hop.best_ms ?? "—"}</td>
              <td>{hop.worst_ms ?? "—"}</td>
              <td>{hop.stdev_ms ?? "—"}</td>
              {!props.compact && (
                <td className="hop-chart">
                  <LineChart
                    title={t("tools.chart.hop", { hop: hop.hop })}
                    theme={props.theme}
                    height={48}
                    labels={(perHop.get(hop.hop) ?? []).map((_, i) => String(i + 1))}
                    series={[{ label: "RTT", values: perHop.get(hop.hop) ?? [], colorVar: "--accent" }]}
                  />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PortOutput(props: { ports: PortResult[] }) {
  const { t } = useI18n();
  return (
    <ul className="tool-lines mono" data-testid="ports">
      {props.ports.length === 0 && <li>{t("tools.ports.none")}</li>}
      {props.ports.map((p) => (
        <li key={p.port}>
          {p.port} {p.state} {p.service ?? ""}
        </li>
      ))}
    </ul>
  );
}

function HostOutput(props: { hosts: HostResult[] }) {
  return (
    <ul className="tool-lines mono" data-testid="hosts">
      {props.hosts.map((h) => (
        <li key={h.address}>
          {h.address} {h.rtt_ms} ms {h.hostname ?? ""} {h.mac ?? ""}
        </li>
      ))}
    </ul>
  );
}

function DnsOutput(props: { output: any }) {
  const o = props.output;
  return (
    <div className="mono" data-testid="dns">
      <p>
        {o.rcode} · {o.transport} · {o.query_time_ms} ms · AD={String(o.authentic_data)} · {o.server}
      </p>
      <ul className="tool-lines">
        {(o.answers ?? []).map((a: any, i: number) => (
          <li key={i}>
            {a.name} {a.ttl} {a.type} {a.data}
          </li>
        ))}
      </ul>
    </div>
  );
}

function HttpOutput(props: { output: any; number: (value: number) => string }) {
  const o = props.output;
  const timing = o.timing ?? {};
  return (
    <div data-testid="http">
      <p className="mono">
        {o.status ?? o.failed_at} {o.reason ?? o.error ?? ""} · {o.url}
      </p>
      <dl className="tool-stats">
        {["dns_ms", "connect_ms", "tls_ms", "first_byte_ms", "total_ms"].map((key) => (
          <div key={key}>
            <dt>{key.replace("_ms", "")}</dt>
            <dd>{timing[key] ?? "—"} ms</dd>
          </div>
        ))}
        {o.tls && (
          <div>
            <dt>TLS</dt>
            <dd>
              {o.tls.version} · {o.tls.subject} · {o.tls.not_after} ({o.tls.days_until_expiry})
            </dd>
          </div>
        )}
        <div>
          <dt>body</dt>
          <dd>{props.number(o.body_bytes ?? 0)} B</dd>
        </div>
      </dl>
    </div>
  );
}

function SpeedOutput(props: { run: ToolRun; events: ReturnType<typeof useToolRun>["events"]; number: (value: number) => string }) {
  const { t } = useI18n();
  const o = props.run.result?.output;
  const live = speedProgress(props.events);
  if (!o) {
    if (props.run.status !== "running" && props.run.status !== "queued") return null;
    if (!live) return <p className="muted">{t("tools.speed.waiting")}</p>;
    return (
      <div data-testid="speedtest-progress">
        <progress max={live.total} value={live.bytes} aria-label={t("tools.speed.bytes")} />
        <p className="mono">
          {props.number(live.bytes)} / {props.number(live.total)} B · {props.number(Math.round(live.throughput_mbps * 10) / 10)} Mbit/s
        </p>
      </div>
    );
  }
  const ms = (value?: number | null) => (value == null ? "—" : `${props.number(value)} ms`);
  return (
    <div data-testid="speedtest">
      <p className="speed-figure">
        <strong>{props.number(Math.round(o.throughput_mbps * 10) / 10)}</strong> Mbit/s <span className="muted">{t(`tools.direction.${o.direction}` as MessageKey)}</span>
      </p>
      <dl className="tool-stats">
        <div>
          <dt>{t("tools.speed.bytes")}</dt>
          <dd>{props.number(o.test_bytes)} B</dd>
        </div>
        <div>
          <dt>{t("tools.speed.serverBytes")}</dt>
          <dd>{o.server_bytes == null ? "—" : `${props.number(o.server_bytes)} B`}</dd>
        </div>
        <div>
          <dt>{t("tools.speed.duration")}</dt>
          <dd>{ms(o.duration_ms)}</dd>
        </div>
        <div>
          <dt>{t("tools.speed.connect")}</dt>
          <dd>{ms(o.connect_ms)}</dd>
        </div>
        <div>
          <dt>{t("tools.speed.firstByte")}</dt>
          <dd>{ms(o.first_byte_ms)}</dd>
        </div>
        <div>
          <dt>BOM → EOM</dt>
          <dd className="mono">
            {o.bom_time} → {o.eom_time}
          </dd>
        </div>
      </dl>
    </div>
  );
}
