// Chaves de API: the provider's keys for integrations (name, role, expiry, last use, state), create
// with the full key shown once (copy button, warning) and revoke with confirmation. Keys carry a role's
// permissions; only roles within the caller's own permissions are offered.
import { useState, type FormEvent } from "react";
import { useApp, useQuery } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import type { Page } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Field, Select } from "../../ui/Form";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { DataTable, type Column } from "../../ui/Table";
import { ConfirmButton, fieldErrors, FormProblem, useAction } from "../alerts/common";
import { HelpButton } from "../help/HelpButton";
import { apiKeyBody, apiKeyState, grantableRoles, type ApiKeyForm, type ApiKeyRecord, type FieldErrors, type RoleRecord } from "./model";
import { AdminNav, SecretOnce, useAdminCheck } from "./parts";
import { roleLabel } from "./Users";

const STATE_TONE = { active: "online", revoked: "offline", expired: "pending" } as const;

function localDate(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

export function ApiKeysPage(props: { path: string }) {
  const { t, dateTime, relative } = useI18n();
  const { api, cache, can, me, online } = useApp();
  const hasProvider = Boolean(api.providerId ?? me.provider_id);
  const keys = useQuery<Page<ApiKeyRecord>>(hasProvider ? "/api/v1/api-keys?limit=500" : null);
  const roles = useQuery<Page<RoleRecord>>(can("users.read") ? "/api/v1/roles?limit=500" : null);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const action = useAction();
  const writable = can("settings.write");
  const roleName = (id: string) => {
    const role = roles.data?.items.find((r) => r.id === id);
    return role ? roleLabel(roles.data?.items, role.key, t) : "—";
  };
  const revoke = async (key: ApiKeyRecord) => {
    const done = await action.run(async () => {
      await api.request("DELETE", `/api/v1/api-keys/${key.id}`);
      return true;
    });
    if (done) cache.invalidate("/api/v1/api-keys");
  };
  const now = Date.now();
  const columns: Column<ApiKeyRecord>[] = [
    { key: "name", label: t("devices.name"), render: (k) => <strong>{k.name}</strong> },
    { key: "prefix", label: t("admin.key.prefix"), render: (k) => <code className="mono">oik_{k.prefix}_…</code> },
    { key: "role", label: t("admin.role"), render: (k) => roleName(k.role_id) },
    { key: "state", label: t("cust.status"), render: (k) => <Badge tone={STATE_TONE[apiKeyState(k, now)]}>{t(`admin.key.state.${apiKeyState(k, now)}` as MessageKey)}</Badge> },
    { key: "expires", label: t("admin.key.expires"), render: (k) => (k.expires_at ? dateTime(k.expires_at) : t("admin.key.never")) },
    { key: "used", label: t("admin.key.lastUsed"), render: (k) => (k.last_used_at ? relative(k.last_used_at) : t("admin.user.never")) },
  ];
  if (writable) {
    columns.push({
      key: "actions",
      label: t("common.actions"),
      render: (k) =>
        k.revoked_at ? (
          "—"
        ) : (
          <ConfirmButton small label={t("admin.key.revoke")} question={`${t("admin.key.revoke")} ${k.name}?`} disabled={!online || action.busy} onConfirm={() => revoke(k)} />
        ),
    });
  }
  return (
    <>
      <AdminNav path={props.path} />
      <div className="page-head">
        <h1>{t("admin.nav.apiKeys")}</h1>
        <HelpButton module="admin" />
        {writable && hasProvider && !creating && (
          <button type="button" className="btn btn-primary" disabled={!online} onClick={() => (setCreating(true), setCreated(null))}>
            {t("admin.key.new")}
          </button>
        )}
      </div>
      {!hasProvider && <p className="note">{t("shell.providerNeeded")}</p>}
      {action.error ? <ErrorNote error={action.error} /> : null}
      {created && (
        <Card title={t("admin.key.created", { name: created.name })} labelledBy="key-created">
          <SecretOnce label={t("admin.role.key")} value={created.key} warning={t("admin.key.once")} testId="api-key" onDone={() => setCreated(null)} />
          <p className="field-help">{t("admin.key.usage")}</p>
        </Card>
      )}
      {writable && creating && (
        <KeyCreator
          roles={roles.data?.items ?? []}
          onDone={(result) => {
            setCreating(false);
            if (result) setCreated(result);
          }}
        />
      )}
      {hasProvider && (
        <Card>
          {keys.error ? (
            <ErrorNote error={keys.error} retry={keys.reload} />
          ) : !keys.data ? (
            <Loading />
          ) : (
            <DataTable caption={t("admin.nav.apiKeys")} rows={keys.data.items} rowKey={(k) => k.id} columns={columns} empty={t("admin.keys.empty")} testId="keys-table" />
          )}
        </Card>
      )}
    </>
  );
}

function KeyCreator(props: { roles: RoleRecord[]; onDone: (created?: { name: string; key: string }) => void }) {
  const { t } = useI18n();
  const { api, cache, me, online } = useApp();
  const check = useAdminCheck();
  // Without users.read the roles are unknown: the API's default (viewer) is the one choice.
  const offered = props.roles.length ? grantableRoles(props.roles, me.permissions) : [];
  const [form, setForm] = useState<ApiKeyForm>({ name: "", role_key: offered.some((r) => r.key === "viewer") ? "viewer" : offered[offered.length - 1]?.key ?? "viewer", expires: "" });
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const errors = fieldErrors(local, action);
  const today = localDate(new Date());
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: found } = apiKeyBody(form, check, today, new Date().getTimezoneOffset());
    setLocal(found);
    action.setError(null);
    if (!body) return;
    const saved = await action.run(() => api.post<{ api_key: ApiKeyRecord; key: string }>("/api/v1/api-keys", body));
    if (saved) {
      cache.invalidate("/api/v1/api-keys");
      props.onDone({ name: saved.api_key.name, key: saved.key });
    }
  };
  return (
    <Card title={t("admin.key.new")} labelledBy="key-new">
      <form onSubmit={submit} noValidate data-testid="key-form">
        <FormProblem local={local} action={action} labels={{ name: t("devices.name"), role_key: t("admin.role"), expires_at: t("admin.key.expires") }} />
        <fieldset disabled={action.busy}>
          <div className="form-row">
            <Field label={t("devices.name")} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} error={errors.name} autoComplete="off" />
            <Select label={t("admin.role")} value={form.role_key} onChange={(e) => setForm({ ...form, role_key: e.target.value })} error={errors.role_key}>
              {offered.length ? (
                offered.map((r) => (
                  <option key={r.key} value={r.key}>
                    {roleLabel(props.roles, r.key, t)}
                  </option>
                ))
              ) : (
                <option value="viewer">{t("admin.role.viewer")}</option>
              )}
            </Select>
            <Field label={t("admin.key.expires")} type="date" min={today} value={form.expires} onChange={(e) => setForm({ ...form, expires: e.target.value })} error={errors.expires_at} />
          </div>
        </fieldset>
        <div className="row row-tight">
          <button type="submit" className="btn btn-primary" disabled={!online || action.busy}>
            {t("admin.key.create")}
          </button>
          <button type="button" className="btn" onClick={() => props.onDone()}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </Card>
  );
}
