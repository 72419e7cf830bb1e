// Usuários: the provider's users (a Global Admin without a provider chosen sees the Global Admins),
// create with a generated password shown once or with an invitation e-mailed through one of the
// provider's e-mail channels (the person chooses the password; "Reenviar convite" sends a new link), change role and status, per-user grants and
// revocations of single permissions, delete with confirmation. Only roles and permissions the caller
// holds are offered (the API refuses the rest: nobody grants what they do not hold).
import { useState, type FormEvent } from "react";
import { useApp, useQuery } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import type { NotificationChannel, Page } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Field, Select } from "../../ui/Form";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { DataTable, Pager, type Column } from "../../ui/Table";
import { ConfirmButton, fieldErrors, FormProblem, useAction } from "../alerts/common";
import { generatePassword } from "../setup/model";
import { HelpButton } from "../help/HelpButton";
import { effectivePermissions, grantableRoles, userChangeBody, userCreateBody, type FieldErrors, type RoleRecord, type UserForm, type UserRecord } from "./model";
import { AdminNav, PermissionPicker, SecretOnce, useAdminCheck } from "./parts";

const LIMIT = 50;
const CHANNELS = "/api/v1/notification-channels?limit=200";
const randomBytes = (buffer: Uint8Array) => crypto.getRandomValues(buffer);

export function roleLabel(roles: RoleRecord[] | undefined, key: string, t: (key: MessageKey) => string): string {
  const role = roles?.find((r) => r.key === key);
  if (role?.predefined) return t(`admin.role.${role.key}` as MessageKey);
  return role?.name ?? key;
}

