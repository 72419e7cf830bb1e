// Notification channels: the list with "send test", and the editor for e-mail, webhook and Telegram
// channels with routing (severity, POP, language) and pacing (grouping, timers, quiet hours).
// Web Push channels are made by a browser's subscription; here they are listed, not edited.
import { useEffect, useState, type FormEvent } from "react";
import { useApp, useQuery } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { Link, navigate } from "../../lib/router";
import type { ChannelType, NotificationChannel, NotificationDelivery, Page, Pop, Severity } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Field, Select } from "../../ui/Form";
import { DataTable, type Column } from "../../ui/Table";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { SeverityBadge, SEVERITIES } from "./AlertsBoard";
import { AlertsNav } from "./AlertsNav";
import { EmailOptIn } from "./EmailOptIn";
import { PushOptIn } from "./PushOptIn";
import { ConfirmButton, fieldErrors, FormProblem, useAction } from "./common";
import { channelToForm, GROUP_LABELS, pacingBody, SETTINGS, settingsBody, type ChannelForm, type FieldErrors, type PacingForm } from "./logic";
import { useCheck } from "./useCheck";

/** Mid-sentence form of a label ("Regra" → "regra"); acronyms ("POP") stay. */
const lower = (label: string) => (label === label.toUpperCase() ? label : label.toLowerCase());

const EDITABLE: readonly ChannelType[] = ["email", "webhook", "telegram"];

/** Where a channel sends, in a few words (never a secret). */
function destination(c: NotificationChannel): string {
  const s = c.channel.settings;
  switch (c.channel.type) {
    case "email":
      return (Array.isArray(s.recipients) ? (s.recipients as string[]) : []).join(", ");
    case "webhook":
      return String(s.url ?? "");
    case "telegram":
      return `chat ${String(s.chat_id ?? "")}`;
    case "webpush": {
      const endpoint = (s.subscription as { endpoint?: string } | undefined)?.endpoint ?? "";
      try {
        return new URL(endpoint).host;
      } catch {
        return endpoint;
      }
    }
  }
}

export function DeliveryOutcome(props: { d: NotificationDelivery }) {
  const { t } = useI18n();
  const tone = props.d.outcome === "sent" ? "online" : props.d.outcome === "retrying" ? "pending" : "offline";
  return <Badge tone={tone}>{t(`delivery.${props.d.outcome}` as MessageKey)}</Badge>;
}

