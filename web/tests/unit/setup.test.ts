import { test } from "node:test";
import assert from "node:assert/strict";
import { createTranslator, ptBR, en, type MessageKey } from "../../src/lib/i18n";
import {
  acsUrl,
  checklist,
  customerBody,
  customerToForm,
  cwmpCredentialBody,
  decimal,
  discoveryBody,
  emptyCustomer,
  emptyDiscovery,
  emptySnmpCredential,
  generatePassword,
  isCidr,
  popBody,
  providerBody,
  slugify,
  snmpCredentialBody,
  snmpSecurity,
  type Check,
  type SnmpCredentialRecord,
} from "../../src/features/setup/model";
import { mergeDeviceHits, searchTerm } from "../../src/features/hierarchy/search";
import type { Device } from "../../src/lib/types";

// The checks as the screens word them, in Portuguese: also proves every key they use exists.
const pt = createTranslator("pt-BR");
const check: Check = (key, values) => {
  const text = pt.t(`form.${key}` as MessageKey, values);
  assert.notEqual(text, `form.${key}`, `missing message form.${key}`);
  return text;
};

test("a provider's slug comes from its name without accents, and the form refuses a bad one at its field", () => {
  assert.equal(slugify("Fibra Sul Telecom"), "fibra-sul-telecom");
  assert.equal(slugify("  Conexão São João — Ltda. "), "conexao-sao-joao-ltda");
  assert.equal(slugify("x".repeat(80)).length, 63);
  assert.deepEqual(providerBody({ name: "Fibra Sul", slug: "fibra-sul", document: "" }, check), { body: { name: "Fibra Sul", slug: "fibra-sul" }, errors: {} });
  const bad = providerBody({ name: "", slug: "Fibra Sul", document: "" }, check);
  assert.equal(bad.body, undefined);
  assert.equal(bad.errors.name, "Obrigatório.");
  assert.match(bad.errors.slug, /minúsculas/);
});

test("the ACS address follows the page's host and scheme, brackets IPv6 and uses the default port", () => {
  assert.equal(acsUrl({ protocol: "http:", hostname: "noc.example" }, "acme"), "http://noc.example:7547/cwmp/acme");
  assert.equal(acsUrl({ protocol: "https:", hostname: "noc.example" }, "acme", 8443), "https://noc.example:8443/cwmp/acme");
  assert.equal(acsUrl({ protocol: "http:", hostname: "[::1]" }, "acme"), "http://[::1]:7547/cwmp/acme");
  assert.equal(acsUrl({ protocol: "http:", hostname: "::1" }, "acme"), "http://[::1]:7547/cwmp/acme");
});

test("generated CPE passwords have the asked length, only unambiguous characters, and differ", () => {
  let seed = 7;
  const random = (buffer: Uint8Array) => buffer.map(() => (seed = (seed * 1103515245 + 12345) & 0xff));
  const a = generatePassword(random);
  const b = generatePassword(random, 32);
  assert.equal(a.length, 20);
  assert.equal(b.length, 32);
  assert.match(a + b, /^[a-km-np-zA-HJ-NP-Z2-9]+$/);
  assert.notEqual(a, b.slice(0, 20));
  // Bytes beyond the last whole multiple of the alphabet are skipped, not folded onto it.
  const high = generatePassword((buffer) => buffer.map((_, i) => (i % 2 ? 255 : 0)), 4);
  assert.equal(high, "aaaa");
});

test("a CPE credential needs a user without a colon and a password of 8 to 256 characters", () => {
  assert.deepEqual(cwmpCredentialBody({ username: " cpe ", password: "12345678" }, check).body, { username: "cpe", password: "12345678" });
  const bad = cwmpCredentialBody({ username: "a:b", password: "short" }, check);
  assert.equal(bad.errors.username, "Sem dois-pontos (:).");
  assert.equal(bad.errors.password, "Pelo menos 8 caracteres.");
});

test("POP and customer bodies: empty optional fields are null, the SLA target takes a comma and stays in (0, 100]", () => {
  assert.deepEqual(popBody({ name: " Centro ", code: "", city: "Curitiba", state: "PR", address: " ", notes: "" }, check).body, {
    name: "Centro",
    code: null,
    city: "Curitiba",
    state: "PR",
    address: null,
    notes: null,
  });
  assert.equal(decimal("99,5"), 99.5);
  assert.ok(Number.isNaN(decimal("99,5%")));
  const ok = customerBody({ ...emptyCustomer("p1"), name: "Maria", sla_target_percent: "99,5" }, check);
  assert.equal(ok.body?.sla_target_percent, 99.5);
  assert.equal(ok.body?.pop_id, "p1");
  assert.equal(ok.body?.email, null);
  assert.equal(customerBody({ ...emptyCustomer(), name: "Maria" }, check).body?.sla_target_percent, null);
  // Back in the form in the reader's writing, and unchanged by a round trip.
  const maria = { id: "c", name: "Maria", status: "active" as const, sla_target_percent: 99.95 };
  assert.equal(customerToForm(maria, ",").sla_target_percent, "99,95");
  assert.equal(customerToForm(maria).sla_target_percent, "99.95");
  assert.equal(customerBody(customerToForm(maria, ","), check).body?.sla_target_percent, 99.95);
  for (const bad of ["0", "100,1", "abc"]) {
    assert.equal(customerBody({ ...emptyCustomer(), name: "Maria", sla_target_percent: bad }, check).errors.sla_target_percent, "Um percentual maior que 0 e até 100 (ex.: 99,5).");
  }
  assert.ok(customerBody({ ...emptyCustomer(), name: "Maria", email: "not-an-email" }, check).errors.email);
});

