// Credenciais dos CPEs: what CPEs authenticate to the ACS with. The list (provider-wide or bound to
// one device), create with a generated password, rotate (a new generated password) and delete. The API
// keeps only hashes, so a password is shown once, when it is set.
import { useState } from "react";
import { useApp, useQuery } from "../../lib/app";
import { useI18n } from "../../lib/i18n";
import type { Device, Page } from "../../lib/types";
import { Card } from "../../ui/Card";
import { ErrorNote, Loading } from "../../ui/States";
import { DataTable, type Column } from "../../ui/Table";
import { ConfirmButton, useAction } from "../alerts/common";
import { SecretOnce } from "../admin/parts";
import { CpeCredentialForm, newPassword, type CreatedCredential } from "./CpeCredentialForm";
import type { CwmpCredentialRecord } from "./model";
import { SetupNav } from "./parts";

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
    const password = newPassword();
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

function AcsCreator(props: { onDone: (created?: CreatedCredential) => void }) {
  const { t } = useI18n();
  return (
    <Card title={t("acsCred.new")} labelledBy="acs-new">
      <CpeCredentialForm testId="acs-form" onSaved={props.onDone} onCancel={() => props.onDone()} />
    </Card>
  );
}
