import { lazy, Suspense, useEffect, useState } from "react";
import { useApp, useQuery, useTopics } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { buildQuery, Link, navigate } from "../../lib/router";
import { DEVICE_KINDS, DEVICE_STATUSES, type Device, type Page, type Pop } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Select } from "../../ui/Form";
import { DataTable, Pager, type Column } from "../../ui/Table";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { HelpButton } from "../help/HelpButton";
import { useDefaultPop } from "../../lib/preferences";

const LIMIT = 50;

// The device form is its own chunk, loaded when "Novo dispositivo" is opened.
const DeviceEditor = lazy(() => import("./DeviceEditor"));

/** A device's tags as chips (nothing when it has none). */
export function TagChips(props: { tags: string[] }) {
  return props.tags.length ? (
    <span className="tag-chips">
      {props.tags.map((tag) => (
        <Badge key={tag} tone="tag">
          {tag}
        </Badge>
      ))}
    </span>
  ) : (
    <>—</>
  );
}

export function StatusBadge(props: { status: Device["status"] }) {
  const { t } = useI18n();
  return <Badge tone={props.status}>{t(`status.${props.status}` as MessageKey)}</Badge>;
}

/** The device list; its filters live in the URL so a view can be shared and survives reload. */
export function DeviceList(props: { query: Record<string, string> }) {
  const { t, number, relative } = useI18n();
  const { can, online, cache } = useApp();
  useTopics("devices");
  const q = props.query;
  const filters: Record<string, string | undefined> = { q: q.q, status: q.status, kind: q.kind, pop_id: q.pop_id, tag: q.tag, sort: q.sort ?? "name", offset: q.offset };
  const [search, setSearch] = useState(q.q ?? "");
  const [tag, setTag] = useState(q.tag ?? "");
  const creating = q.new === "1" && can("devices.write");
  const pops = useQuery<Page<Pop>>(can("pops.read") ? "/api/v1/pops?limit=500" : null);
  const url = `/api/v1/devices${buildQuery({ ...filters, limit: LIMIT })}`;
  const devices = useQuery<Page<Device>>(url);
  // The next page is fetched once this one is shown, so paging forward draws from the cache.
  const page = devices.data;
  // Past 10,000 matches the API stops counting (`total_is_estimate`): a full page may have a next one.
  const hasNext = page ? (page.total_is_estimate ? page.items.length === LIMIT : page.offset + LIMIT < page.total) : false;
  const nextUrl = page && hasNext ? `/api/v1/devices${buildQuery({ ...filters, offset: String(page.offset + LIMIT), limit: LIMIT })}` : null;
  useEffect(() => {
    if (nextUrl && online) cache.load(nextUrl).catch(() => undefined);
  }, [nextUrl, online]);
  const popName = (id?: string) => (id ? pops.data?.items.find((p) => p.id === id)?.name ?? "…" : t("common.noPop"));

  const go = (changes: Record<string, string | undefined>) => {
    const next: Record<string, string | undefined> = { ...filters, new: q.new, ...changes };
    if (!("offset" in changes)) next.offset = undefined;
    if (next.sort === "name") next.sort = undefined;
    navigate(`/devices${buildQuery(next)}`, true);
  };

  useDefaultPop(q.pop_id, pops.data?.items, (id) => go({ pop_id: id }));
  useEffect(() => {
    if (search === (q.q ?? "")) return;
    const timer = setTimeout(() => go({ q: search || undefined }), 300);
    return () => clearTimeout(timer);
  }, [search]);
  useEffect(() => {
    if (tag.trim() === (q.tag ?? "")) return;
    const timer = setTimeout(() => go({ tag: tag.trim() || undefined }), 300);
    return () => clearTimeout(timer);
  }, [tag]);

  const columns: Column<Device>[] = [
    { key: "name", label: t("devices.name"), sort: "name", render: (d) => <Link href={`/devices/${d.id}`}>{d.name}</Link> },
    { key: "status", label: t("devices.status"), sort: "status", render: (d) => <StatusBadge status={d.status} /> },
    { key: "kind", label: t("devices.kind"), sort: "kind", render: (d) => t(`kind.${d.kind}` as MessageKey) },
    { key: "vendor", label: t("devices.vendorModel"), sort: "vendor", render: (d) => [d.vendor, d.model].filter(Boolean).join(" ") || "—" },
    { key: "ip", label: t("devices.ip"), render: (d) => <code>{d.management_ip ?? "—"}</code> },
    { key: "pop", label: t("devices.pop"), render: (d) => popName(d.pop_id) },
    { key: "tags", label: t("device.tags"), render: (d) => <TagChips tags={d.tags} /> },
    { key: "seen", label: t("devices.lastSeen"), sort: "last_seen_at", render: (d) => (d.last_seen_at ? relative(d.last_seen_at) : t("devices.never")) },
  ];

  return (
    <>
      <div className="page-head">
        <h1>{t("devices.title")}</h1>
        <HelpButton module="devices" />
        {devices.data && <p className="muted" data-testid="device-count">{t(devices.data.total_is_estimate ? "devices.countMore" : "devices.count", { count: number(devices.data.total) })}</p>}
        {can("devices.write") && !creating && (
          <button type="button" className="btn btn-primary" disabled={!online} onClick={() => go({ new: "1", offset: q.offset })} data-testid="new-device">
            {t("devForm.new")}
          </button>
        )}
      </div>
      {creating && (
        <Suspense fallback={<Loading />}>
          <DeviceEditor initialPop={q.pop_id ?? ""} onDone={(saved) => (saved ? navigate(`/devices/${saved.id}`) : go({ new: undefined, offset: q.offset }))} />
        </Suspense>
      )}
      <Card>
        <form className="filters" role="search" onSubmit={(e) => (e.preventDefault(), go({ q: search || undefined }))}>
          <div className="field field-grow">
            <label htmlFor="device-search">{t("common.search")}</label>
            <input id="device-search" type="search" value={search} placeholder={t("devices.searchPlaceholder")} onChange={(e) => setSearch(e.target.value)} />
          </div>
          <Select label={t("devices.status")} value={filters.status ?? ""} onChange={(e) => go({ status: e.target.value || undefined })}>
            <option value="">{t("common.all")}</option>
            {DEVICE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}` as MessageKey)}
              </option>
            ))}
          </Select>
          <Select label={t("devices.kind")} value={filters.kind ?? ""} onChange={(e) => go({ kind: e.target.value || undefined })}>
            <option value="">{t("common.all")}</option>
            {DEVICE_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kind.${k}` as MessageKey)}
              </option>
            ))}
          </Select>
          <div className="field">
            <label htmlFor="device-tag-filter">{t("devices.tagFilter")}</label>
            <input id="device-tag-filter" type="search" value={tag} placeholder={t("devForm.tagPlaceholder")} onChange={(e) => setTag(e.target.value)} />
          </div>
          {pops.data && (
            <Select label={t("devices.pop")} value={filters.pop_id ?? ""} onChange={(e) => go({ pop_id: e.target.value || undefined })}>
              <option value="">{t("common.all")}</option>
              {pops.data.items.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </Select>
          )}
        </form>
        {/* The page shown and whether it is still loading: what the list budget bench waits for. */}
        <div data-testid="device-results" data-url={url} aria-busy={!devices.data && !devices.error}>
        {devices.error ? <ErrorNote error={devices.error} retry={devices.reload} /> : null}
        {!devices.data && !devices.error && <Loading />}
        {devices.data && (
          <>
            <DataTable
              columns={columns}
              rows={devices.data.items}
              rowKey={(d) => d.id}
              caption={t("devices.title")}
              sort={filters.sort}
              onSort={(sort) => go({ sort })}
              testId="device-table"
            />
            <Pager
              offset={devices.data.offset}
              limit={LIMIT}
              total={devices.data.total}
              more={devices.data.total_is_estimate ? { shown: devices.data.items.length } : undefined}
              onChange={(offset) => go({ offset: offset ? String(offset) : undefined })}
            />
          </>
        )}
        </div>
      </Card>
    </>
  );
}
