import { test } from "node:test";
import assert from "node:assert/strict";
import { classify, diffDocuments, diffSummary, DIFF_MARKER, flatten, planRows, templateDiffRows } from "../../src/lib/diff";
import {
  emptyRollout,
  emptyTemplate,
  formSettings,
  jsonErrorLine,
  jsonErrorOffset,
  lineOfPath,
  MASK,
  rolloutBody,
  rolloutFormField,
  rolloutProgress,
  templateBody,
  templateFormField,
  templateToForm,
  wifiBands,
  type TemplateWithVersion,
} from "../../src/features/provisioning/logic";

const check = (key: string, values?: Record<string, string | number>) => (values ? `${key} ${JSON.stringify(values)}` : key);

test("classify: unset → set is added, set → unset removed, different changed, equal nothing", () => {
  assert.equal(classify(null, "a"), "added");
  assert.equal(classify(undefined, "a"), "added");
  assert.equal(classify("a", null), "removed");
  assert.equal(classify("a", "b"), "changed");
  assert.equal(classify("a", "a"), null);
  assert.equal(classify(null, undefined), null);
  // An empty string is a value, not "unset".
  assert.equal(classify("", null), "removed");
  assert.equal(classify(null, ""), "added");
});

test("each kind has a text marker besides its colour", () => {
  assert.deepEqual(DIFF_MARKER, { added: "+", removed: "−", changed: "~" });
});

test("template diff rows: the API's entries classified, unchanged ones dropped", () => {
  const rows = templateDiffRows([
    { field: "wifi.ssid@2.4GHz", before: "Acme", after: "Acme-Novo" },
    { field: "wifi.ssid@5GHz", before: null, after: "Acme-5G" },
    { field: "policies.inform_interval", before: "900", after: null },
    { field: "ntp.enabled", before: "true", after: "true" },
  ]);
  assert.deepEqual(
    rows.map((r) => [r.key, r.kind]),
    [
      ["wifi.ssid@2.4GHz", "changed"],
      ["wifi.ssid@5GHz", "added"],
      ["policies.inform_interval", "removed"],
    ],
  );
  assert.deepEqual(diffSummary(rows), { added: 1, removed: 1, changed: 1 });
  assert.equal(rows[0].before, "Acme");
  assert.equal(rows[0].after, "Acme-Novo");
});

test("plan rows: a parameter the device has not reported is added, the others changed", () => {
  const rows = planRows([
    { path: "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID", current: "Old", value: "New" },
    { path: "InternetGatewayDevice.ManagementServer.PeriodicInformInterval", current: null, value: "900" },
    { path: "InternetGatewayDevice.X.Same", current: "1", value: "1" },
  ]);
  assert.deepEqual(
    rows.map((r) => r.kind),
    ["changed", "added", "changed"],
  );
  assert.equal(rows[1].before, null);
  assert.equal(rows[1].after, "900");
});

test("flatten: nested objects by dot, arrays by index, scalars as text, empty containers kept", () => {
  assert.deepEqual(flatten({ wifi: [{ band: "2.4GHz", channel: 6, hidden: false }], ntp: { servers: [] }, lan: {}, x: null }), {
    "wifi[0].band": "2.4GHz",
    "wifi[0].channel": "6",
    "wifi[0].hidden": "false",
    "ntp.servers": "[]",
    lan: "{}",
    x: "null",
  });
});

test("diffDocuments: added, removed and changed keys in key order", () => {
  const before = { wifi: [{ band: "2.4GHz", ssid: "A", channel: 6 }], ntp: { enabled: true } };
  const after = { wifi: [{ band: "2.4GHz", ssid: "B" }, { band: "5GHz", ssid: "C" }], ntp: { enabled: true } };
  assert.deepEqual(diffDocuments(before, after), [
    { key: "wifi[0].channel", kind: "removed", before: "6", after: null },
    { key: "wifi[0].ssid", kind: "changed", before: "A", after: "B" },
    { key: "wifi[1].band", kind: "added", before: null, after: "5GHz" },
    { key: "wifi[1].ssid", kind: "added", before: null, after: "C" },
  ]);
  assert.deepEqual(diffDocuments(before, before), []);
});

