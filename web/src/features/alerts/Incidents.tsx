import { useState, type FormEvent } from "react";
import { ApiError } from "../../lib/api";
import { useApp, useQuery, useTopics } from "../../lib/app";
import { inLocale, useI18n, type MessageKey } from "../../lib/i18n";
import { Link } from "../../lib/router";
import type { Incident, IncidentDetail, Page, User } from "../../lib/types";
import { Card } from "../../ui/Card";
import { DataTable } from "../../ui/Table";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { SeverityBadge } from "./AlertsBoard";
import { AlertsNav, labelOf } from "./AlertsNav";

function StatusOf(props: { status: Incident["status"] }) {
  const { t } = useI18n();
  const tone = props.status === "resolved" ? "online" : props.status === "acknowledged" ? "pending" : "offline";
  return <Badge tone={tone}>{t(`incidentStatus.${props.status}` as MessageKey)}</Badge>;
}

/** Open incidents, newest first, live on the `incidents` topic. */
export function IncidentList(props: { path: string }) {
  const { t, relative, number, locale } = useI18n();
  useTopics("incidents");
  const [open, setOpen] = useState(true);
  const incidents = useQuery<Page<Incident>>(`/api/v1/incidents?limit=100${open ? "&open=true" : ""}`);
  return (
    <>
      <AlertsNav path={props.path} />
      <div className="page-head">
        <h1>{t("incidents.title")}</h1>
      </div>
      <Card>
        <div className="filters">
          <div className="segmented" role="group" aria-label={t("incidents.status")}>
            {([true, false] as const).map((value) => (
              <button key={String(value)} type="button" className="btn btn-small" aria-pressed={open === value} onClick={() => setOpen(value)}>
                {t(value ? "incidents.open" : "common.all")}
              </button>
            ))}
          </div>
        </div>
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
            empty={t(open ? "incidents.empty" : "incidents.none")}
            testId="incident-table"
            columns={[
              { key: "severity", label: t("alerts.severity"), render: (i) => <SeverityBadge severity={i.severity} /> },
              { key: "title", label: t("incidents.title"), render: (i) => <Link href={`/incidents/${i.id}`}>{inLocale(locale, i.title, i.title_pt_br)}</Link> },
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

/** One incident: its state, timeline and alerts; acknowledge, assign, notes and resolve for who may. */
export function IncidentPage(props: { id: string; path: string }) {
  const { t, dateTime, duration, relative, locale } = useI18n();
  const { api, can, cache, online } = useApp();
  const url = `/api/v1/incidents/${props.id}`;
  useTopics("incidents", "alerts");
  const detail = useQuery<IncidentDetail>(url);
  // The assignee picker needs users.read; without it the assignee is shown by id.
  const users = useQuery<Page<User>>(can("users.read") ? "/api/v1/users?limit=500" : null);
  const [note, setNote] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!detail.data) {
    return (
      <>
        <AlertsNav path={props.path} />
        {detail.error ? <ErrorNote error={detail.error} retry={detail.reload} /> : <Loading />}
      </>
    );
  }
  const { incident, events, alerts } = detail.data;
  const userName = (id?: string | null) => {
    if (!id) return t("incidents.nobody");
    const user = users.data?.items.find((u) => u.id === id);
    return user ? user.name || user.email : id.slice(0, 8);
  };
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
  const open = incident.status !== "resolved";
  return (
    <>
      <AlertsNav path={props.path} />
      <div className="page-head">
        <p className="crumbs">
          <Link href="/incidents">{t("nav.incidents")}</Link> /
        </p>
        <h1>
          {inLocale(locale, incident.title, incident.title_pt_br)} <SeverityBadge severity={incident.severity} /> <StatusOf status={incident.status} />
        </h1>
        <p className="muted">
          {t("incidents.opened")} {dateTime(incident.opened_at)} · {t("incidents.tta")}: {duration(incident.time_to_acknowledge)} · {t("incidents.ttr")}:{" "}
          {duration(incident.time_to_resolve)} · {t("incidents.assignee")}: <span data-testid="assignee">{userName(incident.assigned_to)}</span>
        </p>
      </div>
      {can("alerts.write") && open && (
        <div className="row actions-bar">
          {incident.status === "open" && (
            <button type="button" className="btn btn-primary" disabled={!writable || busy} onClick={() => act("acknowledge")}>
              {t("incidents.acknowledge")}
            </button>
          )}
          {users.data && (
            <div className="field field-inline">
              <label htmlFor="incident-assignee">{t("incidents.assignTo")}</label>
              <select id="incident-assignee" value={incident.assigned_to ?? ""} disabled={!writable || busy} onChange={(e) => act("assign", { user_id: e.target.value || null })}>
                <option value="">{t("incidents.nobody")}</option>
                {users.data.items.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name || u.email}
                  </option>
                ))}
              </select>
            </div>
          )}
          <button type="button" className="btn" disabled={!writable || busy} onClick={() => act("resolve")}>
            {t("incidents.resolve")}
          </button>
        </div>
      )}
      {error ? <ErrorNote error={error} /> : null}
      <div className="grid two">
        <Card title={t("incidents.timeline")} labelledBy="timeline-title">
          <ol className="timeline" data-testid="incident-timeline">
            {events.map((e, i) => (
              <li key={i} className={`event-${e.kind}`}>
                <time dateTime={e.at} title={dateTime(e.at)}>
                  {relative(e.at)}
                </time>{" "}
                <strong>{labelOf(t, `incidentEvent.${e.kind}`, e.kind)}</strong> {e.actor && <span className="muted">{e.actor}</span>}
                {e.text && <p>{e.kind === "assigned" ? t("incidents.assignedTo", { name: userName(e.text) }) : inLocale(locale, e.text, e.text_pt_br)}</p>}
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
              { key: "rule", label: t("alerts.rule"), render: (a) => <Link href={`/alerts/${a.id}`}>{a.rule_name ?? a.rule_id}</Link> },
              { key: "target", label: t("alerts.target"), render: (a) => (a.device_id ? <Link href={`/devices/${a.device_id}`}>{a.device_name ?? a.device_id}</Link> : a.target ?? "—") },
              { key: "state", label: t("alerts.state"), render: (a) => t(`alertState.${a.state}` as MessageKey) },
            ]}
          />
        </Card>
      </div>
    </>
  );
}
