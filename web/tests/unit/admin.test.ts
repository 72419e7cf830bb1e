import { test } from "node:test";
import assert from "node:assert/strict";
import { ptBR, en, type MessageKey } from "../../src/lib/i18n";
import {
  apiKeyBody,
  apiKeyState,
  auditUrl,
  buildMatrix,
  effectivePermissions,
  grantableRoles,
  PERMISSION_AREAS,
  PERMISSION_CATALOG,
  roleBody,
  togglePermission,
  userChangeBody,
  userCreateBody,
  type RoleRecord,
  type UserRecord,
} from "../../src/features/admin/model";

const check = (key: string, values?: Record<string, string | number>) => (values ? `${key}:${JSON.stringify(values)}` : key);
const role = (key: string, permissions: string[], predefined = true, name = key): RoleRecord => ({ id: `id-${key}`, key, name, permissions, predefined, provider_id: predefined ? null : "p1" });

test("the catalog matches Permission.swift: 12 modules × read/write and six modules with execute", () => {
  assert.equal(PERMISSION_CATALOG.length, 12 * 2 + 6);
  assert.deepEqual(PERMISSION_CATALOG.slice(0, 5), ["providers.read", "providers.write", "pops.read", "pops.write", "customers.read"]);
  assert.ok(PERMISSION_CATALOG.includes("alerts.execute"));
  assert.ok(!PERMISSION_CATALOG.includes("users.execute"));
  assert.ok(!PERMISSION_CATALOG.includes("audit.execute"));
});

test("every area, action and execute permission has its words in both languages", () => {
  for (const p of PERMISSION_CATALOG) {
    const [, action] = p.split(".");
    const key = (action === "execute" ? `perm.${p}` : `permAction.${action}`) as MessageKey;
    assert.ok(ptBR[key] && en[key], `${p}: ${key}`);
    assert.notEqual(ptBR[key], en[key], key);
  }
  for (const a of PERMISSION_AREAS) assert.ok(ptBR[`permArea.${a}` as MessageKey] && en[`permArea.${a}` as MessageKey], a);
});

test("the matrix orders predefined roles by power, then custom ones by name, and groups rows by area", () => {
  const roles = [
    role("viewer", ["devices.read", "pops.read"]),
    role("zeta", ["devices.read", "devices.execute"], false, "Zeta"),
    role("provider_admin", PERMISSION_CATALOG.filter((p) => p !== "providers.write")),
    role("alpha", ["audit.read"], false, "Alpha"),
    role("noc", ["devices.read", "devices.write", "audit.read"]),
  ];
  const matrix = buildMatrix(roles);
  assert.deepEqual(matrix.roles.map((r) => r.key), ["provider_admin", "noc", "viewer", "alpha", "zeta"]);
  assert.deepEqual(matrix.areas.map((a) => a.area), [...PERMISSION_AREAS]);
  const devices = matrix.areas.find((a) => a.area === "devices")!;
  assert.deepEqual(devices.rows.map((r) => r.action), ["read", "write", "execute"]);
  assert.deepEqual(devices.rows[0].cells, [true, true, true, false, true]);
  assert.deepEqual(devices.rows[2].cells, [true, false, false, false, true]);
  const providers = matrix.areas[0];
  assert.deepEqual(providers.rows[1].cells, [false, false, false, false, false]);
  const audit = matrix.areas.find((a) => a.area === "audit")!;
  assert.deepEqual(audit.rows.map((r) => r.permission), ["audit.read", "audit.write"]);
  assert.deepEqual(audit.rows[0].cells, [true, true, false, true, false]);
});

test("a permission the catalog does not know still gets a row in its own area", () => {
  const matrix = buildMatrix([role("noc", ["devices.read", "billing.read"])]);
  const billing = matrix.areas[matrix.areas.length - 1];
  assert.equal(billing.area, "billing");
  assert.deepEqual(billing.rows, [{ permission: "billing.read", action: "read", cells: [true] }]);
  assert.equal(buildMatrix([]).areas.reduce((n, a) => n + a.rows.length, 0), PERMISSION_CATALOG.length);
});

test("only roles within the caller's permissions are offered, never the Global Admin", () => {
  const roles = [role("global_admin", PERMISSION_CATALOG), role("noc", ["devices.read", "audit.read"]), role("viewer", ["devices.read"]), role("mine", ["reports.execute"], false)];
  assert.deepEqual(grantableRoles(roles, ["devices.read"]).map((r) => r.key), ["viewer"]);
  assert.deepEqual(grantableRoles(roles, PERMISSION_CATALOG).map((r) => r.key), ["noc", "viewer", "mine"]);
});

test("effective permissions: role plus grants minus revocations, in catalog order", () => {
  assert.deepEqual(effectivePermissions(["devices.write", "devices.read"], ["reports.execute"], ["devices.write"]), ["devices.read", "reports.execute"]);
  assert.deepEqual(togglePermission(["tools.read"], "pops.read", true), ["pops.read", "tools.read"]);
  assert.deepEqual(togglePermission(["tools.read", "pops.read"], "tools.read", false), ["pops.read"]);
});

