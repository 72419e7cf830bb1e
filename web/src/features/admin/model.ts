// Pure logic of the Administração screens: the permission catalog grouped by area, the roles ×
// permissions matrix, what a caller may grant, and form ⇄ API body for users, roles and API keys.
// No React here, so it is unit-tested on its own.

import { localToISO } from "../../lib/zone";

export type FieldErrors = Record<string, string>;
export type Check = (key: string, values?: Record<string, string | number>) => string;

/** The modules of Permission.swift, in the catalog's order; each is an area of the matrix. */
export const PERMISSION_AREAS = ["providers", "pops", "customers", "devices", "provisioning", "monitoring", "alerts", "tools", "reports", "users", "audit", "settings"] as const;
export type PermissionArea = (typeof PERMISSION_AREAS)[number];
export const PERMISSION_ACTIONS = ["read", "write", "execute"] as const;
/** The modules with something to execute (the rest only read and write), as in Permission.swift. */
const EXECUTABLE: readonly PermissionArea[] = ["devices", "provisioning", "monitoring", "tools", "reports", "alerts"];

/** Every permission key of the catalog (`module.action`), in the server's order. */
export const PERMISSION_CATALOG: string[] = PERMISSION_AREAS.flatMap((m) => PERMISSION_ACTIONS.filter((a) => a !== "execute" || EXECUTABLE.includes(m)).map((a) => `${m}.${a}`));

export interface RoleRecord {
  id: string;
  provider_id?: string | null;
  key: string;
  name: string;
  description?: string | null;
  permissions: string[];
  predefined: boolean;
}

/** `invited`: created with an e-mailed invitation and still without a password of its own. */
export type UserStatus = "active" | "disabled" | "invited";

export interface UserRecord {
  id: string;
  provider_id?: string | null;
  email: string;
  name: string;
  role_id: string;
  role_key: string;
  status: UserStatus;
  locale: "pt-BR" | "en";
  totp_enabled: boolean;
  last_login_at?: string | null;
  grants: string[];
  revocations: string[];
  created_at: string;
}

export interface ApiKeyRecord {
  id: string;
  provider_id: string;
  name: string;
  prefix: string;
  role_id: string;
  created_at: string;
  expires_at?: string | null;
  last_used_at?: string | null;
  revoked_at?: string | null;
}

export interface AuditRecord {
  id: number;
  provider_id?: string | null;
  seq: number;
  at: string;
  actor_type: "user" | "api_key" | "system" | "device";
  actor_id?: string | null;
  actor_label?: string | null;
  action: string;
  target_type?: string | null;
  target_id?: string | null;
  before?: unknown;
  after?: unknown;
  ip?: string | null;
  request_id?: string | null;
}

export interface AuditVerification {
  intact: boolean;
  checked: number;
  broken?: { id: number; seq: number; kind: "removed" | "link" | "altered"; reason: string };
}

/** The order roles are shown in: the predefined profiles from most to least powerful, then the
 *  provider's own by name. */
const PREDEFINED_ORDER = ["global_admin", "provider_admin", "noc", "technician", "viewer"];
export function sortRoles(roles: RoleRecord[]): RoleRecord[] {
  const rank = (r: RoleRecord) => (r.predefined ? PREDEFINED_ORDER.indexOf(r.key) : PREDEFINED_ORDER.length);
  return [...roles].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || a.key.localeCompare(b.key));
}

export interface MatrixRow {
  permission: string;
  action: string;
  /** One per column role: whether it carries the permission. */
  cells: boolean[];
}
export interface MatrixArea {
  area: string;
  rows: MatrixRow[];
}
export interface Matrix {
  roles: RoleRecord[];
  areas: MatrixArea[];
}

/** Roles × permissions grouped by area. Permissions a role carries that the catalog does not know
 *  (a newer server) still get a row, in an area of their own module. */
export function buildMatrix(roles: RoleRecord[], catalog: string[] = PERMISSION_CATALOG): Matrix {
  const columns = sortRoles(roles);
  const keys = [...catalog];
  for (const role of columns) for (const p of role.permissions) if (!keys.includes(p)) keys.push(p);
  const areas: MatrixArea[] = [];
  for (const permission of keys) {
    const [area, action = ""] = permission.split(".");
    let group = areas.find((a) => a.area === area);
    if (!group) {
      group = { area, rows: [] };
      areas.push(group);
    }
    group.rows.push({ permission, action, cells: columns.map((r) => r.permissions.includes(permission)) });
  }
  return { roles: columns, areas };
}

/** The roles a caller may hand out (to a user or an API key): nobody grants what they do not hold. */
export function grantableRoles(roles: RoleRecord[], held: string[]): RoleRecord[] {
  return sortRoles(roles).filter((r) => r.key !== "global_admin" && r.permissions.every((p) => held.includes(p)));
}

/** A user's effective permissions: the role's, plus grants, minus revocations. */
export function effectivePermissions(role: string[], grants: string[], revocations: string[]): string[] {
  const all = new Set([...role, ...grants]);
  for (const p of revocations) all.delete(p);
  return PERMISSION_CATALOG.filter((p) => all.has(p)).concat([...all].filter((p) => !PERMISSION_CATALOG.includes(p)).sort());
}

