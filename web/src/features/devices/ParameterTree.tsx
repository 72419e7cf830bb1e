import { useEffect, useState, type FormEvent } from "react";
import { useApp, useQuery } from "../../lib/app";
import { useI18n } from "../../lib/i18n";
import { buildQuery } from "../../lib/router";
import type { DeviceParameter, DeviceParameterChange, DeviceTask, Page } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Pager } from "../../ui/Table";
import { ErrorNote, Loading } from "../../ui/States";

// Branches are derived from the nodes of the page shown (the API has no depth filter), so pages are large.
const LIMIT = 500;

/** The immediate children of `prefix` among `names` (objects end with "."). */
export function childBranches(prefix: string, names: string[]): string[] {
  const out = new Set<string>();
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const dot = rest.indexOf(".");
    if (dot >= 0 && dot < rest.length - 1) out.add(prefix + rest.slice(0, dot + 1));
  }
  return [...out].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

/** Browse the cached TR-069 tree by branch, with a text filter (the API's prefix= and q=). */
export function ParameterTree(props: { deviceId: string }) {
  const { t, relative } = useI18n();
  const [prefix, setPrefix] = useState("");
  const [filter, setFilter] = useState("");
  const [q, setQ] = useState("");
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const { api, cache, can, online } = useApp();
  const writer = can("devices.execute");
  // Writes are device tasks: the CPE gets them at its next session (or a connection request).
  const queue = async (body: Record<string, unknown>) => {
    setFailure(null);
    setNotice(null);
    try {
      const task = await api.post<DeviceTask>(`/api/v1/devices/${props.deviceId}/tasks`, body);
      setNotice(t("params.taskQueued", { task: task.id.slice(0, 8) }));
      cache.invalidate(`/api/v1/devices/${props.deviceId}/tasks`);
      return true;
    } catch (error) {
      setFailure(error);
      return false;
    }
  };
  const save = async (event: FormEvent, p: DeviceParameter) => {
    event.preventDefault();
    if (await queue({ type: "setParameterValues", parameter_values: [{ name: p.name, value: draft, type: p.type ?? "xsd:string" }] })) setEditing(null);
  };
  useEffect(() => {
    const timer = setTimeout(() => setQ(filter), 250);
    return () => clearTimeout(timer);
  }, [filter]);
  useEffect(() => setOffset(0), [prefix, q]);
  const page = useQuery<Page<DeviceParameter>>(`/api/v1/devices/${props.deviceId}/parameters${buildQuery({ prefix, q, limit: LIMIT, offset: offset || undefined })}`);
  const parts = prefix.split(".").filter(Boolean);
  const rows = page.data?.items ?? [];
  const branches = q ? [] : childBranches(prefix, rows.map((p) => p.name));
  const leaves = rows.filter((p) => !p.object && (q || !p.name.slice(prefix.length).includes(".")));
  return (
    <Card>
      <div className="filters">
        <div className="field field-grow">
          <label htmlFor="param-filter">{t("params.search")}</label>
          <input id="param-filter" type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="SSID, WANIPConnection…" />
        </div>
      </div>
      {writer && (
        <div className="row">
          <button type="button" className="btn btn-small" disabled={!online} onClick={() => queue(prefix ? { type: "refresh", path: prefix } : { type: "refresh" })}>
            {t("params.refresh")}
          </button>
        </div>
      )}
      {notice && (
        <p className="note note-ok" role="status">
          {notice}
        </p>
      )}
      {failure ? <ErrorNote error={failure} /> : null}
      <nav className="crumbs" aria-label={t("params.prefix")}>
        <button type="button" className="btn-link" onClick={() => setPrefix("")}>
          /
        </button>
        {parts.map((part, i) => {
          const target = parts.slice(0, i + 1).join(".") + ".";
          return (
            <span key={target}>
              <button type="button" className="btn-link" onClick={() => setPrefix(target)} aria-current={target === prefix ? "location" : undefined}>
                {part}
              </button>
              .
            </span>
          );
        })}
      </nav>
      {page.error ? <ErrorNote error={page.error} retry={page.reload} /> : null}
      {!page.data && !page.error && <Loading />}
      {page.data && page.data.total === 0 && <p className="muted">{t("params.empty")}</p>}
      {branches.length > 0 && (
        <ul className="branches" data-testid="param-branches">
          {branches.map((b) => (
            <li key={b}>
              <button type="button" className="btn btn-small" onClick={() => setPrefix(b)}>
                {b.slice(prefix.length)}
              </button>
            </li>
          ))}
        </ul>
      )}
      {leaves.length > 0 && (
        <div className="table-wrap">
          <table className="table params" data-testid="param-table">
            <caption className="sr-only">{t("device.tab.parameters")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("params.name")}</th>
                <th scope="col">{t("params.value")}</th>
                <th scope="col">{t("params.type")}</th>
                <th scope="col">{t("params.writable")}</th>
                {writer && <th scope="col"><span className="sr-only">{t("params.edit")}</span></th>}
              </tr>
            </thead>
            <tbody>
              {leaves.map((p) => (
                <tr key={p.name}>
                  <td data-label={t("params.name")}>
                    <button type="button" className="btn-link" title={t("params.historyOf", { name: p.name })} onClick={() => setSelected(p.name)}>
                      <code>{q ? p.name : p.name.slice(prefix.length)}</code>
                    </button>
                  </td>
                  <td data-label={t("params.value")} title={relative(p.updated_at)}>
                    {editing === p.name ? (
                      <form className="inline-edit" onSubmit={(e) => save(e, p)}>
                        <label className="sr-only" htmlFor="param-edit">
                          {t("params.newValue", { name: p.name })}
                        </label>
                        <input id="param-edit" value={draft} onChange={(e) => setDraft(e.target.value)} autoFocus />
                        <button type="submit" className="btn btn-small btn-primary" disabled={!online}>
                          {t("common.save")}
                        </button>
                        <button type="button" className="btn btn-small" onClick={() => setEditing(null)}>
                          {t("common.cancel")}
                        </button>
                      </form>
                    ) : (
                      <code>{p.value ?? ""}</code>
                    )}
                  </td>
                  <td data-label={t("params.type")} className="muted">
                    {p.type ?? ""}
                  </td>
                  <td data-label={t("params.writable")}>{p.writable === undefined ? "—" : p.writable ? t("common.yes") : t("common.no")}</td>
                  {writer && (
                    <td>
                      {p.writable && editing !== p.name && (
                        <button
                          type="button"
                          className="btn btn-small"
                          disabled={!online}
                          aria-label={t("params.editNamed", { name: p.name })}
                          onClick={() => {
                            setEditing(p.name);
                            setDraft(p.value === "********" ? "" : p.value ?? "");
                          }}
                        >
                          {t("params.edit")}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.data && page.data.total > LIMIT && <Pager offset={offset} limit={LIMIT} total={page.data.total} onChange={setOffset} />}
      {selected && <History deviceId={props.deviceId} name={selected} onClose={() => setSelected(null)} />}
    </Card>
  );
}

/** What a parameter was before, newest first (GET /devices/{id}/parameters/history?name=). */
function History(props: { deviceId: string; name: string; onClose: () => void }) {
  const { t, dateTime } = useI18n();
  const history = useQuery<Page<DeviceParameterChange>>(`/api/v1/devices/${props.deviceId}/parameters/history${buildQuery({ name: props.name, limit: 50 })}`);
  return (
    <section className="history" aria-labelledby="history-title" data-testid="param-history">
      <div className="card-header">
        <h3 id="history-title">{t("params.historyOf", { name: props.name })}</h3>
        <button type="button" className="btn btn-small" onClick={props.onClose}>
          {t("common.close")}
        </button>
      </div>
      {history.error ? <ErrorNote error={history.error} retry={history.reload} /> : null}
      {!history.data && !history.error && <Loading />}
      {history.data && history.data.items.length === 0 && <p className="muted">{t("params.noHistory")}</p>}
      {history.data && history.data.items.length > 0 && (
        <ol className="timeline">
          {history.data.items.map((c, i) => (
            <li key={i}>
              <time dateTime={c.changed_at}>{dateTime(c.changed_at)}</time>: <code>{c.old_value ?? "∅"}</code> → <code>{c.new_value ?? "∅"}</code>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