test("an SNMP v2c credential needs its community; a change sends only what may change and keeps empty secrets", () => {
  const form = { ...emptySnmpCredential(), name: "Rede", community: "public" };
  assert.deepEqual(snmpCredentialBody(form, check).body, { name: "Rede", priority: 100, version: "v2c", community: "public" });
  assert.equal(snmpCredentialBody({ ...form, community: "" }, check).errors.community, "Obrigatório.");
  const existing: SnmpCredentialRecord = { id: "c1", name: "Rede", version: "v2c", priority: 100, context_name: "", updated_at: "2026-12-06T00:00:00Z" };
  assert.deepEqual(snmpCredentialBody({ ...form, community: "", priority: "5" }, check, existing).body, { name: "Rede", priority: 5, context_name: "" });
  assert.deepEqual(snmpCredentialBody({ ...form, community: "new" }, check, existing).body, { name: "Rede", priority: 100, context_name: "", community: "new" });
  assert.ok(snmpCredentialBody({ ...form, priority: "10001" }, check).errors.priority);
});

test("an SNMP v3 credential: user, pass phrases of 8+, privacy only with authentication", () => {
  const v3 = { ...emptySnmpCredential(), name: "v3", version: "v3" as const, v3_user: "noc", auth_key: "authpass1", priv_key: "privpass1" };
  assert.deepEqual(snmpCredentialBody(v3, check).body, {
    name: "v3",
    priority: 100,
    version: "v3",
    v3_user: "noc",
    auth_protocol: "SHA",
    auth_key: "authpass1",
    priv_protocol: "AES",
    priv_key: "privpass1",
  });
  const errors = snmpCredentialBody({ ...v3, v3_user: "", auth_key: "short" }, check).errors;
  assert.equal(errors.v3_user, "Obrigatório.");
  assert.equal(errors.auth_key, "Pelo menos 8 caracteres.");
  assert.equal(snmpCredentialBody({ ...v3, auth_protocol: "" }, check).errors.priv_protocol, "Privacidade exige autenticação.");
  // noAuthNoPriv sends neither protocol nor key.
  assert.deepEqual(snmpCredentialBody({ ...v3, auth_protocol: "", priv_protocol: "" }, check).body, { name: "v3", priority: 100, version: "v3", v3_user: "noc" });
  const existing: SnmpCredentialRecord = { id: "c", name: "v3", version: "v3", priority: 100, v3_user: "noc", auth_protocol: "SHA-256", priv_protocol: "AES", updated_at: "" };
  assert.equal(snmpSecurity(existing), "v3 · authPriv SHA-256/AES");
  assert.deepEqual(snmpCredentialBody({ ...v3, auth_key: "", priv_key: "" }, check, existing).body, { name: "v3", priority: 100, context_name: "" });
  assert.equal(snmpCredentialBody({ ...v3, auth_key: "short", priv_key: "" }, check, existing).errors.auth_key, "Pelo menos 8 caracteres.");
});

test("discovery ranges: a POP, an IPv4 network in CIDR, a port, and a repeat of at least 5 minutes sent in seconds", () => {
  assert.ok(isCidr("10.20.0.0/24"));
  assert.ok(isCidr("127.0.0.2/32"));
  for (const bad of ["2001:db8::/120", "10.20.0.0", "10.20.0.256/24", "10.20.0.0/33", "host/24", "10.0.0.0/24/1"]) assert.ok(!isCidr(bad), bad);
  assert.deepEqual(discoveryBody({ ...emptyDiscovery("p"), cidr: " 10.20.0.0/24 ", every_minutes: "15" }, check).body, { pop_id: "p", cidr: "10.20.0.0/24", port: 161, every_seconds: 900 });
  const bad = discoveryBody({ pop_id: "", cidr: "10.20.0.0", port: "0", every_minutes: "1" }, check).errors;
  assert.deepEqual(Object.keys(bad).sort(), ["cidr", "every_seconds", "pop_id", "port"]);
});

test("the checklist: steps wait for a provider, are done from the API's totals, unknown without access", () => {
  assert.deepEqual(
    checklist({ provider: false }).map((s) => s.state),
    ["todo", "blocked", "blocked", "blocked"],
  );
  assert.deepEqual(
    checklist({ provider: true, pops: 2, cpeCredentials: 0, snmpCredentials: undefined }).map((s) => s.state),
    ["done", "done", "todo", "unknown"],
  );
});

test("the search merges direct device hits with those found through customers, without repeats", () => {
  const d = (id: string) => ({ id, name: id }) as Device;
  const hits = mergeDeviceHits([d("a"), d("b")], [{ customer: { id: "c1", name: "Maria" }, devices: [d("b"), d("c")] }]);
  assert.deepEqual(
    hits.map((h) => [h.device.id, h.via?.name]),
    [
      ["a", undefined],
      ["b", undefined],
      ["c", "Maria"],
    ],
  );
  assert.equal(searchTerm(" a "), null);
  assert.equal(searchTerm(" ab "), "ab");
});

test("every set-up message has an English text that is not the Portuguese one", () => {
  const prefixes = ["setup.", "snmp.", "disc.", "hier.", "pop.", "cust.", "custStatus.", "setupNav.", "hierNav."];
  const keys = (Object.keys(ptBR) as MessageKey[]).filter((k) => prefixes.some((p) => k.startsWith(p)));
  assert.ok(keys.length > 100);
  const same = keys.filter((k) => en[k] === ptBR[k] && !/^(POPs?|SLA|E-mail|Community|CPF\/CNPJ|ICMP: \{state\})$/.test(ptBR[k]));
  assert.deepEqual(same, []);
});
