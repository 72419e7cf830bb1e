// The Jobs screen: counts per queue, the provider's jobs with filters (in the URL), and the dead
// letters with retry and discard (discard after a confirmation) for those allowed to change settings.
import { useState } from "react";
import { useApp, useQuery } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { buildQuery, navigate } from "../../lib/router";
import type { Page } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Select } from "../../ui/Form";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { DataTable, Pager } from "../../ui/Table";

export type JobState = "ready" | "running" | "dead";
const STATES: JobState[] = ["ready", "running", "dead"];
const LIMIT = 50;

export interface JobRecord {
  id: string;
  queue: string;
  type: string;
  state: JobState;
  priority: number;
  run_at: string;
  attempts: number;
  max_attempts: number;
  last_error?: string;
  created_at: string;
}

export interface QueueCounts {
  items: { queue: string; ready: number; running: number; dead: number; oldest_age_seconds: number }[];
}

export function JobsPage(props: { query: Record<string, string> }) {
  const { t, number, duration } = useI18n();
  const { can, cache } = useApp();
  const q = props.query;
  const filters: Record<string, string | undefined> = { state: q.state, type: q.type, queue: q.queue, offset: q.offset };
  const [type, setType] = useState(q.type ?? "");
  const queues = useQuery<QueueCounts>("/api/v1/jobs/queues");
  const jobs = useQuery<Page<JobRecord>>(`/api/v1/jobs${buildQuery({ ...filters, limit: LIMIT })}`);
  const go = (changes: Record<string, string | undefined>) => {
    const next = { ...filters, ...changes };
    if (!("offset" in changes)) next.offset = undefined;
    navigate(`/jobs${buildQuery(next)}`, true);
  };
  const refresh = () => cache.invalidate("/api/v1/jobs");
  const tone = (s: JobState) => (s === "dead" ? "offline" : s === "running" ? "online" : "pending");
  return (
    <>
      <div className="page-head">
        <h1>{t("jobs.title")}</h1>
        <button type="button" className="btn btn-small" onClick={refresh} data-testid="jobs-refresh">
          {t("jobs.refresh")}
        </button>
      </div>
      <Card title={t("jobs.queues")} labelledBy="queues-title">
        {queues.error ? <ErrorNote error={queues.error} retry={queues.reload} /> : null}
        {!queues.data && !queues.error && <Loading />}
        {queues.data && (
          <DataTable
            caption={t("jobs.queues")}
            testId="job-queues"
            rows={queues.data.items}
            rowKey={(r) => r.queue}
            empty={t("jobs.queuesEmpty")}
            columns={[
              {
                key: "queue",
                label: t("jobs.queue"),
                render: (r) => (
                  <button type="button" className="btn-link" onClick={() => go({ queue: r.queue })}>
                    {r.queue}
                  </button>
                ),
              },
              { key: "ready", label: t("jobs.state.ready"), className: "num", render: (r) => number(r.ready) },
              { key: "running", label: t("jobs.state.running"), className: "num", render: (r) => number(r.running) },
              { key: "dead", label: t("jobs.state.dead"), className: "num", render: (r) => (r.dead ? <Badge tone="offline">{number(r.dead)}</Badge> : "0") },
              { key: "age", label: t("jobs.oldest"), className: "num", render: (r) => (r.oldest_age_seconds > 0 ? duration(r.oldest_age_seconds) : "—") },
            ]}
          />
        )}
      </Card>
      <DeadLetters />
      <Card title={t("jobs.all")} labelledBy="jobs-title">
        <form className="filters" role="search" onSubmit={(e) => (e.preventDefault(), go({ type: type || undefined }))}>
          <Select label={t("jobs.stateLabel")} value={filters.state ?? ""} onChange={(e) => go({ state: e.target.value || undefined })}>
            <option value="">{t("common.all")}</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {t(`jobs.state.${s}` as MessageKey)}
              </option>
            ))}
          </Select>
          <Select label={t("jobs.queue")} value={filters.queue ?? ""} onChange={(e) => go({ queue: e.target.value || undefined })}>
            <option value="">{t("common.all")}</option>
            {(queues.data?.items ?? []).map((r) => (
              <option key={r.queue} value={r.queue}>
                {r.queue}
              </option>
            ))}
            {filters.queue && !queues.data?.items.some((r) => r.queue === filters.queue) && <option value={filters.queue}>{filters.queue}</option>}
          </Select>
          <div className="field">
            <label htmlFor="job-type">{t("jobs.type")}</label>
            <input id="job-type" type="search" value={type} onChange={(e) => setType(e.target.value)} onBlur={() => type !== (q.type ?? "") && go({ type: type || undefined })} />
          </div>
        </form>
        {jobs.error ? <ErrorNote error={jobs.error} retry={jobs.reload} /> : null}
        {!jobs.data && !jobs.error && <Loading />}
        {jobs.data && (
          <>
            <JobTable rows={jobs.data.items} testId="jobs" tone={tone} />
            <Pager offset={jobs.data.offset} limit={LIMIT} total={jobs.data.total} onChange={(offset) => go({ offset: offset ? String(offset) : undefined })} />
          </>
        )}
      </Card>
      {!can("settings.write") && <p className="muted small">{t("jobs.readOnly")}</p>}
    </>
  );
}

