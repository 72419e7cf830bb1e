// A device's provisioning: the state (template and version applied, status, faults, mismatches), a dry
// run showing the exact parameter changes an apply would send, and apply now (after confirmation).
import { useState } from "react";
import { ApiError } from "../../lib/api";
import { useApp, useQuery } from "../../lib/app";
import { planRows } from "../../lib/diff";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { Link } from "../../lib/router";
import { Card } from "../../ui/Card";
import { DiffView } from "../../ui/DiffView";
import { Badge, ErrorNote, Loading } from "../../ui/States";

interface ParameterChange {
  path: string;
  value: string;
  type?: string;
  field?: string;
  current?: string | null;
}

interface DeviceProvisioning {
  device_id: string;
  template_id?: string | null;
  template_version?: number | null;
  status: string;
  reason?: string | null;
  faults?: { path?: string; code?: number; string?: string }[];
  rejected_paths?: string[];
  errors?: { code?: string; field?: string; message?: string }[];
  last_applied_at?: string | null;
  last_checked_at?: string | null;
  last_verified_at?: string | null;
  mismatches?: { path: string; expected: string; read?: string | null }[];
  unverified_paths?: string[];
}

interface ProvisioningPlan {
  template_id?: string | null;
  template_version?: number | null;
  changes: ParameterChange[];
  skipped?: { field: string; path?: string | null; reason: string }[];
  errors?: { code: string; field: string; message: string }[];
}

interface ApplyResult {
  outcome: "queued" | "unchanged" | "already_queued" | "rejected" | "unmatched";
  plan: ProvisioningPlan;
  task_id?: string | null;
}

const tone = (status: string) =>
  status === "verified" || status === "applied" ? "online" : status === "mismatch" || status === "fault" || status === "error" ? "offline" : status === "unmatched" ? "disabled" : "pending";