const stored: TemplateWithVersion = {
  template: {
    id: "t1",
    name: "zte",
    match: { manufacturer: "ZTE", product_class: "ZXHN*" },
    pop_id: null,
    priority: 5,
    current_version: 2,
    created_at: "2026-12-01T00:00:00Z",
    updated_at: "2026-12-01T00:00:00Z",
  },
  version: {
    template_id: "t1",
    version: 2,
    settings: {
      wifi: [{ band: "5GHz", ssid: "Acme-5G", key: MASK, security: "wpa2_wpa3", channel: 36, enabled: true }],
      ntp: { enabled: true, servers: ["a.ntp.br"] },
    },
    policies: { wps_off: true, inform_interval: 900 },
    created_at: "2026-12-01T00:00:00Z",
  },
};

test("template form round trip: Wi-Fi per band in fields, the rest as JSON, the masked key sent back as is", () => {
  const form = templateToForm(stored);
  assert.equal(form.wifi["5GHz"].present, true);
  assert.equal(form.wifi["2.4GHz"].present, false);
  assert.equal(form.wifi["5GHz"].channel, "36");
  assert.equal(form.wifi["5GHz"].enabled, "on");
  assert.equal(form.wifi["5GHz"].hidden, "");
  assert.deepEqual(JSON.parse(form.other), { ntp: { enabled: true, servers: ["a.ntp.br"] } });
  const { body, errors } = templateBody(form, check, false);
  assert.deepEqual(errors, {});
  assert.deepEqual(body, {
    match: { manufacturer: "ZTE", product_class: "ZXHN*" },
    priority: 5,
    settings: { ntp: { enabled: true, servers: ["a.ntp.br"] }, wifi: [{ band: "5GHz", enabled: true, ssid: "Acme-5G", key: MASK, security: "wpa2_wpa3", channel: 36 }] },
    policies: { wps_off: true, inform_interval: 900 },
  });
  // Nothing edited: the unsaved-changes diff is empty.
  assert.deepEqual(diffDocuments(stored.version.settings, formSettings(form)), []);
});

