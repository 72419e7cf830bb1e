// Customers: the list (search by name, document or ERP id; filter by POP; paged in the URL), create,
// and a customer's page (edit with the contracted SLA target, delete, its devices and their assignment).
import { useEffect, useState, type FormEvent } from "react";
import { useApp, useQuery } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { buildQuery, Link, navigate } from "../../lib/router";
import type { Page } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Select } from "../../ui/Form";
import { DataTable, Pager, type Column } from "../../ui/Table";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { fieldErrors, FormProblem, useAction } from "../alerts/common";
import { customerBody, customerToForm, emptyCustomer, type CustomerForm, type CustomerRecord, type FieldErrors, type PopRecord } from "../setup/model";
import { useSetupCheck } from "../setup/parts";
import { AssignedDevices, CustomerFields, customerLabels, EditActions, HierarchyNav } from "./parts";

const LIMIT = 50;
const TONE: Record<CustomerRecord["status"], string> = { active: "online", suspended: "pending", cancelled: "disabled" };

export function CustomerStatusBadge(props: { status: CustomerRecord["status"] }) {
  const { t } = useI18n();
  return <Badge tone={TONE[props.status]}>{t(`custStatus.${props.status}` as MessageKey)}</Badge>;
}

export function CustomerList(props: { path: string; query: Record<string, string> }) {
  const { t, number } = useI18n();
  const { can, online } = useApp();
  const q = props.query;
  const filters: Record<string, string | undefined> = { q: q.q, pop_id: q.pop_id, offset: q.offset };
  const [search, setSearch] = useState(q.q ?? "");
  const pops = useQuery<Page<PopRecord>>(can("pops.read") ? "/api/v1/pops?limit=500" : null);
  const customers = useQuery<Page<CustomerRecord>>(`/api/v1/customers${buildQuery({ ...filters, limit: LIMIT })}`);
  const creating = q.new === "1" && can("customers.write");
  const go = (changes: Record<string, string | undefined>) => {
    const next: Record<string, string | undefined> = { ...filters, new: q.new, ...changes };
    if (!("offset" in changes)) next.offset = undefined;
    navigate(`/network/customers${buildQuery(next)}`, true);
  };
  useEffect(() => {
    if (search === (q.q ?? "")) return;
    const timer = setTimeout(() => go({ q: search || undefined }), 300);
    return () => clearTimeout(timer);
  }, [search]);
  const popName = (id?: string) => (id ? pops.data?.items.find((p) => p.id === id)?.name ?? "…" : t("common.noPop"));
  const columns: Column<CustomerRecord>[] = [
    { key: "name", label: t("cust.name"), render: (c) => <Link href={`/network/customers/${c.id}`}>{c.name}</Link> },
    { key: "document", label: t("cust.document"), render: (c) => c.document ?? "—" },
    { key: "pop", label: t("cust.pop"), render: (c) => popName(c.pop_id) },
    { key: "plan", label: t("cust.plan"), render: (c) => c.plan ?? "—" },
    { key: "sla", label: t("cust.slaShort"), render: (c) => (c.sla_target_percent ? `${number(c.sla_target_percent, { maximumFractionDigits: 3 })}%` : "—") },
    { key: "status", label: t("cust.status"), render: (c) => <CustomerStatusBadge status={c.status} /> },
  ];
  return (
    <>
      <HierarchyNav path={props.path} />
      <div className="page-head">
        <h1>{t("cust.title")}</h1>
        {customers.data && (
          <p className="muted" data-testid="customer-count">
            {t(customers.data.total === 1 ? "cust.countOne" : "cust.count", { count: number(customers.data.total) })}
          </p>
        )}
        {can("customers.write") && !creating && (
          <button type="button" className="btn btn-primary" disabled={!online} onClick={() => go({ new: "1", offset: q.offset })}>
            {t("cust.new")}
          </button>
        )}
      </div>
      {creating && (
        <CustomerEditor
          pops={pops.data?.items}
          initialPop={q.pop_id ?? ""}
          onDone={(saved) => (saved ? navigate(`/network/customers/${saved.id}`) : go({ new: undefined, offset: q.offset }))}
        />
      )}
      <Card>
        <form className="filters" role="search" onSubmit={(e) => (e.preventDefault(), go({ q: search || undefined }))}>
          <div className="field field-grow">
            <label htmlFor="customer-search">{t("common.search")}</label>
            <input id="customer-search" type="search" value={search} placeholder={t("cust.searchPlaceholder")} onChange={(e) => setSearch(e.target.value)} />
          </div>
          {pops.data && (
            <Select label={t("cust.pop")} value={filters.pop_id ?? ""} onChange={(e) => go({ pop_id: e.target.value || undefined })}>
              <option value="">{t("common.all")}</option>
              {pops.data.items.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </Select>
          )}
        </form>
        {customers.error ? <ErrorNote error={customers.error} retry={customers.reload} /> : null}
        {!customers.data && !customers.error && <Loading />}
        {customers.data && (
          <>
            <DataTable caption={t("cust.title")} rows={customers.data.items} rowKey={(c) => c.id} columns={columns} empty={t("cust.empty")} testId="customer-table" />
            <Pager offset={customers.data.offset} limit={LIMIT} total={customers.data.total} onChange={(offset) => go({ offset: offset ? String(offset) : undefined })} />
          </>
        )}
      </Card>
    </>
  );
}

function CustomerEditor(props: { existing?: CustomerRecord; pops?: PopRecord[]; initialPop?: string; onDone: (saved?: CustomerRecord) => void }) {
  const { t, locale } = useI18n();
  const { api, cache, can, online } = useApp();
  const check = useSetupCheck();
  const [form, setForm] = useState<CustomerForm>(() => (props.existing ? customerToForm(props.existing, locale === "pt-BR" ? "," : ".") : emptyCustomer(props.initialPop)));
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const errors = fieldErrors(local, action);
  const writable = can("customers.write");
  const [saved, setSaved] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: found } = customerBody(form, check);
    setLocal(found);
    action.setError(null);
    setSaved(false);
    if (!body) return;
    const result = await action.run(() =>
      props.existing ? api.request<CustomerRecord>("PATCH", `/api/v1/customers/${props.existing.id}`, body) : api.post<CustomerRecord>("/api/v1/customers", body),
    );
    if (result) {
      setSaved(Boolean(props.existing));
      cache.invalidate("/api/v1/customers");
      props.onDone(result);
    }
  };
  const remove = async () => {
    if (!props.existing) return;
    const done = await action.run(async () => {
      await api.request("DELETE", `/api/v1/customers/${props.existing!.id}`);
      return true;
    });
    if (done) {
      cache.invalidate("/api/v1/customers", "/api/v1/devices");
      navigate("/network/customers");
    }
  };
  return (
    <Card title={props.existing ? t("cust.details") : t("cust.new")} labelledBy="customer-editor">
      <form onSubmit={submit} noValidate data-testid="customer-form">
        <FormProblem local={local} action={action} labels={customerLabels(t)} />
        <fieldset disabled={!writable || action.busy}>
          <CustomerFields form={form} onChange={setForm} errors={errors} pops={props.pops} />
        </fieldset>
        <EditActions
          writable={writable}
          disabled={!online || action.busy}
          deleteQuestion={props.existing && t("cust.deleteConfirm", { name: props.existing.name })}
          onCancel={() => props.onDone()}
          onDelete={remove}
          saved={saved}
        />
      </form>
    </Card>
  );
}