test("user forms: required fields, e-mail and the API's 10-character password", () => {
  const form = { name: " Ana ", email: "ana@alfa.test", role_key: "noc", locale: "pt-BR" as const, access: "password" as const, password: "0123456789", via_channel_id: "" };
  assert.deepEqual(userCreateBody(form, check).body, { name: "Ana", email: "ana@alfa.test", role_key: "noc", locale: "pt-BR", password: "0123456789" });
  // An invitation sends the channel instead of a password, whatever the password field holds.
  assert.deepEqual(userCreateBody({ ...form, access: "invite", password: "", via_channel_id: "c1" }, check).body,
                   { name: "Ana", email: "ana@alfa.test", role_key: "noc", locale: "pt-BR", invite_via_channel_id: "c1" });
  assert.deepEqual(userCreateBody({ ...form, access: "invite", via_channel_id: "" }, check).errors, { invite_via_channel_id: "required" });
  const bad = userCreateBody({ ...form, name: "", email: "ana", role_key: "", password: "short" }, check);
  assert.equal(bad.body, undefined);
  assert.deepEqual(bad.errors, { name: "required", email: "emailFormat", role_key: "required", password: 'minChars:{"min":10}' });

  const user: UserRecord = { id: "u", email: "a@b.c", name: "A", role_id: "r", role_key: "viewer", status: "active", locale: "en", totp_enabled: false, grants: [], revocations: ["pops.read"], created_at: "" };
  assert.equal(userChangeBody(user, { role_key: "viewer", status: "active", grants: [], revocations: ["pops.read"] }), undefined);
  assert.deepEqual(userChangeBody(user, { role_key: "noc", status: "disabled", grants: ["tools.read"], revocations: ["pops.read"] }), { role_key: "noc", status: "disabled", grants: ["tools.read"] });
  assert.deepEqual(userChangeBody(user, { role_key: "viewer", status: "active", grants: [], revocations: [] }), { revocations: [] });
});

test("role form: key pattern on create only, a name and at least one permission", () => {
  const form = { key: "campo", name: "Campo", description: " ", permissions: ["devices.read"] };
  assert.deepEqual(roleBody(form, check).body, { key: "campo", name: "Campo", description: "", permissions: ["devices.read"] });
  assert.deepEqual(roleBody({ ...form, key: "Campo X", permissions: [] }, check).errors, { key: "roleKeyFormat", permissions: "pickOne" });
  const existing = role("campo", ["devices.read"], false);
  assert.deepEqual(roleBody({ ...form, key: "" }, check, existing).body, { name: "Campo", description: "", permissions: ["devices.read"] });
});

test("API key form: expiry is the end of the chosen day in the browser's zone and must be in the future", () => {
  const form = { name: "ERP", role_key: "viewer", expires: "2027-01-31" };
  // São Paulo is UTC−3: getTimezoneOffset() is 180.
  assert.deepEqual(apiKeyBody(form, check, "2026-12-06", 180).body, { name: "ERP", role_key: "viewer", expires_at: "2027-02-01T02:59:59.000Z" });
  assert.deepEqual(apiKeyBody({ ...form, expires: "" }, check, "2026-12-06").body, { name: "ERP", role_key: "viewer" });
  assert.deepEqual(apiKeyBody({ ...form, expires: "2026-12-06" }, check, "2026-12-06").errors, { expires_at: "futureDate" });
  assert.deepEqual(apiKeyBody({ name: "", role_key: "", expires: "" }, check, "2026-12-06").errors, { name: "required", role_key: "required" });
  const key = { id: "k", provider_id: "p", name: "n", prefix: "x", role_id: "r", created_at: "2026-01-01T00:00:00Z" };
  assert.equal(apiKeyState(key, Date.parse("2027-01-01T00:00:00Z")), "active");
  assert.equal(apiKeyState({ ...key, expires_at: "2026-06-01T00:00:00Z" }, Date.parse("2027-01-01T00:00:00Z")), "expired");
  assert.equal(apiKeyState({ ...key, expires_at: "2026-06-01T00:00:00Z", revoked_at: "2026-02-01T00:00:00Z" }, 0), "revoked");
});

test("audit URL carries only the filters given, with paging", () => {
  assert.equal(auditUrl({ action: "", actor_id: "", target_id: "", since: "", until: "" }, 0, 50, "America/Sao_Paulo"), "/api/v1/audit?limit=50&offset=0");
  const url = auditUrl({ action: " user. ", actor_id: "a1", target_id: "t 1", since: "2026-12-01T00:00", until: "nonsense" }, 100, 50, "America/Manaus");
  const params = new URL(url, "http://x").searchParams;
  assert.equal(params.get("action"), "user.");
  assert.equal(params.get("actor_id"), "a1");
  assert.equal(params.get("target_id"), "t 1");
  assert.equal(params.get("since"), "2026-12-01T04:00:00.000Z", "midnight in Manaus, the person's zone");
  assert.equal(params.get("until"), null);
  assert.equal(params.get("offset"), "100");
});
