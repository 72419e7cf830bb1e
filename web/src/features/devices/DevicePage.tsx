import { lazy, useState } from "react";
import { useApp, useQuery, useTopics } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { buildQuery, Link, navigate } from "../../lib/router";
import type { ActionResult, Device, DeviceTask, OpticsEntry, Page, Pop } from "../../lib/types";
import { Card } from "../../ui/Card";
import { DataTable } from "../../ui/Table";
import { DiagnosePanel } from "./DiagnosePanel";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { StatusBadge } from "./DeviceList";
import { ParameterTree } from "./ParameterTree";
import { WifiPanel } from "./WifiPanel";

// Monitoring tabs load on first use (Chart.js stays out of the initial bundle).
const InterfacesPanel = lazy(() => import("./InterfacesPanel"));
const TimelinePanel = lazy(() => import("./TimelinePanel"));

const TABS = ["overview", "timeline", "parameters", "tasks", "wifi", "optics", "interfaces", "diagnose"] as const;
type Tab = (typeof TABS)[number];

/** One device: identity and status, and its sections as tabs (the tab is in the URL). */
export function DevicePage(props: { id: string; query: Record<string, string> }) {
  const { t } = useI18n();
  const { can } = useApp();
  const base = `/api/v1/devices/${props.id}`;
  // Device rows publish on `devices` (with the id in the data), tasks and provisioning on `devices/<id>`.
  useTopics("devices", `devices/${props.id}`);
  const device = useQuery<Device>(base);
  const visible = TABS.filter((tab) => (tab === "optics" || tab === "interfaces" ? can("monitoring.read") : tab === "diagnose" ? can("tools.execute") : true));
  const tab: Tab = (visible as readonly string[]).includes(props.query.tab) ? (props.query.tab as Tab) : "overview";
  const select = (name: Tab) => navigate(`/devices/${props.id}${buildQuery({ tab: name === "overview" ? undefined : name })}`, true);
  if (!device.data) return device.error ? <ErrorNote error={device.error} retry={device.reload} /> : <Loading />;
  const d = device.data;
  return (
    <>
      <div className="page-head">
        <p className="crumbs">
          <Link href="/devices">{t("nav.devices")}</Link> /
        </p>
        <h1>
          {d.name} <StatusBadge status={d.status} />
        </h1>
        <p className="muted">{[t(`kind.${d.kind}` as MessageKey), d.vendor, d.model, d.management_ip].filter(Boolean).join(" · ")}</p>
      </div>
      <div
        className="tabs"
        role="tablist"
        aria-label={t("device.tabs")}
        onKeyDown={(event) => {
          // Arrow keys move between tabs (WAI-ARIA tabs pattern); the selected tab is the one Tab stop.
          const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
          if (!step) return;
          event.preventDefault();
          const next = visible[(visible.indexOf(tab) + step + visible.length) % visible.length];
          select(next);
          document.getElementById(`tab-${next}`)?.focus();
        }}
      >
        {visible.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            id={`tab-${name}`}
            aria-selected={tab === name}
            aria-controls={`panel-${name}`}
            tabIndex={tab === name ? 0 : -1}
            className="tab"
            onClick={() => select(name)}
          >
            {t(`device.tab.${name}` as MessageKey)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "overview" && <Overview device={d} />}
        {tab === "timeline" && <TimelinePanel deviceId={d.id} />}
        {tab === "parameters" && <ParameterTree deviceId={d.id} />}
        {tab === "tasks" && <Tasks deviceId={d.id} />}
        {tab === "wifi" && <WifiPanel device={d} />}
        {tab === "interfaces" && <InterfacesPanel device={d} query={props.query} theme={document.documentElement.dataset.theme ?? "system"} />}
        {tab === "optics" && <Optics deviceId={d.id} />}
        {tab === "diagnose" && <DiagnosePanel device={d} theme={document.documentElement.dataset.theme ?? "system"} />}
      </div>
    </>
  );
}

function Overview(props: { device: Device }) {
  const { t, dateTime, relative } = useI18n();
  const { can } = useApp();
  const d = props.device;
  const pop = useQuery<Pop>(d.pop_id && can("pops.read") ? `/api/v1/pops/${d.pop_id}` : null);
  const rows: [string, string | undefined][] = [
    [t("device.serial"), d.serial_number],
    [t("device.oui"), d.oui],
    [t("device.productClass"), d.product_class],
    [t("device.firmware"), d.firmware],
    [t("device.hardware"), d.hardware_version],
    [t("device.mac"), d.mac],
    [t("devices.ip"), d.management_ip],
    [t("devices.pop"), d.pop_id ? pop.data?.name ?? "…" : t("common.noPop")],
    [t("devices.lastSeen"), d.last_seen_at ? `${relative(d.last_seen_at)} (${dateTime(d.last_seen_at)})` : t("devices.never")],
    [t("device.created"), dateTime(d.created_at)],
  ];
  return (
    <div className="grid two">
      <Card title={t("device.identity")} labelledBy="identity-title">
        <dl className="facts" data-testid="identity">
          {rows.map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value || "—"}</dd>
            </div>
          ))}
          <div>
            <dt>{t("device.tags")}</dt>
            <dd>{d.tags.length ? d.tags.map((tag) => <Badge key={tag} tone="tag">{tag}</Badge>) : "—"}</dd>
          </div>
        </dl>
      </Card>
      {can("devices.execute") && <Actions device={d} />}
    </div>
  );
}

type RemoteAction = "reboot" | "factory_reset";

