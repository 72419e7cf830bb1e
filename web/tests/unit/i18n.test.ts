import { test } from "node:test";
import assert from "node:assert/strict";
import { createTranslator, en, interpolate, ptBR } from "../../src/lib/i18n";

test("both dictionaries have the same keys and no empty text", () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(ptBR).sort());
  for (const [key, value] of [...Object.entries(ptBR), ...Object.entries(en)]) assert.ok(value.trim().length > 0, key);
});

test("placeholders are filled, unknown ones kept", () => {
  assert.equal(interpolate("{from}–{to} de {total}", { from: 1, to: 50, total: "1.234" }), "1–50 de 1.234");
  assert.equal(interpolate("a {x}", {}), "a {x}");
});

test("pt-BR is the default language and formats like Brazil, in São Paulo time", () => {
  const pt = createTranslator("pt-BR");
  assert.equal(pt.t("auth.submit"), "Entrar");
  assert.equal(pt.number(1234567.5), "1.234.567,5");
  assert.equal(pt.timeZone, "America/Sao_Paulo");
  // 15:30 UTC is 12:30 in São Paulo (UTC−3, no daylight saving since 2019).
  assert.match(pt.dateTime("2026-12-05T15:30:00Z"), /05\/12\/2026.*12:30:00/);
  assert.equal(pt.time("2026-12-05T15:30:00Z"), "12:30");
  assert.equal(pt.t("devices.count", { count: pt.number(1500) }), "1.500 dispositivos");
});

test("English formats the English way", () => {
  const english = createTranslator("en");
  assert.equal(english.t("auth.submit"), "Sign in");
  assert.equal(english.number(1234567.5), "1,234,567.5");
  assert.match(english.dateTime("2026-12-05T15:30:00Z"), /12\/5\/26.*12:30:00/);
  assert.equal(english.dateTime(undefined), "—");
});

test("relative times and durations", () => {
  const now = Date.parse("2026-12-05T15:30:00Z");
  const english = createTranslator("en");
  assert.equal(english.relative("2026-12-05T15:25:00Z", now), "5 minutes ago");
  assert.equal(english.relative("2026-12-04T15:30:00Z", now), "yesterday");
  assert.equal(createTranslator("pt-BR").relative("2026-12-05T13:30:00Z", now), "há 2 horas");
  assert.equal(english.duration(3725), "1h 2m");
  assert.equal(english.duration(42), "42s");
  assert.equal(english.duration(null), "—");
});
