import { useState, type FormEvent } from "react";
import { ApiError } from "../../lib/api";
import { useApp, useQuery, useTopics } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { Link } from "../../lib/router";
import type { Incident, IncidentDetail, Page } from "../../lib/types";
import { Card } from "../../ui/Card";
import { DataTable } from "../../ui/Table";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { SeverityBadge } from "./AlertsBoard";

function StatusOf(props: { status: Incident["status"] }) {
  const { t } = useI18n();
  const tone = props.status === "resolved" ? "online" : props.status === "acknowledged" ? "pending" : "offline";
  return <Badge tone={tone}>{t(`incidentStatus.${props.status}` as MessageKey)}</Badge>;
}

/** Open incidents, newest first, live on the `incidents` topic. */
export function IncidentList() {
  const { t, relative, number } = useI18n();
  useTopics("incidents");
  const incidents = useQuery<Page<Incident>>("/api/v1/incidents?limit=100&open=true");
  return (
    <>
      <div className="page-head">
        <h1>{t("incidents.title")}</h1>
        <p>
          <Link href="/alerts">{t("nav.alerts")} →</Link>
        </p>
      </div>
      <Card>
        {incidents.error instanceof ApiError && incidents.error.status === 404 ? (
          <p className="note">{t("alerts.unavailable")}</p>
        ) : incidents.error ? (
          <ErrorNote error={incidents.error} retry={incidents.reload} />
        ) : !incidents.data ? (
          <Loading />
        ) : (
          <DataTable
            caption={t("incidents.title")}
            rows={incidents.data.items}
            rowKey={(i) => i.id}
            empty={t("incidents.empty")}
            columns={[
              { key: "severity", label: t("alerts.severity"), render: (i) => <SeverityBadge severity={i.severity} /> },
              { key: "title", label: t("incidents.title"), render: (i) => <Link href={`/incidents/${i.id}`}>{i.title}</Link> },
              { key: "status", label: t("incidents.status"), render: (i) => <StatusOf status={i.status} /> },
              { key: "affected", label: t("alerts.affected"), className: "num", render: (i) => (i.affected === undefined ? "—" : number(i.affected)) },
              { key: "opened", label: t("incidents.opened"), render: (i) => relative(i.opened_at) },
            ]}
          />
        )}
      </Card>
    </>
  );
}

/** One incident: its state, timeline and alerts; acknowledge, resolve and notes for who may. */
export function IncidentPage(props: { id: string }) {
  const { t, dateTime, duration, relative } = useI18n();
  const { api, can, cache, online } = useApp();
  const url = `/api/v1/incidents/${props.id}`;
  useTopics("incidents", "alerts");
  const detail = useQuery<IncidentDetail>(url);
  const [note, setNote] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!detail.data) return detail.error ? <ErrorNote error={detail.error} retry={detail.reload} /> : <Loading />;
  const { incident, events, alerts } = detail.data;
  const act = async (path: string, body?: unknown) => {
    setBusy(true);
    setError(null);
    try {
      await api.post(`${url}/${path}`, body);
      cache.invalidate("/api/v1/incidents", "/api/v1/alerts");
      return true;
    } catch (failure) {
      setError(failure);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const addNote = async (event: FormEvent) => {
    event.preventDefault();
    if (note.trim() && (await act("notes", { text: note.trim() }))) setNote("");
  };
  const writable = can("alerts.write") && online;
  return (
    <>
      <div className="page-head">
        <p className="crumbs">
          <Link href="/incidents">{t("nav.incidents")}</Link> /
        </p>
        <h1>
          {incident.title} <SeverityBadge severity={incident.severity} /> <StatusOf status={incident.status} />
        </h1>
        <p className="muted">
          {t("incidents.opened")} {dateTime(incident.opened_at)} · {t("incidents.tta")}: {duration(incident.time_to_acknowledge)} · {t("incidents.ttr")}:{" "}
          {duration(incident.time_to_resolve)}
        </p>
      </div>
      {can("alerts.write") && incident.status !== "resolved" && (
        <div className="row">
          {incident.status === "open" && (
            <button type="button" className="btn btn-primary" disabled={!writable || busy} onClick={() => act("acknowledge")}>
              {t("incidents.acknowledge")}
            </button>
          )}
          <button type="button" className="btn" disabled={!writable || busy} onClick={() => act("resolve")}>
            {t("incidents.resolve")}
          </button>
        </div>
      )}
      {error ? <ErrorNote error={error} /> : null}
      <div className="grid two">
        <Card title={t("incidents.timeline")} labelledBy="timeline-title">
          <ol className="timeline">
            {events.map((e, i) => (
              <li key={i}>
                <time dateTime={e.at} title={dateTime(e.at)}>
                  {relative(e.at)}
                </time>{" "}
                <strong>{e.kind}</strong> {e.actor && <span className="muted">{e.actor}</span>}
                {e.text && <p>{e.text}</p>}
              </li>
            ))}
          </ol>
          {can("alerts.write") && (
            <form onSubmit={addNote} className="note-form">
              <label htmlFor="incident-note">{t("incidents.note")}</label>
              <textarea id="incident-note" rows={3} value={note} onChange={(e) => setNote(e.target.value)} disabled={!writable || busy} />
              <button type="submit" className="btn" disabled={!writable || busy || !note.trim()}>
                {t("incidents.addNote")}
              </button>
            </form>
          )}
        </Card>
        <Card title={t("incidents.alerts")} labelledBy="incident-alerts-title">
          <DataTable
            caption={t("incidents.alerts")}
            rows={alerts}
            rowKey={(a) => a.id}
            columns={[
              { key: "severity", label: t("alerts.severity"), render: (a) => <SeverityBadge severity={a.severity} /> },
              { key: "rule", label: t("alerts.rule"), render: (a) => a.rule_name ?? a.rule_id },
              { key: "target", label: t("alerts.target"), render: (a) => (a.device_id ? <Link href={`/devices/${a.device_id}`}>{a.device_name ?? a.device_id}</Link> : a.target ?? "—") },
              { key: "state", label: t("alerts.state"), render: (a) => t(`alertState.${a.state}` as MessageKey) },
            ]}
          />
        </Card>
      </div>
    </>
  );
}