export default function ProvisioningPanel(props: { deviceId: string }) {
  const { t, dateTime } = useI18n();
  const { api, cache, can, online } = useApp();
  const base = `/api/v1/devices/${props.deviceId}/provisioning`;
  const state = useQuery<DeviceProvisioning>(base);
  const [plan, setPlan] = useState<ProvisioningPlan | null>(null);
  const [applied, setApplied] = useState<ApplyResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const run = async <T,>(work: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await work();
    } catch (failure) {
      setError(failure);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  const dryRun = async () => {
    setApplied(null);
    const result = await run(() => api.post<ProvisioningPlan>(`${base}/dry-run`, {}));
    if (result) setPlan(result);
  };
  const apply = async () => {
    setConfirming(false);
    const result = await run(() => api.post<ApplyResult>(`${base}/apply`));
    if (result) {
      setApplied(result);
      setPlan(result.plan);
      cache.invalidate(base, `/api/v1/devices/${props.deviceId}/tasks`);
    }
  };
  const missing = state.error instanceof ApiError && state.error.status === 404;
  const s = state.data;
  const template = useQuery<{ template: { name: string } }>(s?.template_id ? `/api/v1/provisioning/templates/${s.template_id}` : null);
  return (
    <div className="grid two">
      <Card title={t("dprov.state")} labelledBy="dprov-state">
        {missing ? (
          <p className="muted" data-testid="dprov-none">
            {t("dprov.none")}
          </p>
        ) : state.error ? (
          <ErrorNote error={state.error} retry={state.reload} />
        ) : !s ? (
          <Loading />
        ) : (
          <>
            <dl className="facts" data-testid="dprov-facts">
              <div>
                <dt>{t("devices.status")}</dt>
                <dd>
                  <Badge tone={tone(s.status)}>{t(`dprov.status.${s.status}` as MessageKey)}</Badge>
                </dd>
              </div>
              <div>
                <dt>{t("dprov.template")}</dt>
                <dd>{s.template_id ? <Link href={`/provisioning/templates/${s.template_id}`}>{`${template.data?.template.name ?? ""} v${s.template_version ?? "?"}`.trim()}</Link> : "—"}</dd>
              </div>
              <div>
                <dt>{t("dprov.lastApplied")}</dt>
                <dd>{dateTime(s.last_applied_at)}</dd>
              </div>
              <div>
                <dt>{t("dprov.lastVerified")}</dt>
                <dd>{dateTime(s.last_verified_at)}</dd>
              </div>
            </dl>
            {!!s.mismatches?.length && (
              <>
                <h3>{t("dprov.mismatches")}</h3>
                <ul className="plain-list" data-testid="dprov-mismatches">
                  {s.mismatches.map((m) => (
                    <li key={m.path}>
                      <code>{m.path}</code>: {t("dprov.expectedRead", { expected: m.expected, read: m.read ?? "—" })}
                    </li>
                  ))}
                </ul>
              </>
            )}
            {!!s.faults?.length && (
              <>
                <h3>{t("dprov.faults")}</h3>
                <ul className="plain-list">
                  {s.faults.map((f, i) => (
                    <li key={i}>
                      <code>{f.path ?? "—"}</code> {f.code ?? ""} {f.string ?? ""}
                    </li>
                  ))}
                </ul>
              </>
            )}
            {!!s.errors?.length && (
              <ul className="plain-list">
                {s.errors.map((e, i) => (
                  <li key={i} className="field-error">
                    {e.field ? <code>{e.field}</code> : null} {e.message}
                  </li>
                ))}
              </ul>
            )}
            {!!s.rejected_paths?.length && (
              <p className="muted">
                {t("dprov.rejected")} {s.rejected_paths.map((p) => <code key={p}>{p} </code>)}
              </p>
            )}
          </>
        )}
      </Card>
      <Card title={t("dprov.plan")} labelledBy="dprov-plan">
        <div className="row">
          <button type="button" className="btn" disabled={busy || !online} onClick={dryRun} data-testid="dprov-dry-run">
            {t("dprov.dryRun")}
          </button>
          {can("devices.execute") &&
            (confirming ? (
              <span className="confirm-inline" role="alertdialog" aria-label={t("dprov.applyConfirm")}>
                <span>{t("dprov.applyConfirm")}</span>
                <button type="button" className="btn btn-danger" autoFocus disabled={busy} onClick={apply}>
                  {t("common.confirm")}
                </button>
                <button type="button" className="btn" onClick={() => setConfirming(false)}>
                  {t("common.cancel")}
                </button>
              </span>
            ) : (
              <button type="button" className="btn btn-primary" disabled={busy || !online} onClick={() => setConfirming(true)} data-testid="dprov-apply">
                {t("dprov.apply")}
              </button>
            ))}
        </div>
        {error ? <ErrorNote error={error} /> : null}
        {applied && (
          <p className={`note ${applied.outcome === "rejected" || applied.outcome === "unmatched" ? "note-error" : "note-ok"}`} role="status" data-testid="dprov-outcome">
            {t(`dprov.outcome.${applied.outcome}` as MessageKey)}
          </p>
        )}
        {plan && (
          <>
            <DiffView rows={planRows(plan.changes)} caption={t("dprov.plan")} empty={t("dprov.noChanges")} testId="dprov-diff" />
            {!!plan.errors?.length && (
              <ul className="plain-list" data-testid="dprov-plan-errors">
                {plan.errors.map((e, i) => (
                  <li key={i} className="field-error">
                    <code>{e.field}</code> {e.message}
                  </li>
                ))}
              </ul>
            )}
            {!!plan.skipped?.length && (
              <p className="muted">
                {t("dprov.skipped")}{" "}
                {plan.skipped.map((k) => (
                  <span key={k.field + (k.path ?? "")}>
                    <code>{k.field}</code> ({k.reason}){" "}
                  </span>
                ))}
              </p>
            )}
          </>
        )}
      </Card>
    </div>
  );
}
