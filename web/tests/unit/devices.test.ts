import { test } from "node:test";
import assert from "node:assert/strict";
import { createTranslator, type MessageKey } from "../../src/lib/i18n";
import { addTags, deviceBody, deviceToForm, emptyDevice, emptyGroup, groupBody, groupToForm, intervalsBody, intervalsToForm, MAX_TAGS, type Check, type GroupRecord } from "../../src/features/devices/model";
import type { Device } from "../../src/lib/types";

// The checks as the screens word them, in Portuguese: also proves every key they use exists.
const pt = createTranslator("pt-BR");
const check: Check = (key, values) => {
  const text = pt.t(`form.${key}` as MessageKey, values);
  assert.notEqual(text, `form.${key}`, `missing message form.${key}`);
  return text;
};

const device: Device = {
  id: "d1",
  provider_id: "p1",
  pop_id: "pop1",
  name: "ONT Maria",
  kind: "ont",
  vendor: "Acme",
  serial_number: "ACME0001",
  management_ip: "10.0.0.9",
  status: "online",
  created_at: "2026-12-01T00:00:00Z",
  updated_at: "2026-12-01T00:00:00Z",
  tags: ["fibra", "vip"],
};

test("tags typed at once are split at commas and spaces, kept in order, without duplicates", () => {
  assert.deepEqual(addTags(["vip"], "fibra, vip  bairro:centro,,"), ["vip", "fibra", "bairro:centro"]);
  assert.deepEqual(addTags([], "   "), []);
});

test("a new device needs a name; empty text fields are sent as null, tags as typed", () => {
  const empty = deviceBody(emptyDevice(), check);
  assert.equal(empty.body, undefined);
  assert.equal(empty.errors.name, "Obrigatório.");
  const { body, errors } = deviceBody({ ...emptyDevice("pop1"), name: "  CPE João ", management_ip: " 10.1.1.1 ", tags: ["fibra"] }, check);
  assert.deepEqual(errors, {});
  assert.deepEqual(body, {
    name: "CPE João",
    kind: "cpe",
    vendor: null,
    model: null,
    serial_number: null,
    oui: null,
    product_class: null,
    mac: null,
    management_ip: "10.1.1.1",
    pop_id: "pop1",
    customer_id: null,
    notes: null,
    tags: ["fibra"],
  });
});

test("the form leaves addresses and OUIs to the API, whose 400 names the field", () => {
  const { body } = deviceBody({ ...emptyDevice(), name: "x", management_ip: "999.1.1.1", oui: "XYZ" }, check);
  assert.equal((body as Record<string, unknown>).management_ip, "999.1.1.1");
  assert.equal((body as Record<string, unknown>).oui, "XYZ");
});

test("tags over the API's limits are refused at the field", () => {
  const long = deviceBody({ ...emptyDevice(), name: "x", tags: ["a".repeat(65)] }, check);
  assert.match(long.errors.tags, /64/);
  const many = deviceBody({ ...emptyDevice(), name: "x", tags: Array.from({ length: MAX_TAGS + 1 }, (_, i) => `t${i}`) }, check);
  assert.match(many.errors.tags, /32/);
});

test("editing a device round-trips its fields, and clearing one sends null", () => {
  const form = deviceToForm(device);
  assert.equal(form.pop_id, "pop1");
  assert.deepEqual(form.tags, ["fibra", "vip"]);
  form.tags.push("novo");
  assert.deepEqual(device.tags, ["fibra", "vip"], "the form edits a copy of the tags");
  const { body } = deviceBody({ ...form, vendor: "", pop_id: "" }, check);
  assert.equal((body as Record<string, unknown>).vendor, null);
  assert.equal((body as Record<string, unknown>).pop_id, null);
  assert.equal((body as Record<string, unknown>).serial_number, "ACME0001");
});

test("a static group is a name and a kind; a dynamic one needs a criterion", () => {
  assert.equal(groupBody(emptyGroup(), check).errors.name, "Obrigatório.");
  assert.deepEqual(groupBody({ ...emptyGroup(), name: " Centro " }, check).body, { name: "Centro", description: null, kind: "static" });
  const dynamic = { ...emptyGroup(), name: "Fibra", kind: "dynamic" as const };
  assert.match(groupBody(dynamic, check).errors.filter, /critério/);
  assert.deepEqual(groupBody({ ...dynamic, tag: " fibra ", device_kind: "ont" }, check).body, {
    name: "Fibra",
    description: null,
    kind: "dynamic",
    filter: { tag: "fibra", kind: "ont" },
  });
});

test("an edited group never sends its kind", () => {
  const g: GroupRecord = { id: "g", name: "Acme", kind: "dynamic", filter: { vendor: "Acme" }, device_count: 3, created_at: "", updated_at: "" };
  const form = groupToForm(g);
  assert.equal(form.vendor, "Acme");
  const { body } = groupBody({ ...form, description: "ONTs Acme" }, check, g);
  assert.deepEqual(body, { name: "Acme", description: "ONTs Acme", filter: { vendor: "Acme" } });
});

test("poll intervals: overrides shown in minutes, empty keeps the default, whole minutes 1…1440 sent in seconds", () => {
  const form = intervalsToForm({ enabled: true, intervals: { interfaces: 120, system: 300 }, interval_overrides: { interfaces: 120 } });
  assert.equal(form.interfaces, "2");
  assert.equal(form.system, "");
  assert.deepEqual(intervalsBody(false, { ...form, optics: " 15 " }, check).body, { enabled: false, intervals: { interfaces: 120, optics: 900 } });
  const bad = intervalsBody(true, { ...form, interfaces: "0", bgp: "1,5", health: "1441" }, check);
  assert.equal(bad.body, undefined);
  assert.deepEqual(Object.keys(bad.errors).sort(), ["bgp", "health", "interfaces"]);
  assert.match(bad.errors.health, /1440/);
  assert.deepEqual(intervalsBody(true, intervalsToForm({ enabled: true, intervals: {}, interval_overrides: {} }), check).body, { enabled: true, intervals: {} });
});
