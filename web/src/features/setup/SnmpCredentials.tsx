// SNMP credentials: the list in discovery order, create (v2c community or v3 user with authentication
// and privacy), change (name, priority, context, new secrets) and delete. Secrets are write-only: the
// API never returns them and the form never shows one back.
import { useState, type FormEvent } from "react";
import { useApp, useQuery } from "../../lib/app";
import { useI18n } from "../../lib/i18n";
import type { Page } from "../../lib/types";
import { Card } from "../../ui/Card";
import { DataTable, type Column } from "../../ui/Table";
import { ErrorNote, Loading } from "../../ui/States";
import { ConfirmButton, fieldErrors, FormProblem, useAction } from "../alerts/common";
import { emptySnmpCredential, snmpCredentialBody, snmpCredentialToForm, snmpSecurity, type FieldErrors, type PopRecord, type SnmpCredentialForm, type SnmpCredentialRecord } from "./model";
import { SetupNav, SnmpFields, snmpLabels, useSetupCheck } from "./parts";

export function SnmpCredentials(props: { path: string }) {
  const { t, number, relative } = useI18n();
  const { api, cache, can, online } = useApp();
  const credentials = useQuery<Page<SnmpCredentialRecord>>("/api/v1/snmp/credentials?limit=500");
  const pops = useQuery<Page<PopRecord>>(can("pops.read") ? "/api/v1/pops?limit=500" : null);
  const [editing, setEditing] = useState<SnmpCredentialRecord | "new" | null>(null);
  const action = useAction();
  const writable = can("monitoring.write");
  const popName = (id?: string | null) => (id ? pops.data?.items.find((p) => p.id === id)?.name ?? id.slice(0, 8) : t("snmp.scopeAll"));
  const remove = async (c: SnmpCredentialRecord) => {
    const done = await action.run(async () => {
      await api.request("DELETE", `/api/v1/snmp/credentials/${c.id}`);
      return true;
    });
    if (done) cache.invalidate("/api/v1/snmp/credentials");
  };
  const columns: Column<SnmpCredentialRecord>[] = [
    { key: "name", label: t("snmp.name"), render: (c) => <strong>{c.name}</strong> },
    { key: "security", label: t("snmp.security"), render: (c) => <span className="mono">{snmpSecurity(c)}</span> },
    { key: "user", label: t("snmp.user"), render: (c) => c.v3_user ?? "—" },
    { key: "scope", label: t("snmp.scope"), render: (c) => (c.device_id ? t("snmp.scopeDevice") : popName(c.pop_id)) },
    { key: "priority", label: t("snmp.priority"), render: (c) => number(c.priority) },
    { key: "updated", label: t("snmp.updated"), render: (c) => relative(c.updated_at) },
  ];
  if (writable) {
    columns.push({
      key: "actions",
      label: t("common.actions"),
      render: (c) => (
        <span className="row-inline">
          <button type="button" className="btn btn-small" disabled={!online} onClick={() => setEditing(c)} aria-label={t("snmp.editFor", { name: c.name })}>
            {t("setupCommon.edit")}
          </button>
          <ConfirmButton small label={t("common.delete")} question={t("snmp.deleteConfirm", { name: c.name })} disabled={!online || action.busy} onConfirm={() => remove(c)} />
        </span>
      ),
    });
  }
  return (
    <>
      <SetupNav path={props.path} />
      <div className="page-head">
        <h1>{t("snmp.title")}</h1>
        {writable && editing === null && (
          <button type="button" className="btn btn-primary" disabled={!online} onClick={() => setEditing("new")}>
            {t("snmp.new")}
          </button>
        )}
      </div>
      <p className="muted">{t("snmp.intro")}</p>
      {action.error ? <ErrorNote error={action.error} /> : null}
      {writable && editing !== null && (
        <SnmpEditor key={editing === "new" ? "new" : editing.id} existing={editing === "new" ? undefined : editing} pops={pops.data?.items} onDone={() => setEditing(null)} />
      )}
      <Card>
        {credentials.error ? (
          <ErrorNote error={credentials.error} retry={credentials.reload} />
        ) : !credentials.data ? (
          <Loading />
        ) : (
          <DataTable caption={t("snmp.title")} rows={credentials.data.items} rowKey={(c) => c.id} columns={columns} empty={t("snmp.empty")} testId="snmp-table" />
        )}
      </Card>
    </>
  );
}

function SnmpEditor(props: { existing?: SnmpCredentialRecord; pops?: PopRecord[]; onDone: () => void }) {
  const { t } = useI18n();
  const { api, cache, online } = useApp();
  const check = useSetupCheck();
  const [form, setForm] = useState<SnmpCredentialForm>(() => (props.existing ? snmpCredentialToForm(props.existing) : emptySnmpCredential()));
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const errors = fieldErrors(local, action);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: found } = snmpCredentialBody(form, check, props.existing);
    setLocal(found);
    action.setError(null);
    if (!body) return;
    const saved = await action.run(() =>
      props.existing
        ? api.request<SnmpCredentialRecord>("PATCH", `/api/v1/snmp/credentials/${props.existing.id}`, body)
        : api.post<SnmpCredentialRecord>("/api/v1/snmp/credentials", body),
    );
    if (saved) {
      cache.invalidate("/api/v1/snmp/credentials");
      props.onDone();
    }
  };
  return (
    <Card title={props.existing ? t("snmp.editTitle", { name: props.existing.name }) : t("snmp.new")} labelledBy="snmp-editor">
      <form onSubmit={submit} noValidate data-testid="snmp-form">
        <FormProblem local={local} action={action} labels={snmpLabels(t)} />
        <fieldset disabled={action.busy}>
          <SnmpFields form={form} onChange={setForm} errors={errors} editing={Boolean(props.existing)} pops={props.pops} />
        </fieldset>
        <div className="row row-tight">
          <button type="submit" className="btn btn-primary" disabled={!online || action.busy}>
            {t("common.save")}
          </button>
          <button type="button" className="btn" onClick={props.onDone}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </Card>
  );
}
