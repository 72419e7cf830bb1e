import { test } from "node:test";
import assert from "node:assert/strict";
import { applyLocal, DEFAULTS, forUser, mergePreferences, readLocal, settle, STORAGE_KEY, writeLocal, type LocalCopy, type Preferences } from "../../src/lib/preferences";
import { detected, HELP, HELP_MODULES, progress } from "../../src/features/help/content";

const server = (over: Partial<Preferences> = {}): Preferences => ({ ...DEFAULTS, updated_at: "2026-01-01T00:00:00Z", ...over });
const clean = (values: Preferences, user?: string): LocalCopy => ({ values, user, pending: [], pendingHelp: [] });

function memoryStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), data };
}

test("a fresh browser takes the server's preferences whole", () => {
  const local = readLocal(memoryStorage());
  const merged = mergePreferences(server({ theme: "dark", locale: "en", time_zone: "America/Manaus", help_progress: { alerts: ["maintenance"] } }), local);
  assert.equal(merged.patch, null, "nothing was changed here, so nothing is sent");
  assert.equal(merged.values.theme, "dark");
  assert.equal(merged.values.locale, "en");
  assert.equal(merged.values.time_zone, "America/Manaus");
  assert.deepEqual(merged.values.help_progress, { alerts: ["maintenance"] });
});

test("the server wins over an old local copy that has nothing pending", () => {
  const local = clean({ ...DEFAULTS, theme: "light", density: "compact" });
  const merged = mergePreferences(server({ theme: "dark" }), local);
  assert.equal(merged.values.theme, "dark");
  assert.equal(merged.values.density, "comfortable");
  assert.equal(merged.patch, null);
});

test("changes made here and not yet saved win, and only they are sent", () => {
  let local = clean({ ...DEFAULTS, theme: "light" });
  local = applyLocal(local, { density: "compact", time_zone: null });
  local = applyLocal(local, { help_progress: { devices: ["inspect", "inspect"] } });
  const merged = mergePreferences(server({ theme: "dark", time_zone: "America/Recife", help_progress: { alerts: ["maintenance"] } }), local);
  assert.equal(merged.values.theme, "dark", "not changed here: the server's");
  assert.equal(merged.values.density, "compact");
  assert.equal(merged.values.time_zone, null, "cleared here");
  assert.deepEqual(merged.values.help_progress, { alerts: ["maintenance"], devices: ["inspect"] }, "other modules kept, duplicates dropped");
  assert.deepEqual(merged.patch, { density: "compact", time_zone: null, help_progress: { devices: ["inspect"] } });
});

test("a pending change the server already holds is not sent again; an emptied module is sent as empty", () => {
  let local = clean({ ...DEFAULTS, help_progress: { tools: ["speed-test"] } });
  local = applyLocal(local, { theme: "dark", help_progress: { tools: [] } });
  const merged = mergePreferences(server({ theme: "dark", help_progress: { tools: ["speed-test"] } }), local);
  assert.deepEqual(merged.patch, { help_progress: { tools: [] } });
  assert.deepEqual(merged.values.help_progress, {});
});

test("after a save, what was sent settles and later changes stay pending", () => {
  let local = applyLocal(clean(DEFAULTS), { theme: "dark" });
  const sent = { theme: "dark" as const };
  local = applyLocal(local, { density: "compact" }); // made while the first save was on its way
  const settled = settle(local, sent, server({ theme: "dark" }));
  assert.deepEqual(settled.pending, ["density"]);
  assert.equal(settled.values.theme, "dark");
  assert.equal(settled.values.density, "compact", "still pending: kept over the server's value");
  // Changed again before the answer: the newer value stays pending.
  let again = applyLocal(clean(DEFAULTS), { theme: "dark" });
  again = applyLocal(again, { theme: "light" });
  const after = settle(again, { theme: "dark" }, server({ theme: "dark" }));
  assert.deepEqual(after.pending, ["theme"]);
  assert.equal(after.values.theme, "light");
});

test("a refused change gives way to the server's value", () => {
  const local = applyLocal(clean(DEFAULTS), { default_pop_id: "gone" });
  const settled = settle(local, { default_pop_id: "gone" }, server({ default_pop_id: null }));
  assert.deepEqual(settled.pending, []);
  assert.equal(settled.values.default_pop_id, null);
});

test("changes left pending by another person are not sent for the next one", () => {
  const mine = applyLocal(clean(DEFAULTS, "ana"), { theme: "dark" });
  assert.deepEqual(forUser(mine, "ana").pending, ["theme"]);
  const bob = forUser(mine, "bob");
  assert.deepEqual(bob.pending, []);
  assert.equal(mergePreferences(server(), bob).patch, null);
  // Chosen on the sign-in page (nobody signed in yet): kept for whoever signs in.
  const anonymous = applyLocal(clean(DEFAULTS), { locale: "en" });
  assert.deepEqual(forUser(anonymous, "bob").pending, ["locale"]);
});

test("the local copy round-trips through storage and reads the older theme and language keys", () => {
  const storage = memoryStorage({ "octoisp.locale": "en", "octoisp.theme": "dark" });
  const old = readLocal(storage);
  assert.equal(old.values.locale, "en");
  assert.equal(old.values.theme, "dark");
  const copy = applyLocal(old, { density: "compact" });
  writeLocal(storage, copy);
  assert.deepEqual(readLocal(storage), copy);
  assert.equal(storage.data.get("octoisp.locale"), "en", "the sign-in page keeps speaking the chosen language");
  storage.setItem(STORAGE_KEY, "{broken");
  assert.equal(readLocal(storage).values.locale, "en", "a damaged copy falls back to the older keys");
});

test("help content: every module has pt-BR and English text and valid step ids", () => {
  assert.equal(HELP_MODULES.length, 10);
  for (const module of HELP_MODULES) {
    const content = HELP[module];
    assert.ok(content.title["pt-BR"] && content.title.en && content.intro["pt-BR"] && content.intro.en, module);
    assert.ok(content.steps.length >= 2 && content.steps.length <= 32, module);
    const ids = content.steps.map((s) => s.id);
    assert.equal(new Set(ids).size, ids.length, `${module}: duplicate step ids`);
    for (const step of content.steps) {
      assert.match(step.id, /^[a-z][a-z0-9-]{0,63}$/, `${module}.${step.id}: the API accepts only these ids`);
      assert.ok(step.title["pt-BR"] && step.title.en, `${module}.${step.id}`);
      if (step.detect) assert.match(step.detect.url, /^\/api\/v1\//);
    }
  }
  const acs = HELP.provisioning.steps.map((s) => s.id);
  assert.deepEqual(acs.slice(0, 4), ["cpe-credential", "point-cpes", "first-inform", "template"]);
});

test("help detection and progress", () => {
  assert.equal(detected("any", { items: [], total: 0 }), false);
  assert.equal(detected("any", { items: [{}], total: 1 }), true);
  assert.equal(detected("any", undefined), false);
  assert.equal(detected("many", { total: 1 }), false);
  assert.equal(detected("many", { total: 2 }), true);
  assert.equal(detected("seen", { items: [{ last_seen_at: null }, {}] }), false);
  assert.equal(detected("seen", { items: [{ last_seen_at: null }, { last_seen_at: "2026-01-01T00:00:00Z" }] }), true);
  const p = progress(HELP.provisioning, ["point-cpes", "no-longer-a-step"], new Set(["cpe-credential"]));
  assert.deepEqual([...p.done].sort(), ["cpe-credential", "point-cpes"]);
  assert.equal(p.count, 2);
  assert.equal(p.total, HELP.provisioning.steps.length);
});
