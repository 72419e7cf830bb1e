// Device groups: the list (search by name, paged in the URL), create, and a group's page (edit, delete
// after a confirmation, its devices paged; a static group's members added from a search and removed,
// a dynamic group's criteria edited).
import { useEffect, useState, type FormEvent } from "react";
import { useApp, useQuery } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { buildQuery, Link, navigate } from "../../lib/router";
import { DEVICE_KINDS, DEVICE_STATUSES, type Device, type Page, type Pop } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Field, Select } from "../../ui/Form";
import { DataTable, Pager, type Column } from "../../ui/Table";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { fieldErrors, FormProblem, useAction } from "../alerts/common";
import { emptyGroup, groupBody, groupToForm, type FieldErrors, type GroupForm, type GroupRecord } from "../devices/model";
import { deviceColumns, EditActions, HierarchyNav } from "./parts";
import { searchTerm } from "./search";

const LIMIT = 50;

function KindBadge(props: { kind: GroupRecord["kind"] }) {
  const { t } = useI18n();
  return <Badge tone={props.kind === "dynamic" ? "tag" : "disabled"}>{t(`group.kindShort.${props.kind}` as MessageKey)}</Badge>;
}

export function GroupList(props: { path: string; query: Record<string, string> }) {
  const { t, number } = useI18n();
  const { can, online } = useApp();
  const q = props.query;
  const filters: Record<string, string | undefined> = { q: q.q, offset: q.offset };
  const [search, setSearch] = useState(q.q ?? "");
  const groups = useQuery<Page<GroupRecord>>(`/api/v1/device-groups${buildQuery({ ...filters, limit: LIMIT })}`);
  const creating = q.new === "1" && can("devices.write");
  const go = (changes: Record<string, string | undefined>) => {
    const next: Record<string, string | undefined> = { ...filters, new: q.new, ...changes };
    if (!("offset" in changes)) next.offset = undefined;
    navigate(`/network/groups${buildQuery(next)}`, true);
  };
  useEffect(() => {
    if (search === (q.q ?? "")) return;
    const timer = setTimeout(() => go({ q: search || undefined }), 300);
    return () => clearTimeout(timer);
  }, [search]);
  const columns: Column<GroupRecord>[] = [
    { key: "name", label: t("group.name"), render: (g) => <Link href={`/network/groups/${g.id}`}>{g.name}</Link> },
    { key: "kind", label: t("group.kind"), render: (g) => <KindBadge kind={g.kind} /> },
    { key: "count", label: t("group.count"), className: "num", render: (g) => number(g.device_count) },
    { key: "description", label: t("group.description"), render: (g) => g.description ?? "—" },
  ];
  return (
    <>
      <HierarchyNav path={props.path} />
      <div className="page-head">
        <h1>{t("group.title")}</h1>
        {groups.data && (
          <p className="muted" data-testid="group-count">
            {t("group.total", { count: number(groups.data.total) })}
          </p>
        )}
        {can("devices.write") && !creating && (
          <button type="button" className="btn btn-primary" disabled={!online} onClick={() => go({ new: "1", offset: q.offset })} data-testid="new-group">
            {t("group.new")}
          </button>
        )}
      </div>
      {creating && <GroupEditor onDone={(saved) => (saved ? navigate(`/network/groups/${saved.id}`) : go({ new: undefined, offset: q.offset }))} />}
      <Card>
        <form className="filters" role="search" onSubmit={(e) => (e.preventDefault(), go({ q: search || undefined }))}>
          <div className="field field-grow">
            <label htmlFor="group-search">{t("common.search")}</label>
            <input id="group-search" type="search" value={search} placeholder={t("group.searchPlaceholder")} onChange={(e) => setSearch(e.target.value)} />
          </div>
        </form>
        {groups.error ? <ErrorNote error={groups.error} retry={groups.reload} /> : null}
        {!groups.data && !groups.error && <Loading />}
        {groups.data && (
          <>
            <DataTable caption={t("group.title")} rows={groups.data.items} rowKey={(g) => g.id} columns={columns} empty={t("group.empty")} testId="group-table" />
            <Pager offset={groups.data.offset} limit={LIMIT} total={groups.data.total} onChange={(offset) => go({ offset: offset ? String(offset) : undefined })} />
          </>
        )}
      </Card>
    </>
  );
}

function groupLabels(t: (key: MessageKey) => string): Record<string, string> {
  return { name: t("group.name"), description: t("group.description"), kind: t("group.kind"), filter: t("group.filter") };
}