export function UsersPage(props: { path: string }) {
  const { t, relative } = useI18n();
  const { api, cache, can, me, online } = useApp();
  const [q, setQ] = useState("");
  const [search, setSearch] = useState("");
  const [offset, setOffset] = useState(0);
  const users = useQuery<Page<UserRecord>>(`/api/v1/users?limit=${LIMIT}&offset=${offset}${search ? `&q=${encodeURIComponent(search)}` : ""}`);
  const roles = useQuery<Page<RoleRecord>>("/api/v1/roles?limit=500");
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<UserRecord | null>(null);
  const [created, setCreated] = useState<Created | null>(null);
  const action = useAction();
  const writable = can("users.write");
  // Invitations go out through the provider's e-mail channels; without a provider (Global Admins) or
  // without the right to read channels, users are created with a password only.
  const invitable = writable && !!(me.provider_id ?? api.providerId);
  const channels = useQuery<Page<NotificationChannel>>(invitable && can("alerts.read") ? CHANNELS : null);
  const mailers = (channels.data?.items ?? []).filter((c) => c.channel.type === "email" && !c.owner_user_id);
  const reinvite = async (u: UserRecord) => {
    const done = await action.run(async () => {
      await api.post(`/api/v1/users/${u.id}/invitation`, { via_channel_id: mailers[0].id });
      return true;
    });
    if (done) setCreated({ email: u.email, invited: true });
  };
  const remove = async (u: UserRecord) => {
    const done = await action.run(async () => {
      await api.request("DELETE", `/api/v1/users/${u.id}`);
      return true;
    });
    if (done) cache.invalidate("/api/v1/users");
  };
  const columns: Column<UserRecord>[] = [
    {
      key: "name",
      label: t("devices.name"),
      render: (u) => (
        <span>
          <strong>{u.name}</strong>
          <br />
          <span className="muted wrap">{u.email}</span>
        </span>
      ),
    },
    { key: "role", label: t("admin.role"), render: (u) => roleLabel(roles.data?.items, u.role_key, t) },
    {
      key: "status",
      label: t("cust.status"),
      render: (u) => <Badge tone={u.status === "active" ? "online" : u.status === "invited" ? "pending" : "offline"}>{t(`admin.user.status.${u.status}` as MessageKey)}</Badge>,
    },
    {
      key: "extra",
      label: t("admin.user.extra"),
      render: (u) => (u.grants.length || u.revocations.length ? `+${u.grants.length} / −${u.revocations.length}` : "—"),
    },
    { key: "login", label: t("admin.user.lastLogin"), render: (u) => (u.last_login_at ? relative(u.last_login_at) : t("admin.user.never")) },
  ];
  if (writable) {
    columns.push({
      key: "actions",
      label: t("common.actions"),
      render: (u) => (
        <span className="row-inline">
          <button type="button" className="btn btn-small" disabled={!online} onClick={() => (setEditing(u), setCreating(false))} aria-label={t("admin.user.edit", { name: u.name })}>
            {t("setupCommon.edit")}
          </button>
          {u.status === "invited" && mailers.length > 0 && (
            <button type="button" className="btn btn-small" disabled={!online || action.busy} onClick={() => void reinvite(u)} aria-label={t("admin.user.reinviteFor", { email: u.email })}>
              {t("admin.user.reinvite")}
            </button>
          )}
          {u.id !== me.id && <ConfirmButton small label={t("common.delete")} question={t("admin.deleteConfirm", { name: u.email })} disabled={!online || action.busy} onConfirm={() => remove(u)} />}
        </span>
      ),
    });
  }
  return (
    <>
      <AdminNav path={props.path} />
      <div className="page-head">
        <h1>{t("admin.nav.users")}</h1>
        <HelpButton module="admin" />
        {writable && !creating && (
          <button type="button" className="btn btn-primary" disabled={!online} onClick={() => (setCreating(true), setEditing(null), setCreated(null))}>
            {t("admin.user.new")}
          </button>
        )}
      </div>
      {action.error ? <ErrorNote error={action.error} /> : null}
      {created?.password !== undefined && (
        <Card title={t("admin.user.created", { email: created.email })} labelledBy="user-created">
          <SecretOnce label={t("admin.user.password")} value={created.password} warning={t("admin.user.passwordOnce")} testId="user-password" onDone={() => setCreated(null)} />
        </Card>
      )}
      {created?.invited && (
        <p className="note" role="status" data-testid="user-invited">
          {t("admin.user.invited", { email: created.email })}{" "}
          <button type="button" className="btn btn-small" onClick={() => setCreated(null)}>
            {t("common.close")}
          </button>
        </p>
      )}
      {writable && creating && roles.data && (
        <UserCreator
          mailers={mailers}
          roles={roles.data.items}
          onDone={(result) => {
            setCreating(false);
            if (result) setCreated(result);
          }}
        />
      )}
      {writable && editing && roles.data && <UserEditor key={editing.id} user={editing} roles={roles.data.items} onDone={() => setEditing(null)} />}
      <Card>
        <form
          className="filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setSearch(q.trim());
            setOffset(0);
          }}
        >
          <div className="field-grow">
            <Field label={t("common.search")} type="search" value={q} onChange={(e) => setQ(e.target.value)} />
          </div>
          <button type="submit" className="btn">
            {t("common.search")}
          </button>
        </form>
        {users.error ? (
          <ErrorNote error={users.error} retry={users.reload} />
        ) : !users.data ? (
          <Loading />
        ) : (
          <>
            <DataTable caption={t("admin.nav.users")} rows={users.data.items} rowKey={(u) => u.id} columns={columns} testId="users-table" />
            {users.data.total > LIMIT && <Pager offset={offset} limit={LIMIT} total={users.data.total} onChange={setOffset} />}
          </>
        )}
      </Card>
    </>
  );
}

/** What the page shows once after a creation: the password to hand over, or that an invitation went out. */
interface Created {
  email: string;
  password?: string;
  invited?: boolean;
}

