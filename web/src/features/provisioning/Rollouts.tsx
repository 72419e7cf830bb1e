// Rollouts: the list with a form to start one over a POP, a device group or a filter, in waves; a
// rollout's page with its progress (live: the `provisioning/rollouts/<id>` topic, and a poll every 5 s
// while it runs, since the server publishes at wave boundaries), cancel, and per-device results.
import { useEffect, useState, type FormEvent } from "react";
import { ApiError } from "../../lib/api";
import { useApp, useQuery, useTopics } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { buildQuery, Link, navigate } from "../../lib/router";
import type { Device, DeviceGroup, Page, Pop } from "../../lib/types";
import { Card, StatCard } from "../../ui/Card";
import { Field, Select } from "../../ui/Form";
import { DataTable, Pager, type Column } from "../../ui/Table";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { ConfirmButton, FormProblem, useAction } from "../alerts/common";
import { HelpButton } from "../help/HelpButton";
import {
  BANDS,
  emptyRollout,
  ROLLOUT_ACTIONS,
  ROLLOUT_DEVICE_STATUSES,
  rolloutBody,
  rolloutFormField,
  rolloutProgress,
  SECURITY_MODES,
  type Band,
  type FieldErrors,
  type RolloutDeviceRecord,
  type RolloutForm,
  type RolloutRecord,
  type TargetKind,
  type Tri,
} from "./logic";
import { ProvisioningNav, useCheck } from "./Templates";

const LIMIT = 25;
/** While a rollout runs, its page asks again this often (devices settle between the wave events). */
const POLL_MS = 5000;

export function statusTone(status: string): string {
  if (status === "completed" || status === "succeeded") return "online";
  if (status === "stopped" || status === "failed" || status === "cancelled") return "offline";
  if (status === "skipped") return "disabled";
  return "pending";
}

export function RolloutList(props: { path: string; query: Record<string, string> }) {
  const { t, dateTime, number } = useI18n();
  const { can, online } = useApp();
  const offset = Number(props.query.offset ?? 0) || 0;
  const creating = props.query.new === "1";
  useTopics("provisioning");
  const rollouts = useQuery<Page<RolloutRecord>>(`/api/v1/provisioning/rollouts${buildQuery({ limit: LIMIT, offset: offset || undefined })}`);
  const columns: Column<RolloutRecord>[] = [
    { key: "name", label: t("devices.name"), render: (r) => <Link href={`/provisioning/rollouts/${r.id}`}>{r.name}</Link> },
    { key: "action", label: t("ro.action"), render: (r) => t(`ro.action.${r.action.type}` as MessageKey) },
    { key: "status", label: t("devices.status"), render: (r) => <Badge tone={statusTone(r.status)}>{t(`ro.status.${r.status}` as MessageKey)}</Badge> },
    {
      key: "progress",
      label: t("ro.progress"),
      render: (r) => {
        const p = rolloutProgress(r);
        return t("ro.progressText", { done: number(p.done), total: number(r.total), failed: number(r.counts.failed) });
      },
    },
    { key: "created", label: t("tasks.created"), render: (r) => dateTime(r.created_at) },
  ];
  return (
    <>
      <ProvisioningNav path={props.path} />
      <div className="page-head">
        <h1>{t("ro.title")}</h1>
        <HelpButton module="provisioning" />
        {can("devices.execute") && !creating && (
          <button type="button" className="btn btn-primary" disabled={!online} onClick={() => navigate(`/provisioning/rollouts${buildQuery({ new: "1" })}`, true)}>
            {t("ro.new")}
          </button>
        )}
      </div>
      {creating && can("devices.execute") && <RolloutCreate onDone={() => navigate("/provisioning/rollouts", true)} />}
      <Card>
        {rollouts.error ? (
          <ErrorNote error={rollouts.error} retry={rollouts.reload} />
        ) : !rollouts.data ? (
          <Loading />
        ) : (
          <>
            <DataTable caption={t("ro.title")} rows={rollouts.data.items} rowKey={(r) => r.id} columns={columns} empty={t("ro.empty")} testId="rollout-table" />
            {rollouts.data.total > LIMIT && (
              <Pager offset={offset} limit={LIMIT} total={rollouts.data.total} onChange={(o) => navigate(`/provisioning/rollouts${buildQuery({ offset: o || undefined })}`, true)} />
            )}
          </>
        )}
      </Card>
    </>
  );
}

/** Every member of a device group (pages of 500). */
async function groupMembers(get: <T>(url: string) => Promise<T>, group: string): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await get<Page<Device>>(`/api/v1/device-groups/${group}/devices${buildQuery({ limit: 500, offset })}`);
    ids.push(...page.items.map((d) => d.id));
    if (page.items.length === 0 || ids.length >= page.total) return ids;
  }
}

