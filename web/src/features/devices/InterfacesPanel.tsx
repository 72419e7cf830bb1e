// The device page's Interfaces tab: the equipment picker (POP → SNMP device → interface), the
// interface table with current rates and utilization, and the traffic chart of the chosen interface,
// which follows `metrics/<series id>` realtime events without reload, in a bounded window of points.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError } from "../../lib/api";
import { useApp, useQuery } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { buildQuery, navigate } from "../../lib/router";
import type { Device, Page, Pop } from "../../lib/types";
import { Card } from "../../ui/Card";
import { LineChart } from "../../ui/Chart";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { DataTable } from "../../ui/Table";
import {
  formatBits,
  latestRates,
  LiveWindow,
  RANGES,
  utilization,
  type LiveValue,
  type MetricQueryResult,
  type RangeName,
  type SNMPDeviceSummary,
  type SNMPInterface,
} from "./monitoring";

const iso = (ms: number) => new Date(ms).toISOString();

/** The Interfaces tab. `query.if` is the chosen ifIndex, `query.range` the chart range. */
export default function InterfacesPanel(props: { device: Device; query: Record<string, string>; theme: string }) {
  const { t } = useI18n();
  const d = props.device;
  const interfaces = useQuery<Page<SNMPInterface>>(`/api/v1/devices/${d.id}/interfaces?limit=500`);
  const range: RangeName = props.query.range in RANGES ? (props.query.range as RangeName) : "1h";
  const go = (changes: Record<string, string | undefined>) =>
    navigate(`/devices/${d.id}${buildQuery({ tab: "interfaces", if: props.query.if, range: props.query.range, ...changes })}`, true);

  let body: JSX.Element;
  if (!interfaces.data) {
    const notSnmp = interfaces.error instanceof ApiError && interfaces.error.status === 404;
    body = notSnmp ? (
      <p className="note" data-testid="not-snmp">
        {t("ifaces.notSnmp")}
      </p>
    ) : interfaces.error ? (
      <ErrorNote error={interfaces.error} retry={interfaces.reload} />
    ) : (
      <Loading />
    );
  } else {
    const rows = interfaces.data.items;
    const chosen = rows.find((i) => String(i.if_index) === props.query.if) ?? rows.find((i) => i.in_series_id && i.status === "up") ?? rows.find((i) => i.in_series_id);
    body = <InterfaceViews device={d} rows={rows} chosen={chosen} range={range} theme={props.theme} go={go} />;
  }
  return (
    <>
      <EquipmentPicker device={d} chosenIf={props.query.if} />
      {body}
    </>
  );
}

