import { test } from "node:test";
import assert from "node:assert/strict";
import { createTranslator } from "../../src/lib/i18n";
import type { Alert, AlertRule } from "../../src/lib/types";
import {
  alertLabels,
  channelToForm,
  settingsBody,
  SETTINGS,
  clearOnGoodSide,
  conditionSummary,
  emptyRuleForm,
  formField,
  isClockTime,
  matchersMatch,
  pacingBody,
  pacingToForm,
  parseLabels,
  parseMatchers,
  parseNumber,
  ruleBody,
  ruleToForm,
  silenceState,
} from "../../src/features/alerts/logic";
import { parseSuppression } from "../../src/features/alerts/suppressionReason";

const check = (key: string, values?: Record<string, string | number>) => (values ? `${key}:${JSON.stringify(values)}` : key);

test("numbers typed the Brazilian way: comma decimals and the typographic minus", () => {
  assert.equal(parseNumber("-27"), -27);
  assert.equal(parseNumber("\u221227,5"), -27.5);
  assert.equal(parseNumber(" 90 "), 90);
  assert.ok(Number.isNaN(parseNumber("9o")));
  assert.ok(Number.isNaN(parseNumber("")));
});

test("series labels parse from key=value lists and refuse a part without a key", () => {
  assert.deepEqual(parseLabels("scope=onu, index=3"), { scope: "onu", index: "3" });
  assert.deepEqual(parseLabels(""), {});
  assert.equal(parseLabels("scope"), null);
  assert.equal(parseLabels("=onu"), null);
});

test("a threshold form becomes the API's condition, minutes as seconds", () => {
  const form = { ...emptyRuleForm(), name: " ONU Rx baixo ", metric: "opticalRxPower", labels: "scope=onu", aggregation: "avg" as const, window_minutes: "10", op: "<" as const, value: "-27", clear: "-26", for_minutes: "10", keep_firing_minutes: "2,5", device_kinds: ["olt" as const] };
  const { body, errors } = ruleBody(form, check);
  assert.deepEqual(errors, {});
  assert.deepEqual(body?.condition, { type: "threshold", metric: "opticalRxPower", labels: { scope: "onu" }, aggregation: "avg", window_seconds: 600, op: "<", value: -27, clear: -26 });
  assert.equal(body?.name, "ONU Rx baixo");
  assert.equal(body?.for_seconds, 600);
  assert.equal(body?.keep_firing_for_seconds, 150);
  assert.deepEqual(body?.device_kinds, ["olt"]);
  assert.equal("scope_id" in (body ?? {}), false, "a provider-wide rule sends no scope_id");
});

test("the form refuses what the API would refuse, at the API's field names", () => {
  const bad = { ...emptyRuleForm(), name: "", value: "90", clear: "95", window_minutes: "0,5", for_minutes: "abc" };
  const { body, errors } = ruleBody(bad, check);
  assert.equal(body, undefined);
  assert.equal(errors.name, "required");
  assert.equal(errors["condition.clear"], "clearSide");
  assert.match(errors["condition.window_seconds"], /^range/);
  assert.equal(errors.for_seconds, "number");
  const scoped = ruleBody({ ...emptyRuleForm(), name: "x", value: "1", scope: "pop" }, check);
  assert.equal(scoped.errors.scope_id, "scopeId");
  const change = ruleBody({ ...emptyRuleForm(), name: "x", type: "change", delta: "0" }, check);
  assert.equal(change.errors["condition.delta"], "nonZero");
  const informing = ruleBody({ ...emptyRuleForm(), name: "x", type: "not_informing", multiplier: "200" }, check);
  assert.match(informing.errors["condition.multiplier"], /^range/);
});

test("hysteresis: the clearing value lies on the good side", () => {
  assert.ok(clearOnGoodSide(">", 90, 85));
  assert.ok(!clearOnGoodSide(">", 90, 95));
  assert.ok(clearOnGoodSide("<", -27, -26));
  assert.ok(!clearOnGoodSide("<=", -27, -28));
});

test("each condition type sends only its own fields", () => {
  const base = { ...emptyRuleForm(), name: "x", value: "1", delta: "-3", multiplier: "3" };
  assert.deepEqual(ruleBody({ ...base, type: "reachability", include_snmp_failing: true }, check).body?.condition, { type: "reachability", include_snmp_failing: true });
  assert.deepEqual(ruleBody({ ...base, type: "interface_down" }, check).body?.condition, { type: "interface_down" });
  assert.deepEqual(ruleBody({ ...base, type: "not_informing" }, check).body?.condition, { type: "not_informing", multiplier: 3 });
  assert.deepEqual(ruleBody({ ...base, type: "no_data", metric: "cpu", window_minutes: "15" }, check).body?.condition, { type: "no_data", metric: "cpu", window_seconds: 900 });
  assert.deepEqual(ruleBody({ ...base, type: "change", metric: "opticalRxPower", window_minutes: "60" }, check).body?.condition, { type: "change", metric: "opticalRxPower", window_seconds: 3600, delta: -3 });
});