function RolloutCreate(props: { onDone: () => void }) {
  const { t, number } = useI18n();
  const { api, cache, can, online } = useApp();
  const check = useCheck();
  const [form, setForm] = useState<RolloutForm>(emptyRollout);
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const pops = useQuery<Page<Pop>>(can("pops.read") ? "/api/v1/pops?limit=500" : null);
  const groups = useQuery<Page<DeviceGroup>>(can("devices.read") ? "/api/v1/device-groups?limit=500" : null);
  // The estimate: devices in the POP or group before the vendor/model filters (only those that have
  // spoken TR-069 are taken).
  const inPop = useQuery<Page<Device>>(form.target === "pop" && form.pop_id && can("devices.read") ? `/api/v1/devices${buildQuery({ pop_id: form.pop_id, limit: 1 })}` : null);
  const group = groups.data?.items.find((g) => g.id === form.group_id);
  const estimate = form.target === "pop" ? inPop.data?.total : form.target === "group" ? group?.device_count : undefined;
  const apiError = action.error instanceof ApiError && action.error.status === 400 ? action.error : undefined;
  const mapped = rolloutFormField(apiError?.field);
  const errors: FieldErrors = Object.keys(local).length ? local : apiError && mapped ? { [mapped]: apiError.message } : {};
  // Once a submit found problems, they follow the edits (a fixed field stops being marked).
  const set = <K extends keyof RolloutForm>(key: K, value: RolloutForm[K]) => {
    const next = { ...form, [key]: value };
    setForm(next);
    if (Object.keys(local).length) setLocal(rolloutBody(next, check).errors);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    action.setError(null);
    const first = rolloutBody(form, check);
    setLocal(first.errors);
    if (Object.keys(first.errors).length) return;
    const created = await action.run(async () => {
      const members = form.target === "group" ? await groupMembers((url) => api.get(url), form.group_id) : undefined;
      const { body, errors: found } = rolloutBody(form, check, members);
      if (!body) {
        setLocal(found);
        return undefined;
      }
      return api.post<RolloutRecord>("/api/v1/provisioning/rollouts", body);
    });
    if (created) {
      cache.invalidate("/api/v1/provisioning/rollouts");
      navigate(`/provisioning/rollouts/${created.id}`);
    }
  };
  return (
    <Card title={t("ro.new")} labelledBy="ro-new">
      <form onSubmit={submit} noValidate data-testid="rollout-form">
        {/* The field is shown at its own place in the form, so the note does not name it. */}
        <FormProblem local={local} action={{ error: action.error }} labels={{}} />
        <fieldset disabled={action.busy} className="plain-fieldset">
          <div className="form-row">
            <Field label={t("devices.name")} value={form.name} onChange={(e) => set("name", e.target.value)} error={errors.name} autoComplete="off" />
            <Select label={t("alerts.target")} value={form.target} onChange={(e) => set("target", e.target.value as TargetKind)} error={errors.target}>
              {(["pop", "group", "filter"] as const).map((k) => (
                <option key={k} value={k}>
                  {t(`ro.target.${k}` as MessageKey)}
                </option>
              ))}
            </Select>
            {form.target === "pop" && (
              <Select label={t("devices.pop")} value={form.pop_id} onChange={(e) => set("pop_id", e.target.value)} error={errors.pop_id}>
                <option value="">{t("scope.choose")}</option>
                {pops.data?.items.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </Select>
            )}
            {form.target === "group" && (
              <Select label={t("ro.group")} value={form.group_id} onChange={(e) => set("group_id", e.target.value)} error={errors.group_id}>
                <option value="">{t("scope.choose")}</option>
                {groups.data?.items.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.name}
                  </option>
                ))}
              </Select>
            )}
          </div>
          <div className="form-row">
            <Field label={t("tpl.manufacturer")} value={form.manufacturer} placeholder="Huawei*" onChange={(e) => set("manufacturer", e.target.value)} error={errors.manufacturer} />
            <Field label={t("tpl.productClass")} value={form.product_class} placeholder="EG8145*" onChange={(e) => set("product_class", e.target.value)} error={errors.product_class} />
            <Field label={t("device.firmware")} value={form.firmware} onChange={(e) => set("firmware", e.target.value)} error={errors.firmware} />
          </div>
          <p className="field-help">{t("ro.filterHelp")}</p>
          {estimate !== undefined && (
            <p className="note" role="status" data-testid="rollout-estimate">
              {t("ro.estimate", { count: number(estimate) })}
            </p>
          )}
          <div className="form-row">
            <Select label={t("ro.action")} value={form.action} onChange={(e) => set("action", e.target.value as RolloutForm["action"])} error={errors.type}>
              {ROLLOUT_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {t(`ro.action.${a}` as MessageKey)}
                </option>
              ))}
            </Select>
            {form.action === "set_wifi" && (
              <Select label={t("ro.band")} value={form.band} onChange={(e) => set("band", e.target.value as Band)} error={errors.band}>
                {BANDS.map((b) => (
                  <option key={b} value={b}>
                    {b}
                  </option>
                ))}
              </Select>
            )}
          </div>
          {form.action === "set_wifi" && (
            <>
              <div className="form-row">
                <Field label={t("ro.ssid")} value={form.ssid} onChange={(e) => set("ssid", e.target.value)} error={errors.ssid} autoComplete="off" />
                <Field label={t("ro.key")} type="password" autoComplete="new-password" value={form.key} onChange={(e) => set("key", e.target.value)} error={errors.key} />
                <Select label={t("wifi.security")} value={form.security} onChange={(e) => set("security", e.target.value)} error={errors.security}>
                  <option value="">{t("tpl.keep")}</option>
                  {SECURITY_MODES.map((m) => (
                    <option key={m} value={m}>
                      {t(`sec.${m}` as MessageKey)}
                    </option>
                  ))}
                </Select>
              </div>
              <div className="form-row">
                <Field label={t("wifi.channel")} value={form.channel} placeholder="auto" onChange={(e) => set("channel", e.target.value)} error={errors.channel} />
                <Select label={t("ro.radio")} value={form.enabled} onChange={(e) => set("enabled", e.target.value as Tri)} error={errors.enabled}>
                  <option value="">{t("tpl.keep")}</option>
                  <option value="on">{t("tpl.on")}</option>
                  <option value="off">{t("tpl.off")}</option>
                </Select>
              </div>
            </>
          )}
          {form.action === "factory_reset" && (
            <p className="note note-error" role="note">
              {t("ro.resetWarning")}
            </p>
          )}
          <div className="form-row">
            <Field label={t("ro.waveSize")} type="number" min={1} value={form.wave_size} onChange={(e) => set("wave_size", e.target.value)} error={errors.wave_size} />
            <Field label={t("ro.pause")} type="number" min={0} value={form.pause_seconds} onChange={(e) => set("pause_seconds", e.target.value)} error={errors.pause_seconds} />
            <Field
              label={t("ro.threshold")}
              inputMode="decimal"
              value={form.failure_percent}
              onChange={(e) => set("failure_percent", e.target.value)}
              error={errors.failure_threshold}
            />
          </div>
        </fieldset>
        <div className="row row-tight">
          <button type="submit" className="btn btn-primary" disabled={!online || action.busy}>
            {t("ro.start")}
          </button>
          <button type="button" className="btn" onClick={props.onDone}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </Card>
  );
}