/** Reboot and factory reset, each after a confirmation naming the device. */
function Actions(props: { device: Device }) {
  const { t } = useI18n();
  const { api, cache, online } = useApp();
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState<RemoteAction | null>(null);
  const run = async (type: RemoteAction) => {
    setConfirming(null);
    setError(null);
    setMessage(null);
    try {
      const result = await api.post<ActionResult>(`/api/v1/devices/${props.device.id}/actions`, { type });
      setMessage(t("device.actionQueued", { task: result.task_id?.slice(0, 8) ?? "—" }));
      cache.invalidate(`/api/v1/devices/${props.device.id}/tasks`);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <Card title={t("device.actions")} labelledBy="actions-title">
      {!online && <p className="note">{t("shell.offlineAction")}</p>}
      {confirming ? (
        <div className="confirm" role="alertdialog" aria-labelledby="action-confirm">
          <p id="action-confirm">{t(confirming === "reboot" ? "device.rebootConfirm" : "device.resetConfirm", { name: props.device.name })}</p>
          <div className="row">
            <button type="button" className="btn btn-danger" onClick={() => run(confirming)} autoFocus>
              {t("common.confirm")}
            </button>
            <button type="button" className="btn" onClick={() => setConfirming(null)}>
              {t("common.cancel")}
            </button>
          </div>
        </div>
      ) : (
        <div className="row">
          <button type="button" className="btn" disabled={!online} onClick={() => setConfirming("reboot")} data-testid="reboot">
            {t("device.reboot")}
          </button>
          <button type="button" className="btn" disabled={!online} onClick={() => setConfirming("factory_reset")} data-testid="factory-reset">
            {t("device.reset")}
          </button>
        </div>
      )}
      {message && (
        <p className="note note-ok" role="status">
          {message}
        </p>
      )}
      {error ? <ErrorNote error={error} /> : null}
    </Card>
  );
}

function Tasks(props: { deviceId: string }) {
  const { t, dateTime, number } = useI18n();
  const tasks = useQuery<Page<DeviceTask>>(`/api/v1/devices/${props.deviceId}/tasks?limit=50`);
  if (!tasks.data) return tasks.error ? <ErrorNote error={tasks.error} retry={tasks.reload} /> : <Loading />;
  const tone = (s: DeviceTask["status"]) => (s === "done" ? "online" : s === "fault" || s === "expired" ? "offline" : "pending");
  return (
    <Card>
      <DataTable
        caption={t("device.tab.tasks")}
        rows={tasks.data.items}
        rowKey={(task) => task.id}
        empty={t("tasks.empty")}
        columns={[
          { key: "type", label: t("tasks.type"), render: (task) => <code>{task.type}</code> },
          {
            key: "status",
            label: t("tasks.status"),
            render: (task) => (
              <>
                <Badge tone={tone(task.status)}>{t(`task.${task.status}` as MessageKey)}</Badge>
                {task.fault?.string && <span className="muted"> {task.fault.string}</span>}
              </>
            ),
          },
          {
            key: "reach",
            label: t("tasks.reach"),
            render: (task) => {
              const cr = task.connection_request;
              if (!cr) return "—";
              const started = task.started_at ? (Date.parse(task.started_at) - Date.parse(task.created_at)) / 1000 : null;
              return (
                <span title={cr.outcome}>
                  {cr.path === "none" ? (
                    <span className="muted">{t("tasks.reachNone")}</span>
                  ) : (
                    <>
                      <Badge tone={/^(accepted|sent|acknowledged)/.test(cr.outcome) ? "online" : "offline"}>{cr.path.toUpperCase()}</Badge>{" "}
                      {t("tasks.reachTook", { ms: number(cr.milliseconds) })}
                    </>
                  )}
                  {started !== null && started >= 0 && (
                    <span className="muted"> · {t("tasks.started", { seconds: number(started, { maximumFractionDigits: 1 }) + " s" })}</span>
                  )}
                </span>
              );
            },
          },
          { key: "created", label: t("tasks.created"), render: (task) => dateTime(task.created_at) },
          { key: "finished", label: t("tasks.finished"), render: (task) => dateTime(task.finished_at) },
        ]}
      />
    </Card>
  );
}

function Optics(props: { deviceId: string }) {
  const { t, number } = useI18n();
  const optics = useQuery<Page<OpticsEntry>>(`/api/v1/devices/${props.deviceId}/optics?limit=500`);
  if (!optics.data) return optics.error ? <ErrorNote error={optics.error} retry={optics.reload} /> : <Loading />;
  const dbm = (v?: number) => (v === undefined ? "—" : number(v, { minimumFractionDigits: 1, maximumFractionDigits: 1 }));
  return (
    <Card>
      <DataTable
        caption={t("device.tab.optics")}
        rows={optics.data.items}
        rowKey={(o) => `${o.scope}/${o.item}`}
        empty={t("optics.empty")}
        columns={[
          { key: "item", label: t("optics.item"), render: (o) => <code>{o.item}</code> },
          { key: "label", label: t("optics.label"), render: (o) => o.label ?? "—" },
          { key: "rx", label: t("optics.rx"), className: "num", render: (o) => dbm(o.rx_dbm) },
          { key: "tx", label: t("optics.tx"), className: "num", render: (o) => dbm(o.tx_dbm) },
          { key: "range", label: t("optics.range"), render: (o) => `${dbm(o.thresholds.rx_min)} … ${dbm(o.thresholds.rx_max)}` },
          {
            key: "status",
            label: t("optics.status"),
            render: (o) => <Badge tone={o.status === "ok" ? "online" : o.status === "unknown" ? "disabled" : "offline"}>{t(`optics.${o.status}` as MessageKey)}</Badge>,
          },
        ]}
      />
    </Card>
  );
}
