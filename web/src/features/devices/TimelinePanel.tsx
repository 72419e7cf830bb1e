// The device page's History tab: everything that happened to the device (GET /devices/{id}/timeline),
// newest first, filtered by kind and paged by cursor. The first page follows `devices/<id>` events.
import { useEffect, useState } from "react";
import { useApp, useQuery } from "../../lib/app";
import { inLocale, useI18n, type MessageKey } from "../../lib/i18n";
import { Card } from "../../ui/Card";
import { Badge, ErrorNote, Loading } from "../../ui/States";

export type TimelineKind = "inform" | "task" | "parameter_change" | "audit" | "reachability" | "alert";
const KINDS: TimelineKind[] = ["inform", "task", "parameter_change", "audit", "reachability", "alert"];

export interface TimelineEntry {
  kind: TimelineKind;
  id: string;
  at: string;
  data: Record<string, unknown>;
}

export interface TimelinePage {
  items: TimelineEntry[];
  next_cursor?: string | null;
}

const PAGE = 30;

export default function TimelinePanel(props: { deviceId: string }) {
  const { t } = useI18n();
  const { api, can } = useApp();
  const [kind, setKind] = useState<TimelineKind | "">("");
  const base = `/api/v1/devices/${props.deviceId}/timeline?limit=${PAGE}${kind ? `&kinds=${kind}` : ""}`;
  const first = useQuery<TimelinePage>(base);
  const [older, setOlder] = useState<TimelineEntry[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [loadingMore, setLoadingMore] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  // A new filter starts over.
  useEffect(() => {
    setOlder([]);
    setCursor(undefined);
  }, [base]);
  if (!first.data) return first.error ? <ErrorNote error={first.error} retry={first.reload} /> : <Loading />;
  const next = cursor === undefined ? first.data.next_cursor : cursor;
  // Entries of later pages that a refreshed first page now also holds are shown once.
  const seen = new Set(first.data.items.map((e) => `${e.kind}/${e.id}`));
  const items = [...first.data.items, ...older.filter((e) => !seen.has(`${e.kind}/${e.id}`))];
  const more = async () => {
    if (!next) return;
    setLoadingMore(true);
    setFailure(null);
    try {
      const page = await api.get<TimelinePage>(`${base}&cursor=${encodeURIComponent(next)}`);
      setOlder((o) => [...o, ...page.items]);
      setCursor(page.next_cursor ?? null);
    } catch (error) {
      setFailure(error);
    } finally {
      setLoadingMore(false);
    }
  };
  const offered = KINDS.filter((k) => (k === "alert" ? can("alerts.read") : k === "audit" ? can("audit.read") : true));
  return (
    <Card
      title={t("timeline.title")}
      labelledBy="timeline-title"
      actions={
        <div className="field field-inline">
          <label htmlFor="timeline-kind">{t("timeline.filter")}</label>
          <select id="timeline-kind" value={kind} onChange={(e) => setKind(e.target.value as TimelineKind | "")}>
            <option value="">{t("timeline.all")}</option>
            {offered.map((k) => (
              <option key={k} value={k}>
                {t(`timeline.kind.${k}` as MessageKey)}
              </option>
            ))}
          </select>
        </div>
      }
    >
      {items.length === 0 ? (
        <p className="muted">{t("timeline.empty")}</p>
      ) : (
        <ol className="device-history" data-testid="timeline">
          {items.map((entry) => (
            <TimelineItem key={`${entry.kind}/${entry.id}`} entry={entry} />
          ))}
        </ol>
      )}
      {failure ? <ErrorNote error={failure} /> : null}
      {next && (
        <button type="button" className="btn" onClick={more} disabled={loadingMore} data-testid="timeline-more">
          {loadingMore ? t("common.loading") : t("timeline.more")}
        </button>
      )}
    </Card>
  );
}

const text = (v: unknown) => (v === null || v === undefined || v === "" ? "—" : String(v));

function TimelineItem(props: { entry: TimelineEntry }) {
  const { t, dateTime, relative, locale } = useI18n();
  const { kind, data, at } = props.entry;
  let tone = "tag";
  let body: JSX.Element;
  switch (kind) {
    case "inform": {
      const events = Array.isArray(data.events) ? (data.events as string[]) : [];
      body = (
        <>
          {t("timeline.inform", { events: events.join(", ") || "—" })}
          {data.remote_ip ? <span className="muted"> · {text(data.remote_ip)}</span> : null}
        </>
      );
      break;
    }
    case "task": {
      const status = text(data.status);
      tone = status === "done" ? "online" : status === "fault" || status === "expired" ? "offline" : "pending";
      body = (
        <>
          {t("timeline.task", { type: text(data.type) })} <Badge tone={tone}>{t(`task.${status}` as MessageKey)}</Badge>
          {data.fault_string ? <span className="muted"> {text(data.fault_string)}</span> : null}
          {data.created_by ? <span className="muted"> · {t("timeline.by", { who: text(data.created_by) })}</span> : null}
        </>
      );
      break;
    }
    case "parameter_change":
      body = (
        <>
          <code className="wrap">{text(data.path)}</code>: {text(data.old_value)} → <strong>{text(data.new_value)}</strong>
        </>
      );
      break;
    case "audit":
      body = (
        <>
          <code>{text(data.action)}</code>
          {data.actor_label ? <span className="muted"> · {t("timeline.by", { who: text(data.actor_label) })}</span> : null}
        </>
      );
      break;
    case "reachability":
      tone = data.state === "up" ? "online" : data.state === "down" ? "offline" : "pending";
      body = <>{t("timeline.reachability", { state: t(`timeline.state.${text(data.state)}` as MessageKey) })}</>;
      break;
    case "alert":
      tone = data.severity === "critical" ? "offline" : data.severity === "warning" ? "pending" : "tag";
      body = (
        <>
          {inLocale(locale, text(data.summary), typeof data.summary_pt_br === "string" ? data.summary_pt_br : null)} <span className="muted">· {text(data.state)}</span>
        </>
      );
      break;
  }
  return (
    <li className="history-item" data-kind={kind}>
      <span>
        <Badge tone={kind === "task" || kind === "reachability" || kind === "alert" ? tone : "tag"}>{t(`timeline.kind.${kind}` as MessageKey)}</Badge>
      </span>
      <span className="history-body">{body}</span>
      <time className="history-at muted" dateTime={at} title={dateTime(at)}>
        {relative(at)} · {dateTime(at)}
      </time>
    </li>
  );
}