export function RolloutPage(props: { id: string; path: string; query: Record<string, string> }) {
  const { t, number, dateTime } = useI18n();
  const { api, cache, can, online } = useApp();
  useTopics(`provisioning/rollouts/${props.id}`);
  const url = `/api/v1/provisioning/rollouts/${props.id}`;
  const rollout = useQuery<RolloutRecord>(url);
  const running = rollout.data?.status === "running";
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => cache.invalidate(url), POLL_MS);
    return () => clearInterval(timer);
  }, [running, cache, url]);
  const action = useAction();
  const cancel = async () => {
    const done = await action.run(() => api.post<RolloutRecord>(`${url}/cancel`));
    if (done) cache.invalidate("/api/v1/provisioning/rollouts");
  };
  if (!rollout.data) return rollout.error ? <ErrorNote error={rollout.error} retry={rollout.reload} /> : <Loading />;
  const r = rollout.data;
  const p = rolloutProgress(r);
  const percent = Math.round(p.fraction * 100);
  return (
    <>
      <ProvisioningNav path={props.path} />
      <div className="page-head">
        <p className="crumbs">
          <Link href="/provisioning/rollouts">{t("ro.title")}</Link> /
        </p>
        <h1>
          {r.name}{" "}
          <span data-testid="rollout-status" data-status={r.status}>
            <Badge tone={statusTone(r.status)}>{t(`ro.status.${r.status}` as MessageKey)}</Badge>
          </span>
        </h1>
        <p className="muted">
          {t(`ro.action.${r.action.type}` as MessageKey)}
          {r.action.band ? ` · ${r.action.band}` : ""}
          {r.action.ssid ? ` · SSID ${r.action.ssid}` : ""} · {t("ro.waveOf", { size: number(r.wave_size), pause: number(r.pause_seconds) })} ·{" "}
          {t("ro.thresholdIs", { percent: number(Math.round(r.failure_threshold * 100)) })}
        </p>
      </div>
      <Card
        title={t("ro.progress")}
        labelledBy="ro-progress"
        actions={
          running && can("devices.execute") ? (
            <ConfirmButton label={t("ro.cancel")} question={t("ro.cancelConfirm", { pending: number(r.counts.pending) })} disabled={!online || action.busy} onConfirm={cancel} />
          ) : undefined
        }
      >
        {action.error ? <ErrorNote error={action.error} /> : null}
        <div className="progress" role="progressbar" aria-label={t("ro.progress")} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} data-testid="rollout-progress">
          <div className="progress-bar" style={{ width: `${percent}%` }} />
        </div>
        <p data-testid="rollout-progress-text">
          {t("ro.progressLine", { done: number(p.done), total: number(r.total), percent: number(percent), wave: number(r.wave) })}
        </p>
        <div className="grid stats compact" data-testid="rollout-counts">
          {(["pending", "running", "succeeded", "failed", "skipped"] as const).map((s) => (
            <StatCard key={s} label={t(`ro.dstatus.${s}` as MessageKey)} value={number(r.counts[s])} tone={s === "failed" && r.counts.failed ? "bad" : s === "succeeded" ? "ok" : "neutral"} testId={`count-${s}`} />
          ))}
        </div>
        {r.stop_reason && <p className="note note-error">{t("ro.stopReason", { reason: r.stop_reason })}</p>}
        <p className="muted">
          {running ? t("ro.live") : t("ro.finished", { time: dateTime(r.finished_at) })}
          {running && r.next_wave_at && Date.parse(r.next_wave_at) > Date.now() ? ` ${t("ro.nextWave", { time: dateTime(r.next_wave_at) })}` : ""}
        </p>
      </Card>
      <RolloutDevices id={r.id} query={props.query} version={`${r.updated_at}-${r.counts.succeeded}-${r.counts.failed}-${r.counts.skipped}`} />
    </>
  );
}