/** Create a group, or change or delete one (`existing`; its kind is fixed). */
function GroupEditor(props: { existing?: GroupRecord; onDone: (saved?: GroupRecord) => void }) {
  const { t } = useI18n();
  const { api, cache, can, online } = useApp();
  const check = (key: string, values?: Record<string, string | number>) => t(`form.${key}` as MessageKey, values);
  const [form, setForm] = useState<GroupForm>(() => (props.existing ? groupToForm(props.existing) : emptyGroup()));
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const errors = fieldErrors(local, action);
  const writable = can("devices.write");
  const [saved, setSaved] = useState(false);
  const pops = useQuery<Page<Pop>>(can("pops.read") && form.kind === "dynamic" ? "/api/v1/pops?limit=500" : null);
  const set = (key: keyof GroupForm, value: string) => setForm({ ...form, [key]: value });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: found } = groupBody(form, check, props.existing);
    setLocal(found);
    action.setError(null);
    setSaved(false);
    if (!body) return;
    const result = await action.run(() =>
      props.existing ? api.request<GroupRecord>("PATCH", `/api/v1/device-groups/${props.existing.id}`, body) : api.post<GroupRecord>("/api/v1/device-groups", body),
    );
    if (result) {
      setSaved(Boolean(props.existing));
      cache.invalidate("/api/v1/device-groups");
      props.onDone(result);
    }
  };
  const remove = async () => {
    if (!props.existing) return;
    const done = await action.run(async () => {
      await api.request("DELETE", `/api/v1/device-groups/${props.existing!.id}`);
      return true;
    });
    if (done) {
      cache.invalidate("/api/v1/device-groups");
      navigate("/network/groups");
    }
  };
  return (
    <Card title={props.existing ? t("group.details") : t("group.new")} labelledBy="group-editor">
      <form onSubmit={submit} noValidate data-testid="group-form">
        <FormProblem local={local} action={action} labels={groupLabels(t)} />
        <fieldset disabled={!writable || action.busy}>
          <div className="form-row">
            <Field label={t("group.name")} value={form.name} onChange={(e) => set("name", e.target.value)} error={errors.name} autoComplete="off" />
            <Select
              label={t("group.kind")}
              value={form.kind}
              disabled={Boolean(props.existing)}
              help={props.existing ? t("group.kindFixed") : undefined}
              onChange={(e) => set("kind", e.target.value)}
              error={errors.kind}
            >
              <option value="static">{t("group.kind.static")}</option>
              <option value="dynamic">{t("group.kind.dynamic")}</option>
            </Select>
          </div>
          <Field label={t("group.description")} value={form.description} onChange={(e) => set("description", e.target.value)} error={errors.description} />
          {form.kind === "dynamic" && (
            <fieldset className="subfields" aria-describedby="group-filter-help">
              <legend>{t("group.filter")}</legend>
              <p id="group-filter-help" className="field-help">
                {t("group.filterHelp")}
              </p>
              {errors.filter && (
                <p className="field-error" role="alert">
                  {errors.filter}
                </p>
              )}
              <div className="form-row">
                <Field label={t("devForm.vendor")} value={form.vendor} onChange={(e) => set("vendor", e.target.value)} />
                <Field label={t("devForm.model")} value={form.model} onChange={(e) => set("model", e.target.value)} />
                <Field label={t("devices.tagFilter")} value={form.tag} onChange={(e) => set("tag", e.target.value)} />
              </div>
              <div className="form-row">
                <Select label={t("devices.kind")} value={form.device_kind} onChange={(e) => set("device_kind", e.target.value)}>
                  <option value="">{t("group.any")}</option>
                  {DEVICE_KINDS.map((k) => (
                    <option key={k} value={k}>
                      {t(`kind.${k}` as MessageKey)}
                    </option>
                  ))}
                </Select>
                <Select label={t("devices.status")} value={form.status} onChange={(e) => set("status", e.target.value)}>
                  <option value="">{t("group.any")}</option>
                  {DEVICE_STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {t(`status.${s}` as MessageKey)}
                    </option>
                  ))}
                </Select>
                {can("pops.read") && (
                  <Select label={t("devices.pop")} value={form.pop_id} onChange={(e) => set("pop_id", e.target.value)}>
                    <option value="">{t("group.any")}</option>
                    {pops.data?.items.map((p) => (
                      <option key={p.id} value={p.id}>
                        {p.name}
                      </option>
                    ))}
                  </Select>
                )}
              </div>
            </fieldset>
          )}
        </fieldset>
        <EditActions
          writable={writable}
          disabled={!online || action.busy}
          deleteQuestion={props.existing && t("group.deleteConfirm", { name: props.existing.name })}
          onCancel={() => props.onDone()}
          onDelete={remove}
          saved={saved}
        />
      </form>
    </Card>
  );
}

