import { ApiError } from "../../lib/api";
import { useQuery, useTopics } from "../../lib/app";
import { inLocale, useI18n, type MessageKey } from "../../lib/i18n";
import { buildQuery, Link, navigate } from "../../lib/router";
import type { Alert, Page, Severity } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Select } from "../../ui/Form";
import { DataTable, Pager } from "../../ui/Table";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { AlertsNav } from "./AlertsNav";
import { SuppressedBy } from "./SuppressedBy";
import { HelpButton } from "../help/HelpButton";

const LIMIT = 50;
export const SEVERITIES: readonly Severity[] = ["critical", "warning", "info"];

export function SeverityBadge(props: { severity: Severity }) {
  const { t } = useI18n();
  return <Badge tone={`sev-${props.severity}`}>{t(`severity.${props.severity}` as MessageKey)}</Badge>;
}

/** The alerts board: active (or all) alerts, filtered by severity, live on the `alerts` topic. */
export function AlertsBoard(props: { query: Record<string, string>; path: string }) {
  const { t, relative, number, locale } = useI18n();
  useTopics("alerts");
  const q = props.query;
  const filters = { state: q.state === "all" ? "all" : "active", severity: q.severity, rule_id: q.rule_id, offset: q.offset };
  const alerts = useQuery<Page<Alert>>(`/api/v1/alerts${buildQuery({ ...filters, limit: LIMIT })}`);
  const go = (changes: Record<string, string | undefined>) => navigate(`/alerts${buildQuery({ ...filters, offset: undefined, ...changes })}`, true);
  return (
    <>
      <AlertsNav path={props.path} />
      <div className="page-head">
        <h1>{t("alerts.title")}</h1>
        <HelpButton module="alerts" />
      </div>
      <Card>
        <div className="filters">
          <div className="segmented" role="group" aria-label={t("alerts.state")}>
            {(["active", "all"] as const).map((state) => (
              <button key={state} type="button" className="btn btn-small" aria-pressed={filters.state === state} onClick={() => go({ state })}>
                {t(`alerts.${state}` as MessageKey)}
              </button>
            ))}
          </div>
          {filters.rule_id && (
            <button type="button" className="btn btn-small" onClick={() => go({ rule_id: undefined })} aria-label={t("alerts.clearRule")}>
              {t("alerts.ruleFilter")} ✕
            </button>
          )}
          <Select label={t("alerts.severity")} inline value={filters.severity ?? ""} onChange={(e) => go({ severity: e.target.value || undefined })}>
            <option value="">{t("common.all")}</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {t(`severity.${s}` as MessageKey)}
              </option>
            ))}
          </Select>
        </div>
        {alerts.error instanceof ApiError && alerts.error.status === 404 ? (
          <p className="note">{t("alerts.unavailable")}</p>
        ) : alerts.error ? (
          <ErrorNote error={alerts.error} retry={alerts.reload} />
        ) : !alerts.data ? (
          <Loading />
        ) : (
          <>
            <DataTable
              caption={t("alerts.title")}
              rows={alerts.data.items}
              rowKey={(a) => a.id}
              empty={t("alerts.empty")}
              testId="alert-table"
              columns={[
                { key: "severity", label: t("alerts.severity"), render: (a) => <SeverityBadge severity={a.severity} /> },
                {
                  key: "rule",
                  label: t("alerts.rule"),
                  render: (a) => (
                    <>
                      <Link href={`/alerts/${a.id}`}>
                        <strong>{a.rule_name ?? a.target ?? a.rule_id}</strong>
                      </Link>
                      {a.summary && <div className="muted">{inLocale(locale, a.summary, a.summary_pt_br)}</div>}
                      {a.suppressed_by && (
                        <div className="muted">
                          <SuppressedBy value={a.suppressed_by} />
                        </div>
                      )}
                    </>
                  ),
                },
                {
                  key: "target",
                  label: t("alerts.target"),
                  render: (a) => (a.device_id ? <Link href={`/devices/${a.device_id}`}>{a.device_name ?? a.target ?? a.device_id}</Link> : a.target ?? "—"),
                },
                { key: "state", label: t("alerts.state"), render: (a) => <Badge tone={`state-${a.state}`}>{t(`alertState.${a.state}` as MessageKey)}</Badge> },
                { key: "value", label: t("alerts.value"), className: "num", render: (a) => (a.no_data ? t("alerts.noData") : a.value === undefined || a.value === null ? "—" : number(a.value)) },
                { key: "affected", label: t("alerts.affected"), className: "num", render: (a) => (a.affected === undefined ? "—" : number(a.affected)) },
                {
                  key: "since",
                  label: t("alerts.since"),
                  render: (a) => (a.incident_id ? <Link href={`/incidents/${a.incident_id}`}>{relative(a.fired_at ?? a.started_at)}</Link> : relative(a.fired_at ?? a.started_at)),
                },
              ]}
            />
            <Pager offset={alerts.data.offset} limit={LIMIT} total={alerts.data.total} onChange={(offset) => go({ offset: offset ? String(offset) : undefined })} />
          </>
        )}
      </Card>
    </>
  );
}
