// Auditoria: the provider's audit log (a Global Admin without a provider reads the platform chain),
// filters by action, actor, target and time, paging, each entry's detail (before/after, address,
// request id), and the chain's verification (GET /audit/verification).
import { Fragment, useState, type FormEvent } from "react";
import { useApp, useQuery } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import type { Page } from "../../lib/types";
import { Link } from "../../lib/router";
import { Card } from "../../ui/Card";
import { Field, Select } from "../../ui/Form";
import { ErrorNote, Loading } from "../../ui/States";
import { Pager } from "../../ui/Table";
import { HelpButton } from "../help/HelpButton";
import { auditUrl, type AuditFilters, type AuditRecord, type AuditVerification, type UserRecord } from "./model";
import { AdminNav } from "./parts";

const LIMIT = 50;
const NO_FILTERS: AuditFilters = { action: "", actor_id: "", target_id: "", since: "", until: "" };

export function AuditPage(props: { path: string }) {
  const { t, dateTime, timeZone } = useI18n();
  const { can } = useApp();
  const [draft, setDraft] = useState<AuditFilters>(NO_FILTERS);
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<number | null>(null);
  const entries = useQuery<Page<AuditRecord>>(auditUrl(filters, offset, LIMIT, timeZone));
  const users = useQuery<Page<UserRecord>>(can("users.read") ? "/api/v1/users?limit=500" : null);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
    setOffset(0);
    setOpen(null);
  };
  const actorText = (e: AuditRecord) => e.actor_label ?? t(`admin.audit.actor.${e.actor_type}` as MessageKey);
  return (
    <>
      <AdminNav path={props.path} />
      <div className="page-head">
        <h1>{t("admin.nav.audit")}</h1>
        <HelpButton module="admin" />
      </div>
      <ChainStatus />
      <Card>
        <form className="filters" onSubmit={apply} data-testid="audit-filters">
          <Field label={t("admin.audit.action")} value={draft.action} placeholder="user." onChange={(e) => setDraft({ ...draft, action: e.target.value })} />
          {users.data ? (
            <Select label={t("admin.audit.actor")} value={draft.actor_id} onChange={(e) => setDraft({ ...draft, actor_id: e.target.value })}>
              <option value="">{t("common.all")}</option>
              {users.data.items.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.email}
                </option>
              ))}
            </Select>
          ) : null}
          <Field label={t("admin.audit.target")} value={draft.target_id} onChange={(e) => setDraft({ ...draft, target_id: e.target.value })} />
          <Field label={t("admin.audit.since")} type="datetime-local" value={draft.since} help={t("common.inZone", { zone: timeZone })} onChange={(e) => setDraft({ ...draft, since: e.target.value })} />
          <Field label={t("admin.audit.until")} type="datetime-local" value={draft.until} onChange={(e) => setDraft({ ...draft, until: e.target.value })} />
          <div className="row row-tight">
            <button type="submit" className="btn btn-primary">
              {t("admin.audit.apply")}
            </button>
            <button
              type="button"
              className="btn"
              onClick={() => {
                setDraft(NO_FILTERS);
                setFilters(NO_FILTERS);
                setOffset(0);
              }}
            >
              {t("admin.audit.clear")}
            </button>
          </div>
        </form>
        {entries.error ? (
          <ErrorNote error={entries.error} retry={entries.reload} />
        ) : !entries.data ? (
          <Loading />
        ) : (
          <>
            <div className="table-wrap">
              <table className="table" data-testid="audit-table">
                <caption className="sr-only">{t("admin.nav.audit")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("admin.audit.at")}</th>
                    <th scope="col">{t("admin.audit.actor")}</th>
                    <th scope="col">{t("admin.audit.action")}</th>
                    <th scope="col">{t("admin.audit.target")}</th>
                    <th scope="col">{t("admin.audit.detail")}</th>
                  </tr>
                </thead>
                <tbody>
                  {entries.data.items.length === 0 ? (
                    <tr>
                      <td colSpan={5} className="muted">
                        {t("common.empty")}
                      </td>
                    </tr>
                  ) : (
                    entries.data.items.map((e) => (
                      <Fragment key={e.id}>
                        <tr data-action={e.action}>
                          <td data-label={t("admin.audit.at")}>{dateTime(e.at)}</td>
                          <td data-label={t("admin.audit.actor")} className="wrap">
                            {actorText(e)}
                          </td>
                          <td data-label={t("admin.audit.action")}>
                            <code className="mono">{e.action}</code>
                          </td>
                          <td data-label={t("admin.audit.target")} className="wrap">
                            <TargetText entry={e} />
                          </td>
                          <td data-label={t("admin.audit.detail")}>
                            <button type="button" className="btn btn-small" aria-expanded={open === e.id} onClick={() => setOpen(open === e.id ? null : e.id)}>
                              {open === e.id ? t("admin.audit.hide") : t("admin.audit.show")}
                            </button>
                          </td>
                        </tr>
                        {open === e.id && (
                          <tr className="audit-detail-row">
                            <td colSpan={5}>
                              <AuditDetail entry={e} />
                            </td>
                          </tr>
                        )}
                      </Fragment>
                    ))
                  )}
                </tbody>
              </table>
            </div>
            {entries.data.total > LIMIT && <Pager offset={offset} limit={LIMIT} total={entries.data.total} onChange={(o) => (setOffset(o), setOpen(null))} />}
          </>
        )}
      </Card>
    </>
  );
}