function RolloutDevices(props: { id: string; query: Record<string, string>; version: string }) {
  const { t } = useI18n();
  const { can, cache } = useApp();
  const status = (ROLLOUT_DEVICE_STATUSES as readonly string[]).includes(props.query.status) ? props.query.status : undefined;
  const offset = Number(props.query.offset ?? 0) || 0;
  const url = `/api/v1/provisioning/rollouts/${props.id}/devices${buildQuery({ status, limit: LIMIT, offset: offset || undefined })}`;
  const devices = useQuery<Page<RolloutDeviceRecord>>(url);
  // The rollout's counts moved: this page of results is refetched too.
  useEffect(() => {
    cache.invalidate(`/api/v1/provisioning/rollouts/${props.id}/devices`);
  }, [props.version, cache, props.id]);
  const names = useQuery<Page<Device>>(can("devices.read") && devices.data?.items.length ? `/api/v1/devices${buildQuery({ limit: 500, sort: "name" })}` : null);
  const name = (id: string) => names.data?.items.find((d) => d.id === id)?.name ?? id.slice(0, 8);
  const go = (changes: Record<string, string | undefined>) => navigate(`/provisioning/rollouts/${props.id}${buildQuery({ status, offset: undefined, ...changes })}`, true);
  return (
    <Card title={t("ro.devices")} labelledBy="ro-devices">
      <div className="filters">
        <Select label={t("devices.status")} inline value={status ?? ""} onChange={(e) => go({ status: e.target.value || undefined })}>
          <option value="">{t("common.all")}</option>
          {ROLLOUT_DEVICE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`ro.dstatus.${s}` as MessageKey)}
            </option>
          ))}
        </Select>
      </div>
      {devices.error ? (
        <ErrorNote error={devices.error} retry={devices.reload} />
      ) : !devices.data ? (
        <Loading />
      ) : (
        <>
          <DataTable
            caption={t("ro.devices")}
            rows={devices.data.items}
            rowKey={(d) => d.device_id}
            empty={status ? t("ro.devicesNone") : t("ro.devicesNone")}
            testId="rollout-devices"
            columns={[
              { key: "device", label: t("ro.device"), render: (d) => (can("devices.read") ? <Link href={`/devices/${d.device_id}`}>{name(d.device_id)}</Link> : d.device_id.slice(0, 8)) },
              { key: "wave", label: t("ro.wave"), className: "num", render: (d) => (d.wave ? String(d.wave) : "—") },
              {
                key: "status",
                label: t("devices.status"),
                render: (d) => <Badge tone={statusTone(d.status)}>{t(`ro.dstatus.${d.status}` as MessageKey)}</Badge>,
              },
              { key: "outcome", label: t("ro.outcome"), render: (d) => (d.outcome ? <code>{d.outcome}</code> : "—") },
              { key: "error", label: t("ro.error"), render: (d) => d.error ?? "—" },
            ]}
          />
          {devices.data.total > LIMIT && <Pager offset={offset} limit={LIMIT} total={devices.data.total} onChange={(o) => go({ offset: o ? String(o) : undefined })} />}
        </>
      )}
    </Card>
  );
}