test("a stored rule round-trips through the form", () => {
  const rule: AlertRule = {
    id: "r1", name: "CPU", enabled: false, severity: "critical", scope: "pop", scope_id: "p1", device_kinds: ["router"], include_cpe: false,
    condition: { type: "threshold", metric: "cpu", aggregation: "max", window_seconds: 300, op: ">=", value: 90, clear: 80 },
    for_seconds: 120, keep_firing_for_seconds: 90, labels: {}, created_at: "", updated_at: "",
  };
  const form = ruleToForm(rule);
  assert.equal(form.window_minutes, "5");
  assert.equal(form.keep_firing_minutes, "1,5");
  const { body } = ruleBody(form, check);
  assert.deepEqual(body?.condition, rule.condition);
  assert.equal(body?.for_seconds, 120);
  assert.equal(body?.keep_firing_for_seconds, 90);
  assert.equal(body?.scope_id, "p1");
  assert.equal(body?.enabled, false);
  assert.deepEqual(ruleBody({ ...form, device_kinds: [], description: "  " }, check).body?.device_kinds, [], "an empty list clears the kinds");
});

test("condition summaries read in both languages", () => {
  const pt = createTranslator("pt-BR");
  const en = createTranslator("en");
  const threshold = { type: "threshold" as const, metric: "opticalRxPower", labels: { scope: "onu" }, aggregation: "avg" as const, window_seconds: 600, op: "<" as const, value: -27, clear: -26.5 };
  assert.equal(conditionSummary(threshold, pt), "avg(opticalRxPower{scope=onu}) em 10 min < -27 (normaliza em -26,5)");
  assert.equal(conditionSummary(threshold, en), "avg(opticalRxPower{scope=onu}) over 10 min < -27 (clears at -26.5)");
  assert.equal(conditionSummary({ type: "change", metric: "opticalRxPower", window_seconds: 3600, delta: -3 }, pt), "opticalRxPower variou -3 em 60 min");
  assert.equal(conditionSummary({ type: "not_informing", multiplier: 3 }, en), "CPE without Inform for 3× its interval");
  assert.equal(conditionSummary({ type: "reachability", include_snmp_failing: true }, pt), "dispositivo fora do ar ou SNMP sem resposta");
});

test("silence matchers: one per line, exact or prefix, every one must match", () => {
  assert.deepEqual(parseMatchers("device=OLT Centro 01\nrule=CPU*\n"), { device: "OLT Centro 01", rule: "CPU*" });
  assert.equal(parseMatchers(""), null);
  assert.equal(parseMatchers("device"), null);
  assert.equal(parseMatchers("device="), null);
  const alert: Alert = { id: "a", rule_id: "r1", rule_name: "CPU acima de 90%", device_id: "d1", device_name: "OLT Centro 01", pop_id: "p1", target: "device", severity: "critical", state: "firing", started_at: "", labels: { team: "noc" } };
  const labels = alertLabels(alert);
  assert.equal(labels.device, "OLT Centro 01");
  assert.equal(labels.rule, "CPU acima de 90%");
  assert.equal(labels.team, "noc");
  assert.ok(matchersMatch({ device: "OLT Centro 01", rule: "CPU*" }, labels));
  assert.ok(matchersMatch({ device: "OLT*", severity: "critical" }, labels));
  assert.ok(!matchersMatch({ device: "OLT*", severity: "warning" }, labels));
  assert.ok(!matchersMatch({ pop: "p1" }, labels), "a label the alert lacks never matches");
  assert.ok(!matchersMatch({}, labels), "no matcher mutes nothing");
});

test("a silence is scheduled, active, then ended", () => {
  const s = { starts_at: "2026-12-05T10:00:00Z", ends_at: "2026-12-05T12:00:00Z" };
  assert.equal(silenceState(s, Date.parse("2026-12-05T09:00:00Z")), "pending");
  assert.equal(silenceState(s, Date.parse("2026-12-05T11:00:00Z")), "active");
  assert.equal(silenceState(s, Date.parse("2026-12-05T12:00:00Z")), "expired");
});