export function ChannelList(props: { path: string }) {
  const { t, dateTime } = useI18n();
  const { api, cache, can, online } = useApp();
  const channels = useQuery<Page<NotificationChannel>>("/api/v1/notification-channels?limit=200");
  const pops = useQuery<Page<Pop>>(can("pops.read") ? "/api/v1/pops?limit=500" : null);
  const action = useAction();
  const [results, setResults] = useState<Record<string, NotificationDelivery>>({});
  const writable = can("alerts.write") && online;
  const test = async (c: NotificationChannel) => {
    const result = await action.run(() => api.post<NotificationDelivery>(`/api/v1/notification-channels/${c.id}/test`));
    if (result) setResults((r) => ({ ...r, [c.id]: result }));
  };
  // The switch moves at once; it goes back if the API refuses.
  const [flipped, setFlipped] = useState<Record<string, boolean>>({});
  const toggle = async (c: NotificationChannel) => {
    const enabled = !(flipped[c.id] ?? c.enabled);
    setFlipped((f) => ({ ...f, [c.id]: enabled }));
    const saved = await action.run(() => api.request<NotificationChannel>("PATCH", `/api/v1/notification-channels/${c.id}`, { enabled }));
    if (saved) cache.invalidate("/api/v1/notification-channels");
    else setFlipped((f) => ({ ...f, [c.id]: !enabled }));
  };
  const popName = (id?: string | null) => (id ? pops.data?.items.find((p) => p.id === id)?.name ?? id.slice(0, 8) : t("channels.allPops"));
  return (
    <>
      <AlertsNav path={props.path} />
      <div className="page-head">
        <h1>{t("channels.title")}</h1>
        {can("alerts.write") && (
          <Link href="/alerts/channels/new" className="btn btn-primary">
            {t("channels.new")}
          </Link>
        )}
      </div>
      {action.error ? <ErrorNote error={action.error} /> : null}
      <PushOptIn />
      <EmailOptIn />
      <Card>
        {channels.error ? (
          <ErrorNote error={channels.error} retry={channels.reload} />
        ) : !channels.data ? (
          <Loading />
        ) : (
          <DataTable
            caption={t("channels.title")}
            rows={channels.data.items}
            rowKey={(c) => c.id}
            empty={t("channels.empty")}
            testId="channel-table"
            columns={([
              {
                key: "name",
                label: t("channels.name"),
                render: (c) => (
                  <>
                    {EDITABLE.includes(c.channel.type) ? <Link href={`/alerts/channels/${c.id}`}>{c.name}</Link> : <strong>{c.name}</strong>}
                    <div className="muted ellipsis" title={destination(c)}>
                      {destination(c)}
                    </div>
                  </>
                ),
              },
              { key: "type", label: t("channels.type"), render: (c) => t(`channelType.${c.channel.type}` as MessageKey) },
              {
                key: "route",
                label: t("channels.routing"),
                render: (c) => (
                  <>
                    <SeverityBadge severity={c.min_severity} /> {t("channels.andAbove")} · {popName(c.pop_id)}
                  </>
                ),
              },
              {
                key: "pacing",
                label: t("channels.pacing"),
                render: (c) => {
                  const groupBy = c.pacing.group_by ?? ["pop", "rule"];
                  return (
                    <span className="muted">
                      {groupBy.length ? t("channels.groupSummary", { labels: groupBy.map((g) => lower(t(`groupLabel.${g}` as MessageKey))).join(", ") }) : t("channels.groupAll")}
                      {" · "}
                      {t("channels.waitSummary", { seconds: c.pacing.group_wait_seconds ?? 30 })}
                      <br />
                      {c.pacing.quiet_hours
                        ? t("channels.quietSummary", { start: c.pacing.quiet_hours.start, end: c.pacing.quiet_hours.end, severity: t(`severity.${c.pacing.quiet_hours.min_severity ?? "critical"}` as MessageKey) })
                        : t("channels.noQuiet")}
                    </span>
                  );
                },
              },
              {
                key: "enabled",
                label: t("rules.enabled"),
                render: (c) =>
                  can("alerts.write") ? (
                    <label className="switch">
                      <input type="checkbox" role="switch" checked={flipped[c.id] ?? c.enabled} disabled={!writable} onChange={() => toggle(c)} aria-label={t("rules.enabledFor", { name: c.name })} />
                      <span>{flipped[c.id] ?? c.enabled ? t("common.yes") : t("common.no")}</span>
                    </label>
                  ) : (
                    <Badge tone={c.enabled ? "online" : "disabled"}>{c.enabled ? t("common.yes") : t("common.no")}</Badge>
                  ),
              },
              {
                key: "test",
                label: t("channels.test"),
                render: (c) => {
                  const r = results[c.id];
                  return (
                    <div className="test-cell">
                      {can("alerts.write") && (
                        <button type="button" className="btn btn-small" disabled={!writable || action.busy} onClick={() => test(c)} aria-label={t("channels.testFor", { name: c.name })}>
                          {t("channels.sendTest")}
                        </button>
                      )}
                      {r && (
                        <div role="status" data-testid="test-result">
                          <DeliveryOutcome d={r} /> <span className="muted">{dateTime(r.at)}</span>
                          {r.detail && <div className="wrap test-detail">{r.detail}</div>}
                        </div>
                      )}
                    </div>
                  );
                },
              },
            ] as Column<NotificationChannel>[]).filter((column) => column.key !== "test" || can("alerts.write"))}
          />
        )}
      </Card>
    </>
  );
}


