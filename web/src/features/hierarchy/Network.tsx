// The hierarchy: Provider → POPs (list, create, edit, delete) → customers and devices, and a search
// that finds devices by serial, IP or name and by their customer.
import { useEffect, useState, type FormEvent } from "react";
import { useApp, useQuery, useTopics } from "../../lib/app";
import { useI18n } from "../../lib/i18n";
import { buildQuery, Link, navigate } from "../../lib/router";
import type { DashboardSummary, Device, Page } from "../../lib/types";
import { Card } from "../../ui/Card";
import { DataTable, type Column } from "../../ui/Table";
import { ErrorNote, Loading } from "../../ui/States";
import { fieldErrors, FormProblem, useAction } from "../alerts/common";
import { emptyPop, popBody, popToForm, type CustomerRecord, type FieldErrors, type PopForm, type PopRecord, type ProviderRecord } from "../setup/model";
import { PopFields, popLabels, useSetupCheck } from "../setup/parts";
import { AssignedDevices, DeviceStatus, EditActions, HierarchyNav } from "./parts";
import { CUSTOMER_FANOUT, mergeDeviceHits, searchTerm } from "./search";

/** The provider acted in (for the breadcrumb). */
function useProviderName(): string | undefined {
  const { api, me, can } = useApp();
  const id = api.providerId ?? me.provider_id;
  const provider = useQuery<ProviderRecord>(id && can("providers.read") ? `/api/v1/providers/${id}` : null);
  return provider.data?.name;
}

export function NetworkHome(props: { path: string; query: Record<string, string> }) {
  const { t, number } = useI18n();
  const { can, online } = useApp();
  const providerName = useProviderName();
  const [search, setSearch] = useState(props.query.q ?? "");
  const [creating, setCreating] = useState(false);
  useEffect(() => {
    if (search === (props.query.q ?? "")) return;
    const timer = setTimeout(() => navigate(`/network${buildQuery({ q: search || undefined })}`, true), 300);
    return () => clearTimeout(timer);
  }, [search]);
  const term = searchTerm(props.query.q);
  const pops = useQuery<Page<PopRecord>>(can("pops.read") && !term ? "/api/v1/pops?limit=500" : null);
  const summary = useQuery<DashboardSummary>(can("devices.read") && !term ? "/api/v1/dashboard/summary" : null);
  useTopics("devices");
  const devicesAt = (id: string) => summary.data?.pops.find((p) => p.pop_id === id)?.devices.total;
  const columns: Column<PopRecord>[] = [
    {
      key: "name",
      label: t("pop.name"),
      render: (p) => (
        <>
          <Link href={`/network/pops/${p.id}`}>{p.name}</Link>
          {p.code && <span className="muted"> · {p.code}</span>}
        </>
      ),
    },
    { key: "city", label: t("pop.place"), render: (p) => [p.city, p.state].filter(Boolean).join(" / ") || "—" },
    {
      key: "devices",
      label: t("nav.devices"),
      render: (p) => (can("devices.read") ? <Link href={`/devices${buildQuery({ pop_id: p.id })}`}>{number(devicesAt(p.id) ?? 0)}</Link> : "—"),
    },
    { key: "customers", label: t("hierNav.customers"), render: (p) => (can("customers.read") ? <Link href={`/network/customers${buildQuery({ pop_id: p.id })}`}>{t("hier.customersOf")}</Link> : "—") },
  ];
  return (
    <>
      <HierarchyNav path={props.path} />
      <div className="page-head">
        {providerName && <p className="crumbs">{providerName}</p>}
        <h1>{t("hier.title")}</h1>
        {can("pops.write") && !creating && !term && (
          <button type="button" className="btn btn-primary" disabled={!online} onClick={() => setCreating(true)}>
            {t("pop.new")}
          </button>
        )}
      </div>
      <Card>
        <form className="filters" role="search" onSubmit={(e) => (e.preventDefault(), navigate(`/network${buildQuery({ q: search || undefined })}`, true))}>
          <div className="field field-grow">
            <label htmlFor="network-search">{t("hier.search")}</label>
            <input id="network-search" type="search" value={search} placeholder={t("hier.searchPlaceholder")} onChange={(e) => setSearch(e.target.value)} />
          </div>
        </form>
        {props.query.q && !term && <p className="muted">{t("hier.searchShort")}</p>}
      </Card>
      {term ? (
        <SearchResults term={term} />
      ) : (
        <>
          {creating && <PopEditor onDone={() => setCreating(false)} />}
          {can("pops.read") && (
            <Card title={t("hier.pops")} labelledBy="pops-title">
              {pops.error ? (
                <ErrorNote error={pops.error} retry={pops.reload} />
              ) : !pops.data ? (
                <Loading />
              ) : (
                <DataTable caption={t("hier.pops")} rows={pops.data.items} rowKey={(p) => p.id} columns={columns} empty={t("pop.empty")} testId="pop-table" />
              )}
            </Card>
          )}
        </>
      )}
    </>
  );
}