test("pacing: the API's ranges, quiet hours as HH:MM, defaults when absent", () => {
  assert.ok(isClockTime("22:00") && isClockTime("07:05") && !isClockTime("24:00") && !isClockTime("7:00"));
  const defaults = pacingToForm(undefined);
  assert.deepEqual(defaults.group_by, ["pop", "rule"]);
  assert.equal(defaults.repeat_interval_seconds, "14400");
  const ok = pacingBody({ ...defaults, quiet: true, quiet_start: "22:00", quiet_end: "07:00" }, check);
  assert.deepEqual(ok.body, { group_by: ["pop", "rule"], group_wait_seconds: 30, group_interval_seconds: 300, repeat_interval_seconds: 14400, quiet_hours: { start: "22:00", end: "07:00", time_zone: "America/Sao_Paulo", min_severity: "critical" } });
  const bad = pacingBody({ ...defaults, group_wait_seconds: "4000", repeat_interval_seconds: "", quiet: true, quiet_start: "25:00" }, check);
  assert.equal(bad.body, undefined);
  assert.match(bad.errors.group_wait_seconds, /^range/);
  assert.equal(bad.errors.repeat_interval_seconds, "required");
  assert.equal(bad.errors["quiet_hours.start"], "time");
  assert.equal(pacingBody({ ...defaults, quiet: false }, check).body?.quiet_hours, null);
});

test("API error fields land on the form's fields", () => {
  assert.equal(formField("pacing.quiet_hours.start"), "quiet_hours.start");
  assert.equal(formField("channel.settings.url"), "settings.url");
  assert.equal(formField("condition.clear"), "condition.clear");
  assert.equal(formField(undefined), undefined);
});

test("channel settings: recipients as a list, numbers as numbers, an empty secret kept on update", () => {
  const form = channelToForm(undefined);
  const email = { ...form, type: "email" as const, settings: { host: "smtp.provedor.com.br", port: "587", security: "starttls", username: "", password: "", from_address: "noc@provedor.com.br", recipients: "a@provedor.com.br, b@provedor.com.br;c@provedor.com.br" } };
  assert.deepEqual(settingsBody(email), { host: "smtp.provedor.com.br", port: 587, security: "starttls", password: "", from_address: "noc@provedor.com.br", recipients: ["a@provedor.com.br", "b@provedor.com.br", "c@provedor.com.br"] });
  const webhook = { ...form, type: "webhook" as const, settings: { url: " https://noc.example/hook ", key: "", timeout_seconds: "" } };
  assert.deepEqual(settingsBody(webhook), { url: "https://noc.example/hook", key: "" }, "an empty key keeps the stored one; no timeout takes the default");
  // A stored channel: lists read back as text, secrets answered empty stay empty.
  const stored = channelToForm({
    id: "c", name: "E-mail do NOC", enabled: true, min_severity: "critical", pop_id: null, language: "en", created_at: "", updated_at: "",
    channel: { type: "email", settings: { host: "smtp", port: 587, recipients: ["a@x", "b@x"], password: "" } }, pacing: { group_by: [] },
  });
  assert.equal(stored.settings.recipients, "a@x, b@x");
  assert.equal(stored.settings.port, "587");
  assert.deepEqual(stored.pacing.group_by, [], "an empty grouping (the whole provider) is kept, not replaced by the default");
  assert.ok(SETTINGS.telegram.some((f) => f.key === "bot_token" && f.secret));
});

test("a suppression reads as what holds the alert back, linked to it; anything else as stored", () => {
  const id = "3F2A9C4E-1B2D-4E5F-8A9B-0C1D2E3F4A5B";
  assert.deepEqual(parseSuppression(`parent:${id}`), { kind: "parent", id: id.toLowerCase(), href: `/alerts/${id.toLowerCase()}` });
  assert.deepEqual(parseSuppression(`silence:${id.toLowerCase()}`), { kind: "silence", id: id.toLowerCase(), href: "/alerts/silences" });
  assert.deepEqual(parseSuppression(`maintenance:${id}`), { kind: "maintenance", id: id.toLowerCase(), href: "/alerts/maintenance" });
  assert.deepEqual(parseSuppression("parent:not-an-id"), { kind: "other", text: "parent:not-an-id" });
  assert.deepEqual(parseSuppression("refiring"), { kind: "other", text: "refiring" });
  const pt = createTranslator("pt-BR");
  const en = createTranslator("en");
  for (const kind of ["parent", "silence", "maintenance"] as const) {
    assert.notEqual(pt.t(`suppression.${kind}`), `suppression.${kind}`);
    assert.notEqual(en.t(`suppression.${kind}`), pt.t(`suppression.${kind}`));
  }
});