export function ChannelEditor(props: { id?: string; path: string }) {
  const { t } = useI18n();
  const { api, cache, can, online } = useApp();
  const check = useCheck();
  const existing = useQuery<NotificationChannel>(props.id ? `/api/v1/notification-channels/${props.id}` : null);
  const pops = useQuery<Page<Pop>>(can("pops.read") ? "/api/v1/pops?limit=500" : null);
  const [form, setForm] = useState<ChannelForm | null>(props.id ? null : channelToForm(undefined));
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  useEffect(() => {
    if (props.id && existing.data && !form) setForm(channelToForm(existing.data));
  }, [props.id, existing.data, form]);
  if (props.id && !form) return existing.error ? <ErrorNote error={existing.error} retry={existing.reload} /> : <Loading />;
  if (!form) return <Loading />;
  const writable = can("alerts.write") && online;
  const set = <K extends keyof ChannelForm>(key: K, value: ChannelForm[K]) => setForm({ ...form, [key]: value });
  const setting = (key: string, value: string) => setForm({ ...form, settings: { ...form.settings, [key]: value } });
  const pace = <K extends keyof PacingForm>(key: K, value: PacingForm[K]) => setForm({ ...form, pacing: { ...form.pacing, [key]: value } });
  const errors = fieldErrors(local, action);
  const labels: Record<string, string> = {
    name: t("channels.name"),
    pop_id: t("channels.pop"),
    channel: t("channels.type"),
    group_by: t("channels.groupBy"),
    group_wait_seconds: t("channels.groupWait"),
    group_interval_seconds: t("channels.groupInterval"),
    repeat_interval_seconds: t("channels.repeatInterval"),
    "quiet_hours.start": t("channels.quietStart"),
    "quiet_hours.end": t("channels.quietEnd"),
    "quiet_hours.time_zone": t("channels.quietZone"),
  };
  for (const f of SETTINGS[form.type] ?? []) labels[`settings.${f.key}`] = t(f.label);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: FieldErrors = {};
    if (!form.name.trim()) found.name = check("required");
    const pacing = pacingBody(form.pacing, check);
    Object.assign(found, pacing.errors);
    for (const f of SETTINGS[form.type] ?? []) {
      const value = (form.settings[f.key] ?? "").trim();
      const optional = f.type === "number" || f.key === "username" || (f.secret && props.id) || (form.type === "email" && (f.key === "password" || f.key === "security"));
      if (!value && !optional) found[`settings.${f.key}`] = check("required");
    }
    setLocal(found);
    action.setError(null);
    if (Object.keys(found).length) return;
    const body = {
      name: form.name.trim(),
      enabled: form.enabled,
      min_severity: form.min_severity,
      pop_id: form.pop_id || null,
      language: form.language,
      channel: { type: form.type, settings: settingsBody(form) },
      pacing: pacing.body,
    };
    const saved = await action.run(() =>
      props.id ? api.request<NotificationChannel>("PATCH", `/api/v1/notification-channels/${props.id}`, body) : api.post<NotificationChannel>("/api/v1/notification-channels", body),
    );
    if (saved) {
      cache.invalidate("/api/v1/notification-channels");
      navigate("/alerts/channels");
    }
  };
  const remove = async () => {
    if (!props.id) return;
    const done = await action.run(async () => {
      await api.request("DELETE", `/api/v1/notification-channels/${props.id}`);
      return true;
    });
    if (done) {
      cache.invalidate("/api/v1/notification-channels");
      navigate("/alerts/channels");
    }
  };
  return (
    <>
      <AlertsNav path={props.path} />
      <div className="page-head">
        <p className="crumbs">
          <Link href="/alerts/channels">{t("channels.title")}</Link> /
        </p>
        <h1>{props.id ? existing.data?.name ?? "" : t("channels.new")}</h1>
      </div>
      <Card>
        <form onSubmit={submit} noValidate data-testid="channel-form">
          <FormProblem local={local} action={action} labels={labels} />
          <fieldset disabled={!can("alerts.write") || action.busy}>
            <div className="form-row">
              <Field label={t("channels.name")} value={form.name} onChange={(e) => set("name", e.target.value)} error={errors.name} />
              <Select label={t("channels.type")} value={form.type} disabled={Boolean(props.id)} onChange={(e) => set("type", e.target.value as ChannelType)} error={errors.channel}>
                {EDITABLE.map((k) => (
                  <option key={k} value={k}>
                    {t(`channelType.${k}` as MessageKey)}
                  </option>
                ))}
              </Select>
              <Field label={t("rules.enabled")} type="checkbox" checked={form.enabled} onChange={(e) => set("enabled", e.target.checked)} />
            </div>
            <div className="form-row">
              {(SETTINGS[form.type] ?? []).map((f) =>
                f.key === "security" ? (
                  <Select key={f.key} label={t(f.label)} value={form.settings.security ?? "starttls"} onChange={(e) => setting("security", e.target.value)}>
                    {["starttls", "tls", "none"].map((s) => (
                      <option key={s} value={s}>
                        {t(`channels.email.security.${s}` as MessageKey)}
                      </option>
                    ))}
                  </Select>
                ) : (
                  <Field
                    key={f.key}
                    label={t(f.label)}
                    type={f.secret ? "password" : f.type === "number" ? "number" : "text"}
                    autoComplete={f.secret ? "new-password" : "off"}
                    value={form.settings[f.key] ?? ""}
                    placeholder={f.placeholder}
                    help={f.secret && props.id ? t("channels.secretKeep") : f.help ? t(f.help) : undefined}
                    onChange={(e) => setting(f.key, e.target.value)}
                    error={errors[`settings.${f.key}`]}
                  />
                ),
              )}
            </div>

            <h2 className="form-section">{t("channels.routing")}</h2>
            <div className="form-row">
              <Select label={t("channels.minSeverity")} value={form.min_severity} onChange={(e) => set("min_severity", e.target.value as Severity)}>
                {SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {t(`severity.${s}` as MessageKey)}
                  </option>
                ))}
              </Select>
              <Select label={t("channels.pop")} value={form.pop_id} onChange={(e) => set("pop_id", e.target.value)} error={errors.pop_id}>
                <option value="">{t("channels.allPops")}</option>
                {pops.data?.items.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </Select>
              <Select label={t("channels.language")} value={form.language} onChange={(e) => set("language", e.target.value as ChannelForm["language"])}>
                <option value="pt-BR">Português (BR)</option>
                <option value="en">English</option>
              </Select>
            </div>

            <h2 className="form-section">{t("channels.pacing")}</h2>
            <fieldset className="checks">
              <legend>{t("channels.groupBy")}</legend>
              <p className="field-help">{t("channels.groupByHelp")}</p>
              {GROUP_LABELS.map((g) => (
                <label key={g} className="check">
                  <input type="checkbox" checked={form.pacing.group_by.includes(g)} onChange={(e) => pace("group_by", e.target.checked ? [...form.pacing.group_by, g] : form.pacing.group_by.filter((x) => x !== g))} />
                  {t(`groupLabel.${g}` as MessageKey)}
                </label>
              ))}
              {errors.group_by && <p className="field-error">{errors.group_by}</p>}
            </fieldset>
            <div className="form-row">
              <Field label={t("channels.groupWait")} type="number" min={0} max={3600} value={form.pacing.group_wait_seconds} help={t("channels.groupWaitHelp")} onChange={(e) => pace("group_wait_seconds", e.target.value)} error={errors.group_wait_seconds} />
              <Field label={t("channels.groupInterval")} type="number" min={1} max={86400} value={form.pacing.group_interval_seconds} help={t("channels.groupIntervalHelp")} onChange={(e) => pace("group_interval_seconds", e.target.value)} error={errors.group_interval_seconds} />
              <Field label={t("channels.repeatInterval")} type="number" min={60} max={604800} value={form.pacing.repeat_interval_seconds} help={t("channels.repeatIntervalHelp")} onChange={(e) => pace("repeat_interval_seconds", e.target.value)} error={errors.repeat_interval_seconds} />
            </div>
            <Field label={t("channels.quiet")} type="checkbox" checked={form.pacing.quiet} onChange={(e) => pace("quiet", e.target.checked)} />
            {form.pacing.quiet && (
              <div className="form-row">
                <Field label={t("channels.quietStart")} type="time" value={form.pacing.quiet_start} onChange={(e) => pace("quiet_start", e.target.value)} error={errors["quiet_hours.start"]} />
                <Field label={t("channels.quietEnd")} type="time" value={form.pacing.quiet_end} onChange={(e) => pace("quiet_end", e.target.value)} error={errors["quiet_hours.end"]} />
                <Field label={t("channels.quietZone")} value={form.pacing.quiet_time_zone} onChange={(e) => pace("quiet_time_zone", e.target.value)} error={errors["quiet_hours.time_zone"]} />
                <Select label={t("channels.quietSeverity")} value={form.pacing.quiet_min_severity} help={t("channels.quietSeverityHelp")} onChange={(e) => pace("quiet_min_severity", e.target.value as Severity)}>
                  {SEVERITIES.map((s) => (
                    <option key={s} value={s}>
                      {t(`severity.${s}` as MessageKey)}
                    </option>
                  ))}
                </Select>
              </div>
            )}
          </fieldset>
          {can("alerts.write") && (
            <div className="row">
              <button type="submit" className="btn btn-primary" disabled={!writable || action.busy}>
                {t("common.save")}
              </button>
              <Link href="/alerts/channels" className="btn">
                {t("common.cancel")}
              </Link>
              {props.id && (
                <span className="push-right">
                  <ConfirmButton label={t("common.delete")} question={t("channels.deleteConfirm", { name: form.name })} disabled={!writable || action.busy} onConfirm={remove} />
                </span>
              )}
            </div>
          )}
        </form>
      </Card>
    </>
  );
}
