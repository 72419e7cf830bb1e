// Perfis e permissões: the matrix of roles × permissions grouped by area (predefined profiles are
// read-only), with each permission in words; the provider's own roles are created, edited and deleted
// here when the caller may (users.write), offering only permissions the caller holds.
import { Fragment, useState, type FormEvent } from "react";
import { useApp, useQuery } from "../../lib/app";
import { useI18n } from "../../lib/i18n";
import type { Page } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Field } from "../../ui/Form";
import { ErrorNote, Loading } from "../../ui/States";
import { ConfirmButton, fieldErrors, FormProblem, useAction } from "../alerts/common";
import { HelpButton } from "../help/HelpButton";
import { buildMatrix, roleBody, type FieldErrors, type RoleForm, type RoleRecord } from "./model";
import { AdminNav, areaName, PermissionPicker, useAdminCheck, usePermissionText } from "./parts";
import { roleLabel } from "./Users";

export function RolesPage(props: { path: string }) {
  const { t } = useI18n();
  const { api, cache, can, me, online } = useApp();
  const roles = useQuery<Page<RoleRecord>>("/api/v1/roles?limit=500");
  const [editing, setEditing] = useState<RoleRecord | "new" | null>(null);
  const action = useAction();
  const text = usePermissionText();
  // Custom roles belong to a provider: a Global Admin must have one chosen to write them.
  const writable = can("users.write") && Boolean(api.providerId ?? me.provider_id);
  const remove = async (role: RoleRecord) => {
    const done = await action.run(async () => {
      await api.request("DELETE", `/api/v1/roles/${role.id}`);
      return true;
    });
    if (done) cache.invalidate("/api/v1/roles");
  };
  const matrix = roles.data ? buildMatrix(roles.data.items) : null;
  const custom = matrix?.roles.filter((r) => !r.predefined) ?? [];
  return (
    <>
      <AdminNav path={props.path} />
      <div className="page-head">
        <h1>{t("admin.nav.roles")}</h1>
        <HelpButton module="admin" />
        {writable && editing === null && (
          <button type="button" className="btn btn-primary" disabled={!online} onClick={() => setEditing("new")}>
            {t("admin.role.new")}
          </button>
        )}
      </div>
      {action.error ? <ErrorNote error={action.error} /> : null}
      {writable && editing !== null && <RoleEditor key={editing === "new" ? "new" : editing.id} existing={editing === "new" ? undefined : editing} onDone={() => setEditing(null)} />}
      {roles.error ? (
        <ErrorNote error={roles.error} retry={roles.reload} />
      ) : !matrix ? (
        <Loading />
      ) : (
        <>
          {writable && custom.length > 0 && (
            <Card title={t("admin.roles.custom")} labelledBy="custom-roles">
              <ul className="plain-list custom-roles" data-testid="custom-roles">
                {custom.map((r) => (
                  <li key={r.id}>
                    <strong>{r.name}</strong> <span className="muted mono">{r.key}</span>
                    {r.description ? <span className="muted"> · {r.description}</span> : null}
                    <span className="row-inline">
                      <button type="button" className="btn btn-small" disabled={!online} onClick={() => setEditing(r)} aria-label={t("admin.role.edit", { name: r.name })}>
                        {t("setupCommon.edit")}
                      </button>
                      <ConfirmButton small label={t("common.delete")} question={t("admin.deleteConfirm", { name: r.name })} disabled={!online || action.busy} onConfirm={() => remove(r)} />
                    </span>
                  </li>
                ))}
              </ul>
            </Card>
          )}
          <Card title={t("admin.roles.matrix")} labelledBy="matrix-title">
            <div className="matrix-wrap" tabIndex={0} role="region" aria-labelledby="matrix-title" data-testid="matrix">
              <table className="matrix">
                <caption className="sr-only">{t("admin.roles.matrix")}</caption>
                <thead>
                  <tr>
                    <th scope="col" className="matrix-perm">
                      {t("admin.roles.permission")}
                    </th>
                    {matrix.roles.map((r) => (
                      <th key={r.id} scope="col" className="matrix-role">
                        {roleLabel(matrix.roles, r.key, t)}
                        {r.predefined ? <span className="sr-only"> ({t("admin.roles.predefined")})</span> : <span className="matrix-custom"> ✎</span>}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {matrix.areas.map((area) => (
                    <Fragment key={area.area}>
                      <tr className="matrix-area">
                        <th scope="colgroup" colSpan={matrix.roles.length + 1}>
                          {areaName(t, area.area)}
                        </th>
                      </tr>
                      {area.rows.map((row) => (
                        <tr key={row.permission} data-permission={row.permission}>
                          <th scope="row" className="matrix-perm">
                            <span>{text(row.permission)}</span>
                            <span className="muted mono matrix-key">{row.permission}</span>
                          </th>
                          {row.cells.map((on, i) => (
                            <td key={matrix.roles[i].id} className={on ? "matrix-on" : "matrix-off"}>
                              <span aria-hidden="true">{on ? "✓" : "·"}</span>
                              <span className="sr-only">{on ? t("common.yes") : t("common.no")}</span>
                            </td>
                          ))}
                        </tr>
                      ))}
                    </Fragment>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
        </>
      )}
    </>
  );
}

function RoleEditor(props: { existing?: RoleRecord; onDone: () => void }) {
  const { t } = useI18n();
  const { api, cache, me, online } = useApp();
  const check = useAdminCheck();
  const existing = props.existing;
  const [form, setForm] = useState<RoleForm>(() => ({ key: existing?.key ?? "", name: existing?.name ?? "", description: existing?.description ?? "", permissions: existing?.permissions ?? [] }));
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const errors = fieldErrors(local, action);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: found } = roleBody(form, check, existing);
    setLocal(found);
    action.setError(null);
    if (!body) return;
    const saved = await action.run(() => (existing ? api.request<RoleRecord>("PATCH", `/api/v1/roles/${existing.id}`, body) : api.post<RoleRecord>("/api/v1/roles", body)));
    if (saved) {
      cache.invalidate("/api/v1/roles");
      props.onDone();
    }
  };
  return (
    <Card title={existing ? t("admin.role.edit", { name: existing.name }) : t("admin.role.new")} labelledBy="role-editor">
      <form onSubmit={submit} noValidate data-testid="role-form">
        <FormProblem local={local} action={action} labels={{ key: t("admin.role.key"), name: t("devices.name"), description: t("rules.description"), permissions: t("admin.role.permissions") }} />
        <fieldset disabled={action.busy}>
          <div className="form-row">
            <Field label={t("devices.name")} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} error={errors.name} autoComplete="off" />
            <Field label={t("admin.role.key")} value={form.key} disabled={Boolean(existing)} onChange={(e) => setForm({ ...form, key: e.target.value })} error={errors.key} autoComplete="off" />
            <Field label={t("rules.description")} value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} error={errors.description} />
          </div>
          <PermissionPicker
            legend={t("admin.role.permissions")}
            testId="role-permissions"
            value={form.permissions}
            allowed={(p) => me.permissions.includes(p)}
            error={errors.permissions}
            onChange={(permissions) => setForm({ ...form, permissions })}
          />
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