function JobTable(props: { rows: JobRecord[]; testId: string; tone: (s: JobState) => string; empty?: string; actions?: (job: JobRecord) => JSX.Element }) {
  const { t, dateTime } = useI18n();
  return (
    <DataTable
      caption={t("jobs.all")}
      testId={props.testId}
      rows={props.rows}
      rowKey={(j) => j.id}
      empty={props.empty ?? t("jobs.empty")}
      columns={[
        { key: "type", label: t("jobs.type"), render: (j) => <code className="wrap">{j.type}</code> },
        { key: "queue", label: t("jobs.queue"), render: (j) => j.queue },
        { key: "state", label: t("jobs.stateLabel"), render: (j) => <Badge tone={props.tone(j.state)}>{t(`jobs.state.${j.state}` as MessageKey)}</Badge> },
        { key: "attempts", label: t("jobs.attempts"), className: "num", render: (j) => `${j.attempts}/${j.max_attempts}` },
        { key: "error", label: t("jobs.lastError"), render: (j) => (j.last_error ? <span className="wrap">{j.last_error}</span> : "—") },
        { key: "created", label: t("jobs.created"), render: (j) => dateTime(j.created_at) },
        ...(props.actions ? [{ key: "actions", label: t("jobs.actions"), render: props.actions }] : []),
      ]}
    />
  );
}

/** Dead letters; retry and discard only for callers with settings.write, discard after a confirmation. */
function DeadLetters() {
  const { t } = useI18n();
  const { api, cache, can, online } = useApp();
  const dead = useQuery<Page<JobRecord>>(`/api/v1/jobs/dead-letters?limit=${LIMIT}`);
  const [confirming, setConfirming] = useState<JobRecord | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const write = can("settings.write");
  const act = async (job: JobRecord, action: "retry" | "discard") => {
    setConfirming(null);
    setError(null);
    setMessage(null);
    try {
      if (action === "retry") await api.post(`/api/v1/jobs/${job.id}/retry`);
      else await api.request("DELETE", `/api/v1/jobs/${job.id}`);
      setMessage(t(action === "retry" ? "jobs.retried" : "jobs.discarded", { type: job.type }));
    } catch (failure) {
      setError(failure);
    }
    cache.invalidate("/api/v1/jobs");
  };
  return (
    <Card title={t("jobs.dead")} labelledBy="dead-title">
      {!online && write && <p className="note">{t("shell.offlineAction")}</p>}
      {confirming && (
        <div className="confirm" role="alertdialog" aria-labelledby="discard-confirm">
          <p id="discard-confirm">{t("jobs.discardConfirm", { type: confirming.type })}</p>
          <div className="row">
            <button type="button" className="btn btn-danger" onClick={() => act(confirming, "discard")} autoFocus>
              {t("common.confirm")}
            </button>
            <button type="button" className="btn" onClick={() => setConfirming(null)}>
              {t("common.cancel")}
            </button>
          </div>
        </div>
      )}
      {message && (
        <p className="note note-ok" role="status">
          {message}
        </p>
      )}
      {error ? <ErrorNote error={error} /> : null}
      {dead.error ? <ErrorNote error={dead.error} retry={dead.reload} /> : null}
      {!dead.data && !dead.error && <Loading />}
      {dead.data && (
        <JobTable
          rows={dead.data.items}
          testId="dead-letters"
          empty={t("jobs.deadEmpty")}
          tone={() => "offline"}
          actions={
            write
              ? (job) => (
                  <span className="row-inline">
                    <button type="button" className="btn btn-small" disabled={!online} onClick={() => act(job, "retry")} data-testid="retry">
                      {t("jobs.retry")}
                    </button>
                    <button type="button" className="btn btn-small" disabled={!online} onClick={() => setConfirming(job)} data-testid="discard">
                      {t("jobs.discard")}
                    </button>
                  </span>
                )
              : undefined
          }
        />
      )}
    </Card>
  );
}