export function CustomerPage(props: { id: string; path: string }) {
  const { t } = useI18n();
  const { can } = useApp();
  const customer = useQuery<CustomerRecord>(`/api/v1/customers/${props.id}`);
  const pops = useQuery<Page<PopRecord>>(can("pops.read") ? "/api/v1/pops?limit=500" : null);
  if (!customer.data) return customer.error ? <ErrorNote error={customer.error} retry={customer.reload} /> : <Loading />;
  const c = customer.data;
  const pop = c.pop_id ? pops.data?.items.find((p) => p.id === c.pop_id) : undefined;
  return (
    <>
      <HierarchyNav path={props.path} />
      <div className="page-head">
        <p className="crumbs">
          <Link href="/network">{t("hier.title")}</Link> / {pop ? <Link href={`/network/pops/${pop.id}`}>{pop.name}</Link> : <Link href="/network/customers">{t("cust.title")}</Link>} /
        </p>
        <h1>
          {c.name} <CustomerStatusBadge status={c.status} />
        </h1>
      </div>
      <CustomerEditor key={c.id} existing={c} pops={pops.data?.items} onDone={() => undefined} />
      <AssignedDevices
        title={t("hier.devicesOfCustomer")}
        filter={{ customer_id: c.id }}
        // A device brought to a customer joins the customer's POP unless it already hangs from one.
        assign={(d) => (d.pop_id || !c.pop_id ? { customer_id: c.id } : { customer_id: c.id, pop_id: c.pop_id })}
        release={{ customer_id: null }}
        testId="customer-devices"
      />
    </>
  );
}
