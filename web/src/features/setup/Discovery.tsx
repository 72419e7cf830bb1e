// Discovery ranges: networks of a POP the poller sweeps for SNMP agents (with every credential, in
// priority order), on a schedule or now. Each range shows its last sweep: when, how many devices it
// found, its error, how ICMP was used and the addresses that answered ping but no credential.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useApp, useQuery, useTopics } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { Link } from "../../lib/router";
import type { Page } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Field, Select } from "../../ui/Form";
import { DataTable, type Column } from "../../ui/Table";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { ConfirmButton, fieldErrors, FormProblem, useAction } from "../alerts/common";
import { discoveryBody, emptyDiscovery, periodText, type DiscoveryForm, type DiscoveryRangeRecord, type FieldErrors, type PopRecord } from "./model";
import { SetupNav, useSetupCheck } from "./parts";

const RANGES = "/api/v1/snmp/discovery-ranges?limit=500";

export function DiscoveryRanges(props: { path: string }) {
  const { t, number, dateTime, relative } = useI18n();
  const { api, cache, can, online, realtime } = useApp();
  const ranges = useQuery<Page<DiscoveryRangeRecord>>(RANGES);
  const pops = useQuery<Page<PopRecord>>(can("pops.read") ? "/api/v1/pops?limit=500" : null);
  const action = useAction();
  const [queued, setQueued] = useState<Record<string, string | null | undefined>>({});
  // Devices a sweep registers arrive as `devices` events: the ranges' results are re-read with them.
  useTopics("devices");
  useEffect(() => realtime.onEvent((event) => (event.topic.startsWith("devices") ? void cache.invalidate("/api/v1/snmp/discovery-ranges") : undefined)), [realtime, cache]);
  // After "run now", the range is re-read every 2 s until its sweep is recorded (a sweep that finds
  // nothing sends no event); only for ranges this page started, and for 2 minutes at most (no poller
  // running: the page says so instead of asking forever).
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const attempts = useRef(0);
  const [late, setLate] = useState(false);
  useEffect(() => {
    const waiting = Object.keys(queued);
    if (!waiting.length || !ranges.data) return;
    const finished = waiting.filter((id) => {
      const r = ranges.data!.items.find((x) => x.id === id);
      return !r || (r.last_run_at ?? null) !== queued[id];
    });
    if (finished.length) {
      setQueued((q) => Object.fromEntries(Object.entries(q).filter(([id]) => !finished.includes(id))));
      return;
    }
    if (attempts.current >= 60) {
      setQueued({});
      setLate(true);
      return;
    }
    timer.current = setTimeout(() => {
      attempts.current += 1;
      cache.load(RANGES, true).catch(() => undefined);
    }, 2000);
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, [queued, ranges.data, cache]);
  const popName = (id: string) => pops.data?.items.find((p) => p.id === id)?.name ?? id.slice(0, 8);
  const run = async (r: DiscoveryRangeRecord) => {
    const accepted = await action.run(() => api.post(`/api/v1/snmp/discovery-ranges/${r.id}/run`));
    if (accepted) {
      attempts.current = 0;
      setLate(false);
      setQueued((q) => ({ ...q, [r.id]: r.last_run_at ?? null }));
    }
  };
  const remove = async (r: DiscoveryRangeRecord) => {
    const done = await action.run(async () => {
      await api.request("DELETE", `/api/v1/snmp/discovery-ranges/${r.id}`);
      return true;
    });
    if (done) cache.invalidate("/api/v1/snmp/discovery-ranges");
  };
  const columns: Column<DiscoveryRangeRecord>[] = [
    {
      key: "range",
      label: t("disc.network"),
      render: (r) => (
        <>
          <code>{r.cidr}</code>
          {r.port !== 161 && <span className="muted"> :{r.port}</span>}
          <div className="muted">{popName(r.pop_id)}</div>
        </>
      ),
    },
    { key: "every", label: t("disc.schedule"), render: (r) => (r.every_seconds ? t("disc.every", { every: periodText(r.every_seconds, number) }) : t("disc.manual")) },
    {
      key: "last",
      label: t("disc.lastRun"),
      render: (r) =>
        r.id in queued ? (
          <span role="status">
            <Badge tone="pending">{t("disc.queued")}</Badge>
          </span>
        ) : !r.last_run_at ? (
          <span className="muted">{t("disc.never")}</span>
        ) : (
          <div data-testid="disc-result">
            <span title={dateTime(r.last_run_at)}>{relative(r.last_run_at)}</span>
            {" · "}
            {r.last_error ? <Badge tone="offline">{t("disc.failed")}</Badge> : t("disc.found", { count: number(r.last_found ?? 0) })}
            {r.last_error && <div className="wrap field-error">{r.last_error}</div>}
            {r.last_icmp && <div className="muted">{t("disc.icmp", { state: icmpText(t, r.last_icmp) })}</div>}
            {r.last_icmp_only && r.last_icmp_only.length > 0 && (
              <div className="muted wrap">{t("disc.icmpOnly", { addresses: r.last_icmp_only.slice(0, 10).join(", ") + (r.last_icmp_only.length > 10 ? "…" : "") })}</div>
            )}
          </div>
        ),
    },
  ];
  if (can("monitoring.execute") || can("monitoring.write")) {
    columns.push({
      key: "actions",
      label: t("common.actions"),
      render: (r) => (
        <span className="row-inline">
          {can("monitoring.execute") && (
            <button type="button" className="btn btn-small" disabled={!online || action.busy || r.id in queued} onClick={() => run(r)} aria-label={t("disc.runFor", { cidr: r.cidr })}>
              {t("disc.run")}
            </button>
          )}
          {can("monitoring.write") && <ConfirmButton small label={t("common.delete")} question={t("disc.deleteConfirm", { cidr: r.cidr })} disabled={!online || action.busy} onConfirm={() => remove(r)} />}
        </span>
      ),
    });
  }
  return (
    <>
      <SetupNav path={props.path} />
      <div className="page-head">
        <h1>{t("disc.title")}</h1>
        {ranges.data && (
          <button type="button" className="btn btn-small" onClick={ranges.reload}>
            {t("disc.refresh")}
          </button>
        )}
      </div>
      <p className="muted">{t("disc.intro")}</p>
      {action.error ? <ErrorNote error={action.error} /> : null}
      {late && (
        <p className="note" role="status">
          {t("disc.late")}
        </p>
      )}
      {can("monitoring.write") && pops.data && <DiscoveryEditor pops={pops.data.items} />}
      <Card>
        {ranges.error ? (
          <ErrorNote error={ranges.error} retry={ranges.reload} />
        ) : !ranges.data ? (
          <Loading />
        ) : (
          <DataTable caption={t("disc.title")} rows={ranges.data.items} rowKey={(r) => r.id} columns={columns} empty={t("disc.empty")} testId="disc-table" />
        )}
      </Card>
      <p className="muted">
        {t("disc.intervals")} {can("devices.read") && <Link href="/devices">{t("disc.intervalsLink")}</Link>}
      </p>
    </>
  );
}

function icmpText(t: (key: MessageKey) => string, state: string): string {
  if (state === "used") return t("disc.icmp.used");
  if (state === "off") return t("disc.icmp.off");
  return state;
}

function DiscoveryEditor(props: { pops: PopRecord[] }) {
  const { t } = useI18n();
  const { api, cache, online } = useApp();
  const check = useSetupCheck();
  const [form, setForm] = useState<DiscoveryForm>(() => emptyDiscovery(props.pops.length === 1 ? props.pops[0].id : ""));
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const errors = fieldErrors(local, action);
  const set = (key: keyof DiscoveryForm, value: string) => setForm({ ...form, [key]: value });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: found } = discoveryBody(form, check);
    setLocal(found);
    action.setError(null);
    if (!body) return;
    const saved = await action.run(() => api.post<DiscoveryRangeRecord>("/api/v1/snmp/discovery-ranges", body));
    if (saved) {
      setForm(emptyDiscovery(form.pop_id));
      cache.invalidate("/api/v1/snmp/discovery-ranges");
    }
  };
  const labels = { pop_id: t("disc.pop"), cidr: t("disc.cidr"), port: t("disc.port"), every_seconds: t("disc.everyMinutes") };
  return (
    <Card title={t("disc.new")} labelledBy="disc-new">
      <form onSubmit={submit} noValidate data-testid="disc-form">
        <FormProblem local={local} action={action} labels={labels} />
        <fieldset disabled={action.busy}>
          <div className="form-row">
            <Select label={t("disc.pop")} value={form.pop_id} onChange={(e) => set("pop_id", e.target.value)} error={errors.pop_id}>
              <option value="">{t("disc.popChoose")}</option>
              {props.pops.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </Select>
            <Field label={t("disc.cidr")} value={form.cidr} placeholder="10.20.0.0/24" autoComplete="off" spellCheck={false} help={t("disc.cidrHelp")} onChange={(e) => set("cidr", e.target.value)} error={errors.cidr} />
            <Field label={t("disc.port")} type="number" min={1} max={65535} value={form.port} onChange={(e) => set("port", e.target.value)} error={errors.port} />
            <Field label={t("disc.everyMinutes")} type="number" min={5} value={form.every_minutes} help={t("disc.everyHelp")} onChange={(e) => set("every_minutes", e.target.value)} error={errors.every_seconds} />
          </div>
        </fieldset>
        <button type="submit" className="btn btn-primary" disabled={!online || action.busy}>
          {t("disc.create")}
        </button>
      </form>
    </Card>
  );
}