function SearchResults(props: { term: string }) {
  const { t } = useI18n();
  const { can } = useApp();
  const q = encodeURIComponent(props.term);
  const direct = useQuery<Page<Device>>(can("devices.read") ? `/api/v1/devices?limit=50&q=${q}&sort=name` : null);
  const customers = useQuery<Page<CustomerRecord>>(can("customers.read") ? `/api/v1/customers?limit=20&q=${q}` : null);
  const matched = customers.data?.items.slice(0, CUSTOMER_FANOUT) ?? [];
  // Hooks in a fixed number: one slot per customer looked up.
  const via = [0, 1, 2, 3, 4].map((i) => {
    const c = matched[i];
    return useQuery<Page<Device>>(c && can("devices.read") ? `/api/v1/devices?limit=50&customer_id=${c.id}&sort=name` : null);
  });
  const hits = mergeDeviceHits(
    direct.data?.items ?? [],
    matched.map((c, i) => ({ customer: { id: c.id, name: c.name }, devices: via[i].data?.items ?? [] })),
  );
  const columns: Column<(typeof hits)[number]>[] = [
    { key: "name", label: t("devices.name"), render: (h) => <Link href={`/devices/${h.device.id}`}>{h.device.name}</Link> },
    { key: "status", label: t("devices.status"), render: (h) => <DeviceStatus status={h.device.status} /> },
    { key: "serial", label: t("device.serial"), render: (h) => <code>{h.device.serial_number ?? "—"}</code> },
    { key: "ip", label: t("devices.ip"), render: (h) => <code>{h.device.management_ip ?? "—"}</code> },
    {
      key: "customer",
      label: t("hier.customer"),
      render: (h) => (h.via ? <Link href={`/network/customers/${h.via.id}`}>{h.via.name}</Link> : h.device.customer_id ? <CustomerName id={h.device.customer_id} /> : "—"),
    },
  ];
  return (
    <div className="grid two">
      {can("devices.read") && (
        <Card title={t("nav.devices")} labelledBy="hits-devices">
          {direct.error ? (
            <ErrorNote error={direct.error} retry={direct.reload} />
          ) : !direct.data ? (
            <Loading />
          ) : (
            <DataTable caption={t("nav.devices")} rows={hits} rowKey={(h) => h.device.id} columns={columns} empty={t("hier.noMatch")} testId="hits-devices" />
          )}
        </Card>
      )}
      {can("customers.read") && (
        <Card title={t("hierNav.customers")} labelledBy="hits-customers">
          {customers.error ? (
            <ErrorNote error={customers.error} retry={customers.reload} />
          ) : !customers.data ? (
            <Loading />
          ) : (
            <DataTable
              caption={t("hierNav.customers")}
              rows={customers.data.items}
              rowKey={(c) => c.id}
              empty={t("hier.noMatch")}
              testId="hits-customers"
              columns={[
                { key: "name", label: t("cust.name"), render: (c) => <Link href={`/network/customers/${c.id}`}>{c.name}</Link> },
                { key: "document", label: t("cust.document"), render: (c) => c.document ?? "—" },
                { key: "ref", label: t("cust.externalRef"), render: (c) => c.external_ref ?? "—" },
              ]}
            />
          )}
        </Card>
      )}
    </div>
  );
}

function CustomerName(props: { id: string }) {
  const { can } = useApp();
  const customer = useQuery<CustomerRecord>(can("customers.read") ? `/api/v1/customers/${props.id}` : null);
  return customer.data ? <Link href={`/network/customers/${props.id}`}>{customer.data.name}</Link> : <>…</>;
}

