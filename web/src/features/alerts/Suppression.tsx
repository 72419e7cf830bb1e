// Silences (label matchers over a time span, ended early with "end now") and maintenance windows
// (one-off or repeating daily/weekly over the provider, a POP, a group or a device).
import { useMemo, useState, type FormEvent } from "react";
import { useApp, useQuery, useTopics } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import type { Alert, MaintenanceWindow, Page, Scope, Silence } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Field, Select, TextArea } from "../../ui/Form";
import { DataTable } from "../../ui/Table";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { AlertsNav } from "./AlertsNav";
import { ConfirmButton, fieldErrors, FormProblem, ScopePicker, ScopeText, useAction, useScopeNames } from "./common";
import { isoToLocal, localToISO } from "../../lib/zone";
import { alertLabels, matchersMatch, parseMatchers, silenceState, type FieldErrors } from "./logic";
import { useCheck } from "./useCheck";

const HOUR = 3600_000;

export function Silences(props: { path: string; query: Record<string, string> }) {
  const { t, dateTime } = useI18n();
  const { api, cache, can, online } = useApp();
  useTopics("alerts");
  const [show, setShow] = useState<"active" | "all">("active");
  // The API's `active=true` keeps only silences in force now; scheduled ones are shown with them, so
  // the newest 200 are read and the ended ones left out here.
  const silences = useQuery<Page<Silence>>("/api/v1/silences?limit=200");
  const action = useAction();
  const writable = can("alerts.write") && online;
  const end = async (s: Silence) => {
    const done = await action.run(async () => {
      await api.request("DELETE", `/api/v1/silences/${s.id}`);
      return true;
    });
    if (done) cache.invalidate("/api/v1/silences", "/api/v1/alerts");
  };
  return (
    <>
      <AlertsNav path={props.path} />
      <div className="page-head">
        <h1>{t("silences.title")}</h1>
      </div>
      {can("alerts.write") && <SilenceForm initial={props.query} />}
      <Card title={t("silences.list")} labelledBy="silence-list">
        <div className="filters">
          <div className="segmented" role="group" aria-label={t("silences.show")}>
            {(["active", "all"] as const).map((s) => (
              <button key={s} type="button" className="btn btn-small" aria-pressed={show === s} onClick={() => setShow(s)}>
                {t(s === "active" ? "silences.active" : "silences.all")}
              </button>
            ))}
          </div>
        </div>
        {action.error ? <ErrorNote error={action.error} /> : null}
        {silences.error ? (
          <ErrorNote error={silences.error} retry={silences.reload} />
        ) : !silences.data ? (
          <Loading />
        ) : (
          <DataTable
            caption={t("silences.list")}
            rows={show === "active" ? silences.data.items.filter((s) => silenceState(s) !== "expired") : silences.data.items}
            rowKey={(s) => s.id}
            empty={t(show === "active" ? "silences.emptyActive" : "silences.empty")}
            testId="silence-table"
            columns={[
              {
                key: "state",
                label: t("alerts.state"),
                render: (s) => {
                  const state = silenceState(s);
                  return <Badge tone={state === "active" ? "pending" : state === "pending" ? "sev-info" : "disabled"}>{t(`silenceState.${state}` as MessageKey)}</Badge>;
                },
              },
              {
                key: "matchers",
                label: t("silences.matchers"),
                render: (s) => (
                  <ul className="chips">
                    {Object.entries(s.matchers).map(([k, v]) => (
                      <li key={k}>
                        <code>
                          {k}={v}
                        </code>
                      </li>
                    ))}
                  </ul>
                ),
              },
              { key: "reason", label: t("silences.reason"), render: (s) => <span className="wrap">{s.reason}</span> },
              { key: "starts", label: t("silences.starts"), render: (s) => dateTime(s.starts_at) },
              { key: "ends", label: t("silences.ends"), render: (s) => dateTime(s.ends_at) },
              { key: "by", label: t("silences.by"), render: (s) => <span className="muted">{s.created_by}</span> },
              {
                key: "actions",
                label: t("common.actions"),
                render: (s) =>
                  can("alerts.write") && silenceState(s) !== "expired" ? (
                    <button type="button" className="btn btn-small" disabled={!writable || action.busy} onClick={() => end(s)} aria-label={t("silences.endFor", { reason: s.reason })}>
                      {t("silences.end")}
                    </button>
                  ) : null,
              },
            ]}
          />
        )}
      </Card>
    </>
  );
}

