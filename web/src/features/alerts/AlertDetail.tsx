// One alert: its facts, the timeline of its transitions and every notification attempt about it.
import { useApp, useQuery, useTopics } from "../../lib/app";
import { inLocale, useI18n, type MessageKey } from "../../lib/i18n";
import { buildQuery, Link } from "../../lib/router";
import type { AlertWithEvents, NotificationDelivery, Page } from "../../lib/types";
import { Card } from "../../ui/Card";
import { DataTable } from "../../ui/Table";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { SeverityBadge } from "./AlertsBoard";
import { DeliveryOutcome } from "./Channels";
import { AlertsNav } from "./AlertsNav";
import { SuppressedBy } from "./SuppressedBy";

export function AlertDetail(props: { id: string; path: string }) {
  const { t, dateTime, relative, number, locale } = useI18n();
  const { can } = useApp();
  useTopics("alerts");
  const detail = useQuery<AlertWithEvents>(`/api/v1/alerts/${props.id}`);
  const deliveries = useQuery<Page<NotificationDelivery>>(`/api/v1/alerts/${props.id}/notifications`);
  if (!detail.data) {
    return (
      <>
        <AlertsNav path={props.path} />
        {detail.error ? <ErrorNote error={detail.error} retry={detail.reload} /> : <Loading />}
      </>
    );
  }
  const { alert, events } = detail.data;
  const silenceQuery = buildQuery({ "m.rule_id": alert.rule_id, "m.device_id": alert.device_id ?? undefined, "m.target": alert.device_id ? undefined : alert.target });
  return (
    <>
      <AlertsNav path={props.path} />
      <div className="page-head">
        <p className="crumbs">
          <Link href="/alerts">{t("alerts.title")}</Link> /
        </p>
        <h1>
          {alert.rule_name ?? alert.rule_id} <SeverityBadge severity={alert.severity} /> <Badge tone={`state-${alert.state}`}>{t(`alertState.${alert.state}` as MessageKey)}</Badge>
        </h1>
        {can("alerts.write") && alert.state !== "resolved" && (
          <Link href={`/alerts/silences${silenceQuery}`} className="btn">
            {t("alertDetail.silence")}
          </Link>
        )}
      </div>
      <Card>
        <dl className="facts" data-testid="alert-facts">
          <div>
            <dt>{t("alerts.target")}</dt>
            <dd>{alert.device_id ? <Link href={`/devices/${alert.device_id}`}>{alert.device_name ?? alert.target}</Link> : alert.target}</dd>
          </div>
          <div>
            <dt>{t("alertDetail.summary")}</dt>
            <dd>{alert.summary ? inLocale(locale, alert.summary, alert.summary_pt_br) : "—"}</dd>
          </div>
          <div>
            <dt>{t("alerts.value")}</dt>
            <dd>{alert.no_data ? t("alerts.noData") : alert.value === undefined || alert.value === null ? "—" : number(alert.value)}</dd>
          </div>
          <div>
            <dt>{t("alertDetail.started")}</dt>
            <dd>{dateTime(alert.started_at)}</dd>
          </div>
          <div>
            <dt>{t("alertDetail.fired")}</dt>
            <dd>{dateTime(alert.fired_at)}</dd>
          </div>
          <div>
            <dt>{t("alertDetail.resolved")}</dt>
            <dd>{dateTime(alert.resolved_at)}</dd>
          </div>
          {alert.suppressed_by && (
            <div>
              <dt>{t("alertDetail.suppressed")}</dt>
              <dd>
                <SuppressedBy value={alert.suppressed_by} />
              </dd>
            </div>
          )}
          {alert.incident_id && (
            <div>
              <dt>{t("alertDetail.incident")}</dt>
              <dd>
                <Link href={`/incidents/${alert.incident_id}`}>{t("alertDetail.openIncident")}</Link>
              </dd>
            </div>
          )}
          <div>
            <dt>{t("alertDetail.rule")}</dt>
            <dd>
              <Link href={`/alerts/rules/${alert.rule_id}`}>{alert.rule_name ?? alert.rule_id}</Link>
            </dd>
          </div>
        </dl>
      </Card>
      <div className="grid two">
        <Card title={t("incidents.timeline")} labelledBy="alert-timeline">
          <ol className="timeline" data-testid="alert-timeline">
            {events.map((e, i) => (
              <li key={i}>
                <time dateTime={e.at} title={dateTime(e.at)}>
                  {relative(e.at)}
                </time>{" "}
                <strong>{t(`alertState.${e.state}` as MessageKey)}</strong> {e.value !== undefined && e.value !== null && <span className="muted">{number(e.value)}</span>}
                {e.note && (
                  <p>{e.note === alert.summary ? inLocale(locale, alert.summary, alert.summary_pt_br) : <SuppressedBy value={e.note} />}</p>
                )}
              </li>
            ))}
          </ol>
        </Card>
        <Card title={t("alertDetail.deliveries")} labelledBy="alert-deliveries">
          {deliveries.error ? (
            <ErrorNote error={deliveries.error} retry={deliveries.reload} />
          ) : !deliveries.data ? (
            <Loading />
          ) : (
            <DataTable
              caption={t("alertDetail.deliveries")}
              rows={deliveries.data.items}
              rowKey={(d) => `${d.channel_id}-${d.at}-${d.attempt}`}
              empty={t("alertDetail.noDeliveries")}
              testId="delivery-table"
              columns={[
                { key: "at", label: t("alertDetail.at"), render: (d) => dateTime(d.at) },
                { key: "channel", label: t("channels.name"), render: (d) => d.channel_name ?? d.channel_id.slice(0, 8) },
                { key: "status", label: t("alertDetail.told"), render: (d) => `${t(`delivery.status.${d.status}` as MessageKey)}${d.reason ? ` · ${t(`delivery.reason.${d.reason}` as MessageKey)}` : ""}` },
                {
                  key: "outcome",
                  label: t("alertDetail.outcome"),
                  render: (d) => (
                    <>
                      <DeliveryOutcome d={d} /> <span className="muted">{t("delivery.attempt", { n: d.attempt })}</span>
                      {d.detail && <div className="muted wrap">{d.detail}</div>}
                    </>
                  ),
                },
              ]}
            />
          )}
        </Card>
      </div>
    </>
  );
}