function UserCreator(props: { roles: RoleRecord[]; mailers: NotificationChannel[]; onDone: (created?: Created) => void }) {
  const { t, locale } = useI18n();
  const { api, cache, me, online } = useApp();
  const check = useAdminCheck();
  const offered = grantableRoles(props.roles, me.permissions);
  const [form, setForm] = useState<UserForm>(() => ({
    name: "",
    email: "",
    role_key: offered[offered.length - 1]?.key ?? "",
    locale: locale === "en" ? "en" : "pt-BR",
    access: "password",
    password: generatePassword(randomBytes),
    via_channel_id: props.mailers[0]?.id ?? "",
  }));
  const via = props.mailers.some((c) => c.id === form.via_channel_id) ? form.via_channel_id : props.mailers[0]?.id ?? "";
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const errors = fieldErrors(local, action);
  const set = (key: keyof UserForm, value: string) => setForm({ ...form, [key]: value });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: found } = userCreateBody({ ...form, via_channel_id: via }, check);
    setLocal(found);
    action.setError(null);
    if (!body) return;
    const saved = await action.run(() => api.post<UserRecord>("/api/v1/users", body));
    if (saved) {
      cache.invalidate("/api/v1/users");
      // The API keeps only a hash: this is the one moment the password can be shown.
      props.onDone(form.access === "invite" ? { email: saved.email, invited: true } : { email: saved.email, password: form.password });
    }
  };
  const labels = {
    name: t("devices.name"),
    email: t("auth.email"),
    role_key: t("admin.role"),
    role_id: t("admin.role"),
    password: t("admin.user.password"),
    locale: t("shell.language"),
    invite_via_channel_id: t("admin.user.inviteVia"),
  };
  return (
    <Card title={t("admin.user.new")} labelledBy="user-new">
      <form onSubmit={submit} noValidate data-testid="user-form">
        <FormProblem local={local} action={action} labels={labels} />
        <fieldset disabled={action.busy}>
          <div className="form-row">
            <Field label={t("devices.name")} value={form.name} onChange={(e) => set("name", e.target.value)} error={errors.name} autoComplete="off" />
            <Field label={t("auth.email")} type="email" value={form.email} onChange={(e) => set("email", e.target.value)} error={errors.email} autoComplete="off" />
          </div>
          <div className="form-row">
            <Select label={t("admin.role")} value={form.role_key} onChange={(e) => set("role_key", e.target.value)} error={errors.role_key ?? errors.role_id}>
              {offered.map((r) => (
                <option key={r.key} value={r.key}>
                  {roleLabel(props.roles, r.key, t)}
                </option>
              ))}
            </Select>
            <Select label={t("shell.language")} value={form.locale} onChange={(e) => set("locale", e.target.value)}>
              <option value="pt-BR">Português (BR)</option>
              <option value="en">English</option>
            </Select>
          </div>
          {props.mailers.length > 0 && (
            <fieldset className="checks" data-testid="user-access">
              <legend>{t("admin.user.access")}</legend>
              <label className="check">
                <input type="radio" name="user-access" checked={form.access === "password"} onChange={() => set("access", "password")} />
                {t("admin.user.accessPassword")}
              </label>
              <label className="check">
                <input type="radio" name="user-access" checked={form.access === "invite"} onChange={() => set("access", "invite")} />
                {t("admin.user.accessInvite")}
              </label>
            </fieldset>
          )}
          <div className="form-row">
            {form.access === "password" ? (
              <Field
                label={t("admin.user.password")}
                value={form.password}
                className="mono"
                autoComplete="off"
                spellCheck={false}
                help={t("admin.user.passwordHelp")}
                onChange={(e) => set("password", e.target.value)}
                error={errors.password}
              />
            ) : (
              <Select label={t("admin.user.inviteVia")} value={via} onChange={(e) => set("via_channel_id", e.target.value)} error={errors.invite_via_channel_id} help={t("admin.user.inviteHelp")}>
                {props.mailers.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </Select>
            )}
          </div>
        </fieldset>
        <div className="row row-tight">
          <button type="submit" className="btn btn-primary" disabled={!online || action.busy}>
            {form.access === "invite" ? t("admin.user.createInvite") : t("admin.user.create")}
          </button>
          {form.access === "password" && (
            <button type="button" className="btn" onClick={() => set("password", generatePassword(randomBytes))}>
              {t("setup.cpe.generate")}
            </button>
          )}
          <button type="button" className="btn" onClick={() => props.onDone()}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </Card>
  );
}