/** Create a POP, or change one (`existing`). */
function PopEditor(props: { existing?: PopRecord; onDone: (saved?: PopRecord) => void }) {
  const { t } = useI18n();
  const { api, cache, online, can } = useApp();
  const check = useSetupCheck();
  const [form, setForm] = useState<PopForm>(() => (props.existing ? popToForm(props.existing) : emptyPop()));
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const errors = fieldErrors(local, action);
  const [done, setDone] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: found } = popBody(form, check);
    setLocal(found);
    action.setError(null);
    setDone(false);
    if (!body) return;
    const saved = await action.run(() =>
      props.existing ? api.request<PopRecord>("PATCH", `/api/v1/pops/${props.existing.id}`, body) : api.post<PopRecord>("/api/v1/pops", body),
    );
    if (saved) {
      setDone(Boolean(props.existing));
      cache.invalidate("/api/v1/pops", "/api/v1/dashboard/summary");
      props.onDone(saved);
    }
  };
  const remove = async () => {
    if (!props.existing) return;
    const done = await action.run(async () => {
      await api.request("DELETE", `/api/v1/pops/${props.existing!.id}`);
      return true;
    });
    if (done) {
      cache.invalidate("/api/v1/pops", "/api/v1/dashboard/summary");
      navigate("/network");
    }
  };
  return (
    <Card title={props.existing ? t("pop.edit") : t("pop.new")} labelledBy="pop-editor">
      <form onSubmit={submit} noValidate data-testid="pop-form">
        <FormProblem local={local} action={action} labels={popLabels(t)} />
        <fieldset disabled={!can("pops.write") || action.busy}>
          <PopFields form={form} onChange={setForm} errors={errors} />
          <div className="field">
            <label htmlFor="pop-notes">{t("pop.notes")}</label>
            <textarea id="pop-notes" rows={2} value={form.notes} onChange={(e) => setForm({ ...form, notes: e.target.value })} />
          </div>
        </fieldset>
        <EditActions
          writable={can("pops.write")}
          disabled={!online || action.busy}
          deleteQuestion={props.existing && t("pop.deleteConfirm", { name: props.existing.name })}
          onCancel={() => props.onDone()}
          onDelete={remove}
          saved={done}
        />
      </form>
    </Card>
  );
}

export function PopPage(props: { id: string; path: string }) {
  const { t } = useI18n();
  const { can } = useApp();
  const pop = useQuery<PopRecord>(`/api/v1/pops/${props.id}`);
  const customers = useQuery<Page<CustomerRecord>>(can("customers.read") ? `/api/v1/customers?limit=100&pop_id=${props.id}` : null);
  if (!pop.data) return pop.error ? <ErrorNote error={pop.error} retry={pop.reload} /> : <Loading />;
  const p = pop.data;
  return (
    <>
      <HierarchyNav path={props.path} />
      <div className="page-head">
        <p className="crumbs">
          <Link href="/network">{t("hier.title")}</Link> /
        </p>
        <h1>{p.name}</h1>
      </div>
      <div className="grid two">
        {can("pops.write") ? (
          <PopEditor key={p.id} existing={p} onDone={() => undefined} />
        ) : (
          <Card title={t("pop.details")} labelledBy="pop-details">
            <dl className="facts" data-testid="pop-facts">
              {(
                [
                  [t("pop.code"), p.code],
                  [t("pop.place"), [p.city, p.state].filter(Boolean).join(" / ")],
                  [t("pop.address"), p.address],
                  [t("pop.notes"), p.notes],
                ] as [string, string | undefined][]
              ).map(([label, value]) => (
                <div key={label}>
                  <dt>{label}</dt>
                  <dd>{value || "—"}</dd>
                </div>
              ))}
            </dl>
          </Card>
        )}
        {can("customers.read") && (
          <Card
            title={t("hier.customersHere")}
            labelledBy="pop-customers"
            actions={
              can("customers.write") ? (
                <Link className="btn btn-small" href={`/network/customers${buildQuery({ new: "1", pop_id: p.id })}`}>
                  {t("cust.new")}
                </Link>
              ) : undefined
            }
          >
            {customers.error ? (
              <ErrorNote error={customers.error} retry={customers.reload} />
            ) : !customers.data ? (
              <Loading />
            ) : (
              <ul className="plain-list" data-testid="pop-customers">
                {customers.data.items.length === 0 && <li className="muted">{t("cust.empty")}</li>}
                {customers.data.items.map((c) => (
                  <li key={c.id}>
                    <Link href={`/network/customers/${c.id}`}>{c.name}</Link>
                    {c.plan && <span className="muted"> · {c.plan}</span>}
                  </li>
                ))}
              </ul>
            )}
          </Card>
        )}
      </div>
      <AssignedDevices title={t("hier.devicesHere")} filter={{ pop_id: p.id }} assign={() => ({ pop_id: p.id })} release={{ pop_id: null }} testId="pop-devices" />
    </>
  );
}