/** Adds or removes one permission, keeping the catalog's order. */
export function togglePermission(list: string[], permission: string, on: boolean): string[] {
  const set = new Set(list);
  if (on) set.add(permission);
  else set.delete(permission);
  return PERMISSION_CATALOG.filter((p) => set.has(p)).concat([...set].filter((p) => !PERMISSION_CATALOG.includes(p)).sort());
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface UserForm {
  name: string;
  email: string;
  role_key: string;
  locale: "pt-BR" | "en";
  /** "password": the administrator hands over the initial password; "invite": an e-mailed link lets the person choose it. */
  access: "password" | "invite";
  password: string;
  /** The provider's e-mail channel that sends the invitation. */
  via_channel_id: string;
}

export function userCreateBody(form: UserForm, check: Check): { body?: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!form.name.trim()) errors.name = check("required");
  if (!form.email.trim()) errors.email = check("required");
  else if (!EMAIL.test(form.email.trim())) errors.email = check("emailFormat");
  if (!form.role_key) errors.role_key = check("required");
  if (form.access === "password" && form.password.length < 10) errors.password = check("minChars", { min: 10 });
  if (form.access === "invite" && !form.via_channel_id) errors.invite_via_channel_id = check("required");
  if (Object.keys(errors).length) return { errors };
  const access = form.access === "invite" ? { invite_via_channel_id: form.via_channel_id } : { password: form.password };
  return { body: { name: form.name.trim(), email: form.email.trim(), role_key: form.role_key, locale: form.locale, ...access }, errors };
}

export interface UserChangeForm {
  role_key: string;
  status: UserStatus;
  grants: string[];
  revocations: string[];
}

/** Only what changed (the API keeps absent fields); `undefined` when nothing did. */
export function userChangeBody(user: UserRecord, form: UserChangeForm): Record<string, unknown> | undefined {
  const body: Record<string, unknown> = {};
  if (form.role_key !== user.role_key) body.role_key = form.role_key;
  if (form.status !== user.status) body.status = form.status;
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((p) => b.includes(p));
  if (!same(form.grants, user.grants)) body.grants = form.grants;
  if (!same(form.revocations, user.revocations)) body.revocations = form.revocations;
  return Object.keys(body).length ? body : undefined;
}

export interface RoleForm {
  key: string;
  name: string;
  description: string;
  permissions: string[];
}

export const ROLE_KEY_PATTERN = /^[a-z][a-z0-9_]{1,62}$/;

export function roleBody(form: RoleForm, check: Check, existing?: RoleRecord): { body?: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!existing) {
    if (!form.key.trim()) errors.key = check("required");
    else if (!ROLE_KEY_PATTERN.test(form.key.trim())) errors.key = check("roleKeyFormat");
  }
  if (!form.name.trim()) errors.name = check("required");
  if (form.permissions.length === 0) errors.permissions = check("pickOne");
  if (Object.keys(errors).length) return { errors };
  const body: Record<string, unknown> = { name: form.name.trim(), description: form.description.trim(), permissions: form.permissions };
  if (!existing) body.key = form.key.trim();
  return { body, errors };
}

export interface ApiKeyForm {
  name: string;
  role_key: string;
  /** `YYYY-MM-DD`, empty for no expiry. */
  expires: string;
}

/** The key expires at the end of the chosen day in the given offset from UTC (minutes, as
 *  `Date.getTimezoneOffset` gives); a day not after `today` is refused. */
export function apiKeyBody(form: ApiKeyForm, check: Check, today: string, offsetMinutes = 0): { body?: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!form.name.trim()) errors.name = check("required");
  else if (form.name.trim().length > 100) errors.name = check("maxChars", { max: 100 });
  if (!form.role_key) errors.role_key = check("required");
  let expiresAt: string | undefined;
  if (form.expires) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(form.expires);
    if (!m) errors.expires_at = check("futureDate");
    else if (form.expires <= today) errors.expires_at = check("futureDate");
    else expiresAt = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], 23, 59, 59) + offsetMinutes * 60_000).toISOString();
  }
  if (Object.keys(errors).length) return { errors };
  const body: Record<string, unknown> = { name: form.name.trim(), role_key: form.role_key };
  if (expiresAt) body.expires_at = expiresAt;
  return { body, errors };
}

/** An API key's state at `now`. */
export function apiKeyState(key: ApiKeyRecord, now: number): "active" | "revoked" | "expired" {
  if (key.revoked_at) return "revoked";
  if (key.expires_at && Date.parse(key.expires_at) <= now) return "expired";
  return "active";
}

export interface AuditFilters {
  action: string;
  actor_id: string;
  target_id: string;
  /** `datetime-local` values (`YYYY-MM-DDTHH:MM`) in the person's time zone. */
  since: string;
  until: string;
}

/** The audit list's URL for the filters and page; `since`/`until` are read in `zone`. */
export function auditUrl(filters: AuditFilters, offset: number, limit: number, zone: string): string {
  const params = new URLSearchParams();
  if (filters.action.trim()) params.set("action", filters.action.trim());
  if (filters.actor_id) params.set("actor_id", filters.actor_id);
  if (filters.target_id.trim()) params.set("target_id", filters.target_id.trim());
  const instant = (local: string) => localToISO(local, zone) ?? undefined;
  const since = filters.since && instant(filters.since);
  const until = filters.until && instant(filters.until);
  if (since) params.set("since", since);
  if (until) params.set("until", until);
  params.set("limit", String(limit));
  params.set("offset", String(offset));
  return `/api/v1/audit?${params.toString()}`;
}