/** New silence; the matchers are checked live against the active alerts ("would mute N now"). */
function SilenceForm(props: { initial: Record<string, string> }) {
  const { t, number, timeZone } = useI18n();
  const { api, cache, online } = useApp();
  const check = useCheck();
  const prefill = Object.entries(props.initial)
    .filter(([k]) => k.startsWith("m."))
    .map(([k, v]) => `${k.slice(2)}=${v}`)
    .join("\n");
  const [matchers, setMatchers] = useState(prefill);
  const [starts, setStarts] = useState(() => isoToLocal(Date.now(), timeZone));
  const [ends, setEnds] = useState(() => isoToLocal(Date.now() + 2 * HOUR, timeZone));
  const [reason, setReason] = useState("");
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const alerts = useQuery<Page<Alert>>("/api/v1/alerts?limit=500&state=active");
  const parsed = parseMatchers(matchers);
  const muted = useMemo(() => (parsed && alerts.data ? alerts.data.items.filter((a) => matchersMatch(parsed, alertLabels(a))) : []), [parsed && JSON.stringify(parsed), alerts.data]);
  const errors = fieldErrors(local, action);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: FieldErrors = {};
    if (!parsed) found.matchers = check("matchers");
    const startsAt = localToISO(starts, timeZone);
    const endsAt = localToISO(ends, timeZone);
    if (!startsAt) found.starts_at = check("required");
    if (!endsAt) found.ends_at = check("required");
    else if (startsAt && Date.parse(endsAt) <= Date.parse(startsAt)) found.ends_at = check("endAfterStart");
    if (!reason.trim()) found.reason = check("required");
    setLocal(found);
    action.setError(null);
    if (Object.keys(found).length) return;
    const created = await action.run(() => api.post<Silence>("/api/v1/silences", { matchers: parsed, starts_at: startsAt, ends_at: endsAt, reason: reason.trim() }));
    if (created) {
      cache.invalidate("/api/v1/silences", "/api/v1/alerts");
      setMatchers("");
      setReason("");
    }
  };
  return (
    <Card title={t("silences.new")} labelledBy="silence-new">
      <form onSubmit={submit} noValidate data-testid="silence-form">
        <FormProblem local={local} action={action} labels={{ matchers: t("silences.matchers"), starts_at: t("silences.starts"), ends_at: t("silences.ends"), reason: t("silences.reason") }} />
        <fieldset disabled={action.busy}>
          <div className="form-row">
            <TextArea label={t("silences.matchers")} rows={3} value={matchers} placeholder={"device=OLT Centro 01\nrule=CPU*"} help={t("silences.matchersHelp")} onChange={(e) => setMatchers(e.target.value)} error={errors.matchers} className="mono" />
            <div className="grow">
              <TextArea label={t("silences.reason")} rows={3} value={reason} onChange={(e) => setReason(e.target.value)} error={errors.reason} />
            </div>
          </div>
          <div className="form-row">
            <Field label={t("silences.starts")} type="datetime-local" value={starts} help={t("common.inZone", { zone: timeZone })} onChange={(e) => setStarts(e.target.value)} error={errors.starts_at} />
            <Field label={t("silences.ends")} type="datetime-local" value={ends} onChange={(e) => setEnds(e.target.value)} error={errors.ends_at} />
          </div>
          {parsed && alerts.data && (
            <p className="muted" data-testid="silence-preview">
              {t("silences.wouldMute", { count: number(muted.length) })}
              {muted.length > 0 && ": " + muted.slice(0, 5).map((a) => `${a.device_name ?? a.target} (${a.rule_name ?? ""})`).join(", ")}
            </p>
          )}
        </fieldset>
        <button type="submit" className="btn btn-primary" disabled={!online || action.busy}>
          {t("silences.create")}
        </button>
      </form>
    </Card>
  );
}

export function MaintenanceWindows(props: { path: string }) {
  const { t, dateTime } = useI18n();
  const { api, cache, can, online } = useApp();
  const windows = useQuery<Page<MaintenanceWindow>>("/api/v1/maintenance-windows?limit=200");
  const names = useScopeNames();
  const action = useAction();
  const writable = can("alerts.write") && online;
  const remove = async (w: MaintenanceWindow) => {
    const done = await action.run(async () => {
      await api.request("DELETE", `/api/v1/maintenance-windows/${w.id}`);
      return true;
    });
    if (done) cache.invalidate("/api/v1/maintenance-windows", "/api/v1/alerts");
  };
  return (
    <>
      <AlertsNav path={props.path} />
      <div className="page-head">
        <h1>{t("maint.title")}</h1>
      </div>
      {can("alerts.write") && <MaintenanceForm names={names} />}
      <Card title={t("maint.list")} labelledBy="maint-list">
        {action.error ? <ErrorNote error={action.error} /> : null}
        {windows.error ? (
          <ErrorNote error={windows.error} retry={windows.reload} />
        ) : !windows.data ? (
          <Loading />
        ) : (
          <DataTable
            caption={t("maint.list")}
            rows={windows.data.items}
            rowKey={(w) => w.id}
            empty={t("maint.empty")}
            testId="maint-table"
            columns={[
              { key: "name", label: t("maint.name"), render: (w) => <strong>{w.name}</strong> },
              { key: "scope", label: t("scope.label"), render: (w) => <ScopeText scope={w.scope} id={w.scope_id} names={names} /> },
              { key: "when", label: t("maint.when"), render: (w) => `${dateTime(w.starts_at)} → ${dateTime(w.ends_at)}` },
              {
                key: "repeat",
                label: t("maint.recurrence"),
                render: (w) => (w.recurrence ? t("maint.repeatsUntil", { every: t(`maint.${w.recurrence}` as MessageKey), until: w.until ? dateTime(w.until) : t("maint.forever") }) : t("maint.once")),
              },
              { key: "reason", label: t("silences.reason"), render: (w) => <span className="wrap">{w.reason ?? "—"}</span> },
              {
                key: "actions",
                label: t("common.actions"),
                render: (w) =>
                  can("alerts.write") ? (
                    <ConfirmButton small label={t("common.delete")} question={t("maint.deleteConfirm", { name: w.name })} disabled={!writable || action.busy} onConfirm={() => remove(w)} />
                  ) : null,
              },
            ]}
          />
        )}
      </Card>
    </>
  );
}