function UserEditor(props: { user: UserRecord; roles: RoleRecord[]; onDone: () => void }) {
  const { t } = useI18n();
  const { api, cache, me, online } = useApp();
  const { user } = props;
  const [form, setForm] = useState({ role_key: user.role_key, status: user.status, grants: user.grants, revocations: user.revocations });
  const action = useAction();
  const offered = grantableRoles(props.roles, me.permissions);
  // The current role stays selectable even when the caller could not grant it.
  const choices = offered.some((r) => r.key === user.role_key) ? offered : [...offered, ...props.roles.filter((r) => r.key === user.role_key)];
  const rolePermissions = props.roles.find((r) => r.key === form.role_key)?.permissions ?? [];
  const effective = effectivePermissions(rolePermissions, form.grants, form.revocations);
  // Disabling signs the user out and refuses its sign-ins: it is confirmed first.
  const disabling = form.status === "disabled" && user.status !== "disabled";
  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    // Revocations of permissions the new role does not carry mean nothing: they are dropped.
    const body = userChangeBody(user, { ...form, revocations: form.revocations.filter((p) => rolePermissions.includes(p)), grants: form.grants.filter((p) => !rolePermissions.includes(p)) });
    if (!body) return props.onDone();
    const saved = await action.run(() => api.request<UserRecord>("PATCH", `/api/v1/users/${user.id}`, body));
    if (saved) {
      cache.invalidate("/api/v1/users");
      props.onDone();
    }
  };
  return (
    <Card title={t("admin.user.edit", { name: user.name })} labelledBy="user-edit">
      <form onSubmit={(e) => (e.preventDefault(), disabling || submit())} noValidate data-testid="user-edit">
        <FormProblem local={{}} action={action} labels={{ role_key: t("admin.role"), status: t("cust.status"), grants: t("admin.user.grants"), revocations: t("admin.user.revocations") }} />
        <fieldset disabled={action.busy}>
          <div className="form-row">
            <Select label={t("admin.role")} value={form.role_key} onChange={(e) => setForm({ ...form, role_key: e.target.value })}>
              {choices.map((r) => (
                <option key={r.key} value={r.key}>
                  {roleLabel(props.roles, r.key, t)}
                </option>
              ))}
            </Select>
            <Select label={t("cust.status")} value={form.status} disabled={user.id === me.id} onChange={(e) => setForm({ ...form, status: e.target.value as UserRecord["status"] })}>
              {user.status === "invited" && (
                <option value="invited" disabled>
                  {t("admin.user.status.invited")}
                </option>
              )}
              <option value="active">{t("admin.user.status.active")}</option>
              <option value="disabled">{t("admin.user.status.disabled")}</option>
            </Select>
          </div>
          <details className="perm-details">
            <summary>{t("admin.user.single", { count: effective.length })}</summary>
            <PermissionPicker
              legend={t("admin.user.grants")}
              testId="user-grants"
              value={form.grants}
              offered={(p) => !rolePermissions.includes(p)}
              allowed={(p) => me.permissions.includes(p)}
              onChange={(grants) => setForm({ ...form, grants })}
            />
            <PermissionPicker
              legend={t("admin.user.revocations")}
              testId="user-revocations"
              value={form.revocations}
              offered={(p) => rolePermissions.includes(p)}
              onChange={(revocations) => setForm({ ...form, revocations })}
            />
          </details>
        </fieldset>
        <div className="row row-tight">
          {disabling ? (
            <ConfirmButton label={t("common.save")} question={t("admin.user.disableConfirm", { name: user.name })} disabled={!online || action.busy} onConfirm={() => submit()} />
          ) : (
            <button type="submit" className="btn btn-primary" disabled={!online || action.busy}>
              {t("common.save")}
            </button>
          )}
          <button type="button" className="btn" onClick={props.onDone}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </Card>
  );
}
