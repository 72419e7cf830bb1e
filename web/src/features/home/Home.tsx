import { useApp, useQuery, useTopics } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { Link } from "../../lib/router";
import { DEVICE_KINDS, DEVICE_STATUSES, type Alert, type DashboardSummary, type Page } from "../../lib/types";
import { Card, StatCard } from "../../ui/Card";
import { StackedBarChart } from "../../ui/Chart";
import { ErrorNote, Loading } from "../../ui/States";
import { HelpButton } from "../help/HelpButton";

/** The NOC's first screen: one GET /dashboard/summary, refreshed by device events. */
export function Home(props: { theme: string }) {
  const { t, number, relative } = useI18n();
  const { can } = useApp();
  useTopics("devices", can("alerts.read") ? "alerts" : "");
  const summary = useQuery<DashboardSummary>("/api/v1/dashboard/summary");
  // Active alerts, when this server has the alerts routes (the card is left out otherwise).
  const critical = useQuery<Page<Alert>>(can("alerts.read") ? "/api/v1/alerts?limit=1&severity=critical&state=active" : null);
  const active = useQuery<Page<Alert>>(can("alerts.read") ? "/api/v1/alerts?limit=1&state=active" : null);
  if (!summary.data) return summary.error ? <ErrorNote error={summary.error} retry={summary.reload} /> : <Loading />;
  const s = summary.data;
  const by = (status: string) => s.devices.by_status[status] ?? 0;
  const pops = [...s.pops].sort((a, b) => (a.name ?? "\uffff").localeCompare(b.name ?? "\uffff"));
  const popLabel = (name?: string) => name ?? t("common.noPop");
  return (
    <>
      <div className="page-head">
        <h1>{t("home.title")}</h1>
        <HelpButton module="home" />
        <p className="muted">{t("common.updated", { time: relative(s.generated_at) })}</p>
      </div>
      <div className="grid stats">
        <StatCard label={t("home.devices")} value={number(s.devices.total)} testId="card-devices">
          <ul className="status-list">
            {DEVICE_STATUSES.map((status) => (
              <li key={status}>
                <span className={`dot dot-${status}`} aria-hidden="true" />
                {can("devices.read") ? <Link href={`/devices?status=${status}`}>{t(`status.${status}` as MessageKey)}</Link> : t(`status.${status}` as MessageKey)}
                <strong data-testid={`count-${status}`}>{number(by(status))}</strong>
              </li>
            ))}
          </ul>
        </StatCard>
        <StatCard
          label={t("home.onus")}
          value={number(s.onus.out_of_range)}
          note={`${t("home.onusOut")} · ${t("home.onusTotal", { count: number(s.onus.total) })}`}
          tone={s.onus.out_of_range > 0 ? "warn" : "ok"}
          testId="card-onus"
        />
        <StatCard
          label={t("home.tasks")}
          value={number(s.tasks.pending)}
          note={`${t("home.tasksPending")} · ${t("home.tasksFailed", { count: number(s.tasks.failed_last24h) })}`}
          tone={s.tasks.failed_last24h > 0 ? "bad" : "neutral"}
          testId="card-tasks"
        />
        <StatCard
          label={t("home.jobs")}
          value={s.jobs.dead === undefined ? "—" : number(s.jobs.dead)}
          note={s.jobs.dead === undefined ? t("home.jobsNone") : t("home.jobsHelp")}
          tone={(s.jobs.dead ?? 0) > 0 ? "bad" : "ok"}
          testId="card-jobs"
        />
        {active.data && (
          <StatCard
            label={t("home.alerts")}
            value={number(active.data.total)}
            note={<Link href="/alerts">{t("home.alertsCritical", { count: number(critical.data?.total ?? 0) })}</Link>}
            tone={(critical.data?.total ?? 0) > 0 ? "bad" : active.data.total > 0 ? "warn" : "ok"}
            testId="card-alerts"
          />
        )}
      </div>
      <div className="grid two">
        <Card title={t("home.chart")} labelledBy="chart-title">
          <StackedBarChart
            title={t("home.chart")}
            theme={props.theme}
            labels={pops.map((p) => popLabel(p.name))}
            series={DEVICE_STATUSES.map((status) => ({
              label: t(`status.${status}` as MessageKey),
              values: pops.map((p) => p.devices.by_status[status] ?? 0),
              colorVar: `--status-${status}`,
            }))}
          />
        </Card>
        <Card title={t("home.byKind")} labelledBy="kind-title">
          <ul className="kind-list">
            {DEVICE_KINDS.filter((k) => (s.devices.by_kind[k] ?? 0) > 0).map((kind) => (
              <li key={kind}>
                <span>{t(`kind.${kind}` as MessageKey)}</span>
                <strong>{number(s.devices.by_kind[kind])}</strong>
              </li>
            ))}
          </ul>
        </Card>
      </div>
      <Card title={t("home.byPop")} labelledBy="pop-title">
        <div className="table-wrap">
          <table className="table" data-testid="pop-table">
            <caption className="sr-only">{t("home.byPop")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("devices.pop")}</th>
                {DEVICE_STATUSES.map((status) => (
                  <th scope="col" key={status} className="num">
                    {t(`status.${status}` as MessageKey)}
                  </th>
                ))}
                <th scope="col" className="num">
                  {t("home.total")}
                </th>
              </tr>
            </thead>
            <tbody>
              {pops.map((p) => (
                <tr key={p.pop_id ?? "none"}>
                  <th scope="row">{p.pop_id && can("devices.read") ? <Link href={`/devices?pop_id=${p.pop_id}`}>{popLabel(p.name)}</Link> : popLabel(p.name)}</th>
                  {DEVICE_STATUSES.map((status) => (
                    <td key={status} className="num" data-label={t(`status.${status}` as MessageKey)}>
                      {number(p.devices.by_status[status] ?? 0)}
                    </td>
                  ))}
                  <td className="num" data-label={t("home.total")}>
                    {number(p.devices.total)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
    </>
  );
}