/** Pages a target can be opened on. */
const TARGET_PAGES: Record<string, string> = { device: "/devices/", pop: "/network/pops/", customer: "/network/customers/" };

/** "device 1a2b3c4d", a link when the target has a page. */
function TargetText(props: { entry: AuditRecord }) {
  const { target_type: type, target_id: id } = props.entry;
  if (!type) return <>—</>;
  const text = `${type} ${id ? id.slice(0, 8) : ""}`;
  return id && TARGET_PAGES[type] ? <Link href={TARGET_PAGES[type] + id}>{text}</Link> : <>{text}</>;
}

/** "Cadeia íntegra (N registros)" or the first broken entry. */
function ChainStatus() {
  const { t, number } = useI18n();
  const status = useQuery<AuditVerification>("/api/v1/audit/verification");
  if (status.error) return <ErrorNote error={status.error} retry={status.reload} />;
  if (!status.data) return <Loading />;
  const v = status.data;
  return (
    <div className={`note ${v.intact ? "note-ok" : "note-error"}`} role="status" data-testid="audit-chain">
      <span>
        {v.intact
          ? t("admin.audit.intact", { count: number(v.checked) })
          : t("admin.audit.broken", { seq: v.broken ? number(v.broken.seq) : "?", reason: v.broken ? t(`admin.audit.kind.${v.broken.kind}` as MessageKey) : "" })}
      </span>
      <button type="button" className="btn btn-small" onClick={status.reload}>
        {t("admin.audit.verify")}
      </button>
    </div>
  );
}

function AuditDetail(props: { entry: AuditRecord }) {
  const { t, dateTime } = useI18n();
  const e = props.entry;
  const json = (value: unknown) => (value === undefined || value === null ? "—" : JSON.stringify(value, null, 2));
  return (
    <div className="audit-detail" data-testid="audit-detail">
      <dl className="facts">
        <div>
          <dt>{t("admin.audit.seq")}</dt>
          <dd>{e.seq}</dd>
        </div>
        <div>
          <dt>{t("admin.audit.at")}</dt>
          <dd>{dateTime(e.at)}</dd>
        </div>
        <div>
          <dt>{t("admin.audit.actor")}</dt>
          <dd className="wrap">
            {t(`admin.audit.actor.${e.actor_type}` as MessageKey)} {e.actor_label ?? ""} {e.actor_id ? <code className="mono">{e.actor_id}</code> : null}
          </dd>
        </div>
        <div>
          <dt>{t("admin.audit.target")}</dt>
          <dd className="wrap">
            {e.target_type ?? "—"} {e.target_id ? <code className="mono">{e.target_id}</code> : null}
          </dd>
        </div>
        <div>
          <dt>{"IP"}</dt>
          <dd>{e.ip ?? "—"}</dd>
        </div>
        <div>
          <dt>{t("admin.audit.requestId")}</dt>
          <dd className="wrap mono">{e.request_id ?? "—"}</dd>
        </div>
      </dl>
      <div className="audit-diff">
        <div>
          <h3>{t("admin.audit.before")}</h3>
          <pre className="mono">{json(e.before)}</pre>
        </div>
        <div>
          <h3>{t("admin.audit.after")}</h3>
          <pre className="mono">{json(e.after)}</pre>
        </div>
      </div>
    </div>
  );
}