function MaintenanceForm(props: { names: ReturnType<typeof useScopeNames> }) {
  const { t, timeZone } = useI18n();
  const { api, cache, online } = useApp();
  const check = useCheck();
  const [name, setName] = useState("");
  const [scope, setScope] = useState<Scope>("pop");
  const [scopeId, setScopeId] = useState("");
  const [starts, setStarts] = useState(() => isoToLocal(Date.now() + HOUR, timeZone));
  const [ends, setEnds] = useState(() => isoToLocal(Date.now() + 3 * HOUR, timeZone));
  const [recurrence, setRecurrence] = useState<"" | "daily" | "weekly">("");
  const [until, setUntil] = useState("");
  const [reason, setReason] = useState("");
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const errors = fieldErrors(local, action);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: FieldErrors = {};
    if (!name.trim()) found.name = check("required");
    if (scope !== "provider" && !scopeId) found.scope_id = check("scopeId");
    const startsAt = localToISO(starts, timeZone);
    const endsAt = localToISO(ends, timeZone);
    const untilAt = until ? localToISO(until, timeZone) : null;
    if (!startsAt) found.starts_at = check("required");
    if (!endsAt) found.ends_at = check("required");
    else if (startsAt && Date.parse(endsAt) <= Date.parse(startsAt)) found.ends_at = check("endAfterStart");
    setLocal(found);
    action.setError(null);
    if (Object.keys(found).length) return;
    // The API takes no nulls: what is not set is left out.
    const body: Record<string, unknown> = { name: name.trim(), scope, starts_at: startsAt, ends_at: endsAt };
    if (scope !== "provider") body.scope_id = scopeId;
    if (recurrence) body.recurrence = recurrence;
    if (recurrence && untilAt) body.until = untilAt;
    if (reason.trim()) body.reason = reason.trim();
    const created = await action.run(() => api.post<MaintenanceWindow>("/api/v1/maintenance-windows", body));
    if (created) {
      cache.invalidate("/api/v1/maintenance-windows", "/api/v1/alerts");
      setName("");
      setReason("");
    }
  };
  return (
    <Card title={t("maint.new")} labelledBy="maint-new">
      <form onSubmit={submit} noValidate data-testid="maint-form">
        <FormProblem
          local={local}
          action={action}
          labels={{ name: t("maint.name"), scope_id: t("scope.target"), starts_at: t("silences.starts"), ends_at: t("silences.ends"), until: t("maint.until"), recurrence: t("maint.recurrence") }}
        />
        <fieldset disabled={action.busy}>
          <div className="form-row">
            <Field label={t("maint.name")} value={name} onChange={(e) => setName(e.target.value)} error={errors.name} className="grow" />
            <ScopePicker
              scope={scope}
              scopeId={scopeId}
              names={props.names}
              errors={errors}
              onChange={(s, id) => {
                setScope(s);
                setScopeId(id);
              }}
            />
          </div>
          <div className="form-row">
            <Field label={t("silences.starts")} type="datetime-local" value={starts} help={t("common.inZone", { zone: timeZone })} onChange={(e) => setStarts(e.target.value)} error={errors.starts_at} />
            <Field label={t("silences.ends")} type="datetime-local" value={ends} onChange={(e) => setEnds(e.target.value)} error={errors.ends_at} />
            <Select label={t("maint.recurrence")} value={recurrence} onChange={(e) => setRecurrence(e.target.value as typeof recurrence)} error={errors.recurrence}>
              <option value="">{t("maint.once")}</option>
              <option value="daily">{t("maint.daily")}</option>
              <option value="weekly">{t("maint.weekly")}</option>
            </Select>
            {recurrence && <Field label={t("maint.until")} type="datetime-local" value={until} help={t("maint.untilHelp")} onChange={(e) => setUntil(e.target.value)} error={errors.until} />}
          </div>
          <Field label={t("silences.reason")} value={reason} onChange={(e) => setReason(e.target.value)} error={errors.reason} />
        </fieldset>
        <button type="submit" className="btn btn-primary" disabled={!online || action.busy}>
          {t("maint.create")}
        </button>
      </form>
    </Card>
  );
}