export function GroupPage(props: { id: string; path: string; query: Record<string, string> }) {
  const { t, number } = useI18n();
  const group = useQuery<GroupRecord>(`/api/v1/device-groups/${props.id}`);
  if (!group.data) return group.error ? <ErrorNote error={group.error} retry={group.reload} /> : <Loading />;
  const g = group.data;
  return (
    <>
      <HierarchyNav path={props.path} />
      <div className="page-head">
        <p className="crumbs">
          <Link href="/network">{t("hier.title")}</Link> / <Link href="/network/groups">{t("group.title")}</Link> /
        </p>
        <h1>
          {g.name} <KindBadge kind={g.kind} />
        </h1>
        <p className="muted" data-testid="group-size">
          {t("group.size", { count: number(g.device_count) })}
        </p>
      </div>
      <GroupEditor key={g.id} existing={g} onDone={() => undefined} />
      <GroupDevices group={g} query={props.query} />
    </>
  );
}

/** A group's devices, paged (offset in the URL); a static group's members are added and removed here. */
function GroupDevices(props: { group: GroupRecord; query: Record<string, string> }) {
  const { t } = useI18n();
  const { api, cache, can, online } = useApp();
  const g = props.group;
  const offset = props.query.offset;
  const devices = useQuery<Page<Device>>(can("devices.read") ? `/api/v1/device-groups/${g.id}/devices${buildQuery({ sort: "name", offset, limit: LIMIT })}` : null);
  const [search, setSearch] = useState("");
  const [term, setTerm] = useState<string | null>(null);
  useEffect(() => {
    const timer = setTimeout(() => setTerm(searchTerm(search)), 300);
    return () => clearTimeout(timer);
  }, [search]);
  const candidates = useQuery<Page<Device>>(term ? `/api/v1/devices${buildQuery({ q: term, limit: 8, sort: "name" })}` : null);
  // Whether a candidate is a member already: a second look through the members' list with the same term.
  const memberHits = useQuery<Page<Device>>(term ? `/api/v1/device-groups/${g.id}/devices${buildQuery({ q: term, limit: 8, sort: "name" })}` : null);
  const action = useAction();
  const editable = can("devices.write") && g.kind === "static";
  const change = async (body: { add?: string[]; remove?: string[] }) => {
    const saved = await action.run(() => api.post<GroupRecord>(`/api/v1/device-groups/${g.id}/members`, body));
    if (saved) cache.invalidate("/api/v1/device-groups");
  };
  const members = new Set(memberHits.data?.items.map((d) => d.id));
  const columns = deviceColumns(t);
  if (editable) {
    columns.push({
      key: "remove",
      label: t("common.actions"),
      render: (d) => (
        <button type="button" className="btn btn-small" disabled={!online || action.busy} onClick={() => change({ remove: [d.id] })} aria-label={t("group.removeFor", { name: d.name })}>
          {t("group.remove")}
        </button>
      ),
    });
  }
  if (!can("devices.read")) return null;
  return (
    <Card title={t("group.members")} labelledBy="group-members-title">
      {g.kind === "dynamic" && <p className="muted">{t("group.dynamicNote")}</p>}
      {action.error ? <ErrorNote error={action.error} /> : null}
      {devices.error ? (
        <ErrorNote error={devices.error} retry={devices.reload} />
      ) : !devices.data ? (
        <Loading />
      ) : (
        <>
          <DataTable caption={t("group.members")} rows={devices.data.items} rowKey={(d) => d.id} columns={columns} empty={t("hier.noDevices")} testId="group-devices" />
          <Pager
            offset={devices.data.offset}
            limit={LIMIT}
            total={devices.data.total}
            onChange={(next) => navigate(`/network/groups/${g.id}${buildQuery({ offset: next ? String(next) : undefined })}`, true)}
          />
        </>
      )}
      {editable && (
        <div className="assign">
          <div className="field">
            <label htmlFor="group-add-search">{t("group.addSearch")}</label>
            <input id="group-add-search" type="search" value={search} placeholder={t("devices.searchPlaceholder")} onChange={(e) => setSearch(e.target.value)} />
          </div>
          {term && candidates.data && (
            <ul className="plain-list" data-testid="group-candidates">
              {candidates.data.items.length === 0 && <li className="muted">{t("hier.noMatch")}</li>}
              {candidates.data.items.map((d) => (
                <li key={d.id} className="candidate">
                  <span>
                    <strong>{d.name}</strong> <span className="muted mono">{[d.serial_number, d.management_ip].filter(Boolean).join(" · ")}</span>
                  </span>
                  {members.has(d.id) ? (
                    <span className="muted">{t("group.already")}</span>
                  ) : (
                    <button type="button" className="btn btn-small" disabled={!online || action.busy || !memberHits.data} onClick={() => change({ add: [d.id] })} aria-label={t("group.addFor", { name: d.name })}>
                      {t("group.add")}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </Card>
  );
}