/** Provider (the shell's switcher) → POP → SNMP device: moves to that device's Interfaces tab. */
function EquipmentPicker(props: { device: Device; chosenIf?: string }) {
  const { t } = useI18n();
  const { can } = useApp();
  const [pop, setPop] = useState<string>(props.device.pop_id ?? "");
  const pops = useQuery<Page<Pop>>(can("pops.read") ? "/api/v1/pops?limit=500" : null);
  const devices = useQuery<Page<SNMPDeviceSummary>>(`/api/v1/snmp/devices?limit=500${pop ? `&pop_id=${pop}` : ""}`);
  const list = devices.data?.items ?? [];
  return (
    <Card className="picker">
      <div className="picker-row" data-testid="equipment-picker">
        {pops.data && (
          <div className="field">
            <label htmlFor="picker-pop">{t("devices.pop")}</label>
            <select id="picker-pop" value={pop} onChange={(e) => setPop(e.target.value)}>
              <option value="">{t("ifaces.allPops")}</option>
              {pops.data.items.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor="picker-device">{t("ifaces.equipment")}</label>
          <select
            id="picker-device"
            value={list.some((s) => s.device_id === props.device.id) ? props.device.id : ""}
            onChange={(e) => e.target.value && navigate(`/devices/${e.target.value}${buildQuery({ tab: "interfaces" })}`)}
          >
            {!list.some((s) => s.device_id === props.device.id) && <option value="">{t("ifaces.chooseEquipment")}</option>}
            {list.map((s) => (
              <option key={s.device_id} value={s.device_id}>
                {s.name} ({s.address})
              </option>
            ))}
          </select>
        </div>
      </div>
    </Card>
  );
}

function InterfaceViews(props: {
  device: Device;
  rows: SNMPInterface[];
  chosen?: SNMPInterface;
  range: RangeName;
  theme: string;
  go: (changes: Record<string, string | undefined>) => void;
}) {
  const { t, number, dateTime } = useI18n();
  const { api } = useApp();
  const { rows, chosen } = props;
  const ids = useMemo(() => rows.flatMap((i) => [i.in_series_id, i.out_series_id]).filter((id): id is number => !!id).slice(0, 500), [rows]);
  const [rates, setRates] = useState<Map<number, number>>(new Map());
  const lastRefresh = useRef(0);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (pending.current && clearTimeout(pending.current)), []);
  // Current rates: the newest rate of each counter in the raw samples of the last half hour, read again
  // after live samples of the chosen interface (one poll brings every interface's samples), at most
  // every 20 s: a sample within that time is read at its end.
  const refreshRates = useCallback(
    (force = false) => {
      if (!ids.length) return;
      const now = Date.now();
      const wait = lastRefresh.current + 20_000 - now;
      if (!force && wait > 0) {
        if (!pending.current) {
          pending.current = setTimeout(() => {
            pending.current = null;
            refreshRates(true);
          }, wait);
        }
        return;
      }
      lastRefresh.current = now;
      api
        .get<MetricQueryResult>(`/api/v1/metrics/query?series=${ids.join(",")}&from=${iso(now - 1_800_000)}&to=${iso(now + 60_000)}&step=60&resolution=raw`)
        .then((result) => setRates(latestRates(result, 8)))
        .catch(() => undefined);
    },
    [api, ids],
  );
  useEffect(() => refreshRates(true), [refreshRates]);

  const statusTone = (s: string) => (s === "up" ? "online" : s === "down" || s === "lower_layer_down" ? "offline" : "disabled");
  const speed = (bps?: number) => (bps ? formatBits(bps, number).replace("/s", "") : "—");
  return (
    <>
      {chosen ? (
        <TrafficChart key={`${chosen.if_index}-${props.range}`} device={props.device} iface={chosen} range={props.range} theme={props.theme} go={props.go} onLive={refreshRates} />
      ) : (
        <p className="note">{t("ifaces.noSeries")}</p>
      )}
      <Card title={t("ifaces.title")} labelledBy="ifaces-title">
        <DataTable
          caption={t("ifaces.title")}
          testId="interfaces"
          rows={rows}
          rowKey={(i) => String(i.if_index)}
          empty={t("ifaces.empty")}
          columns={[
            {
              key: "name",
              label: t("ifaces.name"),
              render: (i) => (
                <button
                  type="button"
                  className="btn-link"
                  aria-pressed={chosen?.if_index === i.if_index}
                  onClick={() => props.go({ if: String(i.if_index) })}
                  data-testid={`iface-${i.if_index}`}
                >
                  {i.name}
                </button>
              ),
            },
            { key: "alias", label: t("ifaces.alias"), render: (i) => i.alias || "—" },
            {
              key: "admin",
              label: t("ifaces.admin"),
              render: (i) => (i.admin_up === undefined ? "—" : <Badge tone={i.admin_up ? "online" : "disabled"}>{t(i.admin_up ? "ifaces.adminUp" : "ifaces.adminDown")}</Badge>),
            },
            {
              key: "oper",
              label: t("ifaces.oper"),
              render: (i) => (
                <span title={i.last_change_at ? t("ifaces.changed", { time: dateTime(i.last_change_at) }) : undefined}>
                  <Badge tone={statusTone(i.status)}>{t(`ifaces.status.${i.status}` as MessageKey)}</Badge>
                </span>
              ),
            },
            { key: "speed", label: t("ifaces.speed"), className: "num", render: (i) => speed(i.speed_bps) },
            { key: "rx", label: t("ifaces.rx"), className: "num", render: (i) => formatBits(i.in_series_id ? rates.get(i.in_series_id) : undefined, number) },
            { key: "tx", label: t("ifaces.tx"), className: "num", render: (i) => formatBits(i.out_series_id ? rates.get(i.out_series_id) : undefined, number) },
            {
              key: "util",
              label: t("ifaces.util"),
              className: "num",
              render: (i) => {
                const u = utilization(i.in_series_id ? rates.get(i.in_series_id) : undefined, i.out_series_id ? rates.get(i.out_series_id) : undefined, i.speed_bps);
                return u === null ? "—" : `${number(u, { maximumFractionDigits: 1 })} %`;
              },
            },
          ]}
        />
      </Card>
    </>
  );
}

/** Scales bits/s to the unit of the largest value, so the axis reads "Mbit/s" rather than 1e7. */
function scaleFor(values: (number | null)[]): { divisor: number; unit: string } {
  const top = Math.max(0, ...values.filter((v): v is number => v !== null));
  const units: [number, string][] = [
    [1e9, "Gbit/s"],
    [1e6, "Mbit/s"],
    [1e3, "kbit/s"],
  ];
  for (const [divisor, unit] of units) if (top >= divisor) return { divisor, unit };
  return { divisor: 1, unit: "bit/s" };
}

/** Rx/tx bits/s (and errors/s when the device has error counters) of one interface over a range, live. */
function TrafficChart(props: {
  device: Device;
  iface: SNMPInterface;
  range: RangeName;
  theme: string;
  go: (changes: Record<string, string | undefined>) => void;
  onLive: () => void;
}) {
  const { t, time, dateTime, number } = useI18n();
  const { api, realtime } = useApp();
  const { iface } = props;
  const spec = RANGES[props.range];
  const traffic = useRef(new LiveWindow(2, spec.seconds * 1000, undefined, 8));
  const errorWindow = useRef(new LiveWindow(2, spec.seconds * 1000));
  const [version, setVersion] = useState(0);
  const [failure, setFailure] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(false);
  const lines = [iface.in_series_id, iface.out_series_id];
  // Error counters (ifInErrors / ifOutErrors, 32-bit), when the device reports them.
  const errorIds = [iface.in_errors_series_id, iface.out_errors_series_id];
  const seriesKey = [...lines, ...errorIds].join(",");

  useEffect(() => {
    let cancelled = false;
    const all = [...lines, ...errorIds].filter((id): id is number => !!id);
    if (!all.length) return;
    const now = Date.now();
    const url = `/api/v1/metrics/query?series=${all.join(",")}&from=${iso(now - spec.seconds * 1000)}&to=${iso(now + 60_000)}&step=${spec.step}`;
    // The API picks raw samples or rollups for the range; rollups not built yet read as no points, so
    // the raw samples are asked for then.
    api
      .get<MetricQueryResult>(url)
      .then((result) => (result.series.some((s) => s.points.length) ? result : api.get<MetricQueryResult>(`${url}&resolution=raw`)))
      .then((result) => {
        if (cancelled) return;
        traffic.current.load(result, lines);
        errorWindow.current.load(result, errorIds);
        setLoaded(true);
        setVersion((v) => v + 1);
      })
      .catch((error) => !cancelled && setFailure(error));
    // Live: raw readings of the same series; rates against the previous reading.
    const offs = all.map((id) => realtime.subscribe(`metrics/${id}`));
    const off = realtime.onEvent((event) => {
      if (!event.topic.startsWith("metrics/")) return;
      const value = event.data as LiveValue;
      const reading = { at: Date.parse(value.at), value: value.value };
      let changed = false;
      lines.forEach((id, line) => {
        if (id && value.series_id === id) changed = traffic.current.push(line, reading, iface.counter_bits) || changed;
      });
      errorIds.forEach((id, line) => {
        if (id && value.series_id === id) changed = errorWindow.current.push(line, reading, 32) || changed;
      });
      if (changed) {
        setVersion((v) => v + 1);
        props.onLive();
      }
    });
    return () => {
      cancelled = true;
      offs.forEach((o) => o());
      off();
    };
    // seriesKey stands for lines and errorIds.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, realtime, seriesKey, spec.seconds, spec.step]);

  const points = useMemo(() => traffic.current.snapshot, [version]);
  const errorPoints = useMemo(() => errorWindow.current.snapshot, [version]);
  const label = (at: number) => (props.range === "1h" ? time(at) : dateTime(at).replace(/:\d\d$/, ""));
  const scale = scaleFor(points.flatMap((p) => p.values));
  const newest = points[points.length - 1];
  const title = t("ifaces.chartTitle", { name: iface.name });
  return (
    <Card
      title={title}
      labelledBy="traffic-title"
      actions={
        <div className="segmented" role="group" aria-label={t("ifaces.range")}>
          {(Object.keys(RANGES) as RangeName[]).map((r) => (
            <button key={r} type="button" className="btn btn-small" aria-pressed={props.range === r} onClick={() => props.go({ range: r === "1h" ? undefined : r })}>
              {t(`ifaces.range.${r}` as MessageKey)}
            </button>
          ))}
        </div>
      }
    >
      {failure ? <ErrorNote error={failure} /> : null}
      {!loaded && !failure && <Loading />}
      <div data-testid="traffic-chart" data-points={points.length} data-newest={newest ? iso(newest.at) : ""}>
        <LineChart
          labels={points.map((p) => label(p.at))}
          series={[
            { label: t("ifaces.rx"), values: points.map((p) => (p.values[0] === null ? null : +(p.values[0] / scale.divisor).toFixed(3))), colorVar: "--accent" },
            { label: t("ifaces.tx"), values: points.map((p) => (p.values[1] === null ? null : +(p.values[1] / scale.divisor).toFixed(3))), colorVar: "--status-pending" },
          ]}
          title={title}
          theme={props.theme}
          unit={scale.unit}
        />
      </div>
      <p className="muted small" data-testid="traffic-newest">
        {newest
          ? t("ifaces.newest", {
              time: dateTime(newest.at),
              rx: formatBits(newest.values[0], number),
              tx: formatBits(newest.values[1], number),
            })
          : t("ifaces.noPoints")}
      </p>
      {errorIds.some(Boolean) ? (
        <div data-testid="errors-chart" data-points={errorPoints.length}>
          <h3 className="chart-sub">{t("ifaces.errors")}</h3>
          <LineChart
            labels={errorPoints.map((p) => label(p.at))}
            series={[
              { label: t("ifaces.rxErrors"), values: errorPoints.map((p) => p.values[0]), colorVar: "--accent" },
              { label: t("ifaces.txErrors"), values: errorPoints.map((p) => p.values[1]), colorVar: "--status-pending" },
            ]}
            title={t("ifaces.errors")}
            theme={props.theme}
            unit={t("ifaces.errorsUnit")}
            height={160}
          />
        </div>
      ) : (
        <p className="muted small">{t("ifaces.noErrorCounters")}</p>
      )}
    </Card>
  );
}
