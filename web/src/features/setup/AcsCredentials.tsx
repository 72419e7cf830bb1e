// Credenciais dos CPEs: what CPEs authenticate to the ACS with. The list (provider-wide or bound to
// one device), create with a generated password, rotate (a new generated password) and delete. The API
// keeps only hashes, so a password is shown once, when it is set.
import { useState, type FormEvent } from "react";
import { useApp, useQuery } from "../../lib/app";
import { useI18n } from "../../lib/i18n";
import type { Device, Page } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Field } from "../../ui/Form";
import { ErrorNote, Loading } from "../../ui/States";
import { DataTable, type Column } from "../../ui/Table";
import { ConfirmButton, fieldErrors, FormProblem, useAction } from "../alerts/common";
import { SecretOnce } from "../admin/parts";
import { cwmpCredentialBody, generatePassword, type CwmpCredentialRecord, type FieldErrors } from "./model";
import { SetupNav, useSetupCheck } from "./parts";

const randomBytes = (buffer: Uint8Array) => crypto.getRandomValues(buffer);

export function AcsCredentials(props: { path: string }) {
  const { t, relative } = useI18n();
  const { api, cache, can, online } = useApp();
  const credentials = useQuery<Page<CwmpCredentialRecord>>("/api/v1/acs/credentials?limit=500");
  const devices = useQuery<Page<Device>>(can("devices.read") ? "/api/v1/devices?limit=500&sort=name" : null);
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<{ username: string; password: string; rotated: boolean } | null>(null);
  const action = useAction();
  const writable = can("settings.write");
  const deviceName = (id: string) => devices.data?.items.find((d) => d.id === id)?.name ?? id.slice(0, 8);
  const rotate = async (c: CwmpCredentialRecord) => {
    const password = generatePassword(randomBytes);
    const saved = await action.run(() => api.request<CwmpCredentialRecord>("PATCH", `/api/v1/acs/credentials/${c.id}`, { password }));
    if (saved) {
      setShown({ username: saved.username, password, rotated: true });
      cache.invalidate("/api/v1/acs/credentials");
    }
  };
  const remove = async (c: CwmpCredentialRecord) => {
    const done = await action.run(async () => {
      await api.request("DELETE", `/api/v1/acs/credentials/${c.id}`);
      return true;
    });
    if (done) cache.invalidate("/api/v1/acs/credentials");
  };
  const columns: Column<CwmpCredentialRecord>[] = [
    { key: "username", label: t("setup.cpe.username"), render: (c) => <code className="mono">{c.username}</code> },
    { key: "scope", label: t("acsCred.scope"), render: (c) => (c.device_id ? `${t("scope.device")}: ${deviceName(c.device_id)}` : t("acsCred.scopeAll")) },
    { key: "realm", label: "Realm", render: (c) => c.realm },
    { key: "created", label: t("acsCred.created"), render: (c) => relative(c.created_at) },
  ];
  if (writable) {
    columns.push({
      key: "actions",
      label: t("common.actions"),
      render: (c) => (
        <span className="row-inline">
          <ConfirmButton small label={t("acsCred.rotate")} question={t("acsCred.rotateConfirm", { name: c.username })} disabled={!online || action.busy} onConfirm={() => rotate(c)} />
          <ConfirmButton small label={t("common.delete")} question={t("admin.deleteConfirm", { name: c.username })} disabled={!online || action.busy} onConfirm={() => remove(c)} />
        </span>
      ),
    });
  }
  return (
    <>
      <SetupNav path={props.path} />
      <div className="page-head">
        <h1>{t("setupNav.acs")}</h1>
        {writable && !creating && (
          <button type="button" className="btn btn-primary" disabled={!online} onClick={() => (setCreating(true), setShown(null))}>
            {t("acsCred.new")}
          </button>
        )}
      </div>
      {action.error ? <ErrorNote error={action.error} /> : null}
      {shown && (
        <Card title={t("acsCred.shown", { name: shown.username })} labelledBy="acs-secret">
          <SecretOnce label={t("setup.cpe.password")} value={shown.password} warning={t("setup.cpe.once")} testId="acs-password" onDone={() => setShown(null)} />
        </Card>
      )}
      {writable && creating && (
        <AcsCreator
          onDone={(result) => {
            setCreating(false);
            if (result) setShown({ ...result, rotated: false });
          }}
        />
      )}
      <Card>
        {credentials.error ? (
          <ErrorNote error={credentials.error} retry={credentials.reload} />
        ) : !credentials.data ? (
          <Loading />
        ) : (
          <DataTable caption={t("setupNav.acs")} rows={credentials.data.items} rowKey={(c) => c.id} columns={columns} empty={t("acsCred.empty")} testId="acs-table" />
        )}
      </Card>
    </>
  );
}

function AcsCreator(props: { onDone: (created?: { username: string; password: string }) => void }) {
  const { t } = useI18n();
  const { api, cache, online } = useApp();
  const check = useSetupCheck();
  const [form, setForm] = useState(() => ({ username: "cpe", password: generatePassword(randomBytes) }));
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const errors = fieldErrors(local, action);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: found } = cwmpCredentialBody(form, check);
    setLocal(found);
    action.setError(null);
    if (!body) return;
    const saved = await action.run(() => api.post<CwmpCredentialRecord>("/api/v1/acs/credentials", body));
    if (saved) {
      cache.invalidate("/api/v1/acs/credentials");
      props.onDone({ username: saved.username, password: form.password });
    }
  };
  return (
    <Card title={t("acsCred.new")} labelledBy="acs-new">
      <form onSubmit={submit} noValidate data-testid="acs-form">
        <FormProblem local={local} action={action} labels={{ username: t("setup.cpe.username"), password: t("setup.cpe.password") }} />
        <fieldset disabled={action.busy}>
          <div className="form-row">
            <Field label={t("setup.cpe.username")} value={form.username} autoComplete="off" onChange={(e) => setForm({ ...form, username: e.target.value })} error={errors.username} />
            <Field
              label={t("setup.cpe.password")}
              value={form.password}
              className="mono"
              autoComplete="off"
              spellCheck={false}
              help={t("setup.cpe.passwordHelp")}
              onChange={(e) => setForm({ ...form, password: e.target.value })}
              error={errors.password}
            />
          </div>
        </fieldset>
        <div className="row row-tight">
          <button type="submit" className="btn btn-primary" disabled={!online || action.busy}>
            {t("setup.cpe.create")}
          </button>
          <button type="button" className="btn" onClick={() => setForm({ ...form, password: generatePassword(randomBytes) })}>
            {t("setup.cpe.generate")}
          </button>
          <button type="button" className="btn" onClick={() => props.onDone()}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </Card>
  );
}