test("template body: create needs a name; bad channel, short key and broken JSON are caught at their field and line", () => {
  const form = emptyTemplate();
  form.wifi["2.4GHz"] = { ...form.wifi["2.4GHz"], present: true, channel: "seis", key: "curta" };
  form.other = '{\n  "ntp": {\n    "enabled": tru\n  }\n}';
  const { body, errors, jsonLine } = templateBody(form, check, true);
  assert.equal(body, undefined);
  assert.equal(errors.name, "required");
  assert.equal(errors["wifi.2.4GHz.channel"], "channel");
  assert.equal(errors["wifi.2.4GHz.key"], "wifiKey");
  assert.equal(jsonLine, 3);
  assert.match(errors.other, /^jsonLine \{"line":3/);
  // Variables are left to the server.
  const ok = emptyTemplate();
  ok.name = "x";
  ok.wifi["2.4GHz"] = { ...ok.wifi["2.4GHz"], present: true, key: "{{generated.wifi_key}}", channel: "auto" };
  const created = templateBody(ok, check, true);
  assert.deepEqual(created.errors, {});
  assert.deepEqual((created.body!.settings as { wifi: unknown[] }).wifi, [{ band: "2.4GHz", key: "{{generated.wifi_key}}", channel: "auto" }]);
  assert.equal(created.body!.name, "x");
  const wifiInJson = emptyTemplate();
  wifiInJson.other = '{"wifi": []}';
  assert.equal(templateBody(wifiInJson, check, false).errors.other, "jsonNoWifi");
});

test("jsonErrorOffset/jsonErrorLine find the first syntax error; valid JSON has none", () => {
  for (const ok of ['{}', '{"a": [1, -2.5e3, "x\\"y", true, false, null, {}]}', ' [ ] ', '"s"', '0']) {
    assert.equal(jsonErrorOffset(ok), null, ok);
    JSON.parse(ok);
  }
  assert.equal(jsonErrorLine('{\n"a": x}'), 2);
  assert.equal(jsonErrorOffset('{\n"a": x}'), 7);
  assert.equal(jsonErrorLine('{\n  "a": 1,\n  "b": 2,\n}'), 4);
  assert.equal(jsonErrorLine('{"a": 1'), 1);
  assert.equal(jsonErrorLine('{"a": 1}\n\n x'), 3);
  assert.equal(jsonErrorLine("{'a': 1}"), 1);
  assert.equal(jsonErrorLine('{"a": 01}'), 1);
});

test("lineOfPath finds the line of a nested key named by the API", () => {
  const text = '{\n  "wan": {\n    "pppoe": {\n      "username": "x",\n      "password": "y"\n    }\n  },\n  "ntp": {"servers": ["a", "b", "c"]}\n}';
  assert.equal(lineOfPath(text, "wan.pppoe.password"), 5);
  assert.equal(lineOfPath(text, "wan"), 2);
  assert.equal(lineOfPath(text, "ntp.servers[2]"), 8);
  assert.equal(lineOfPath(text, "lan.ip_address"), null);
  // A "username" outside wan.pppoe is not taken for it.
  assert.equal(lineOfPath('{"username": 1,\n"wan": {\n"pppoe": {\n"username": 2}}}', "wan.pppoe.username"), 4);
});

test("templateFormField maps the API's field to the band's control, the JSON editor or a match field", () => {
  const form = emptyTemplate();
  form.wifi["5GHz"].present = true;
  const bands = wifiBands(form);
  assert.deepEqual(bands, ["5GHz"]);
  assert.deepEqual(templateFormField("settings.wifi[0].ssid", bands), { field: "wifi.5GHz.ssid" });
  assert.deepEqual(templateFormField("settings.wifi[0]", bands), { field: "wifi.5GHz.band" });
  assert.deepEqual(templateFormField("wifi.channel@5GHz", bands), { field: "wifi.5GHz.channel" });
  assert.deepEqual(templateFormField("settings.wan.pppoe.colour", bands), { field: "other", path: "wan.pppoe.colour" });
  assert.deepEqual(templateFormField("match.manufacturer", bands), { field: "manufacturer" });
  assert.deepEqual(templateFormField("policies.inform_interval", bands), { field: "inform_interval" });
  assert.deepEqual(templateFormField("name", bands), { field: "name" });
  assert.equal(templateFormField(undefined, bands), undefined);
});

test("rollout body: POP target, Wi-Fi action, threshold as a fraction", () => {
  const form = { ...emptyRollout(), name: "SSID novo", pop_id: "p1", ssid: "Acme", manufacturer: "Huawei*", failure_percent: "20" };
  const { body, errors } = rolloutBody(form, check);
  assert.deepEqual(errors, {});
  assert.deepEqual(body, {
    name: "SSID novo",
    target: { pop_id: "p1", manufacturer: "Huawei*" },
    action: { type: "set_wifi", band: "2.4GHz", ssid: "Acme" },
    wave_size: 50,
    pause_seconds: 0,
    failure_threshold: 0.2,
  });
});

test("rollout body: what is missing or out of range is named", () => {
  const { body, errors } = rolloutBody({ ...emptyRollout(), wave_size: "0", failure_percent: "150", key: "1234" }, check);
  assert.equal(body, undefined);
  assert.equal(errors.name, "required");
  assert.equal(errors.pop_id, "required");
  assert.equal(errors.key, "wifiKey");
  assert.match(errors.wave_size, /^range/);
  assert.match(errors.failure_threshold, /^range/);
  const nothing = rolloutBody({ ...emptyRollout(), name: "x", pop_id: "p" }, check);
  assert.equal(nothing.errors.ssid, "wifiNothing");
  const filter = rolloutBody({ ...emptyRollout(), name: "x", target: "filter", action: "reboot" }, check);
  assert.equal(filter.errors.manufacturer, "filterNeeded");
});

test("rollout body: a group's members become device_ids; an empty group is refused", () => {
  const form = { ...emptyRollout(), name: "boot", target: "group" as const, group_id: "g1", action: "reboot" as const };
  assert.deepEqual(rolloutBody(form, check).errors, {});
  assert.deepEqual(rolloutBody(form, check, ["d1", "d2"]).body!.target, { device_ids: ["d1", "d2"] });
  assert.equal(rolloutBody(form, check, []).errors.group_id, "groupEmpty");
});

test("rollout API fields map to the form's", () => {
  assert.equal(rolloutFormField("action.key"), "key");
  assert.equal(rolloutFormField("target.pop_id"), "pop_id");
  assert.equal(rolloutFormField("target"), "target");
  assert.equal(rolloutFormField("failure_threshold"), "failure_threshold");
});

test("rollout progress counts settled devices (succeeded, failed, skipped)", () => {
  const counts = { pending: 3, running: 2, succeeded: 3, failed: 1, skipped: 1 };
  assert.deepEqual(rolloutProgress({ total: 10, counts, status: "running" }), { done: 5, fraction: 0.5, over: false });
  assert.deepEqual(rolloutProgress({ total: 0, counts: { pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0 }, status: "completed" }), {
    done: 0,
    fraction: 0,
    over: true,
  });
});
