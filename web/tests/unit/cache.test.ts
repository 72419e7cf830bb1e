import { test } from "node:test";
import assert from "node:assert/strict";
import { prefixesForTopic, QueryCache } from "../../src/lib/cache";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

test("one request per key while in flight, then served from the cache", async () => {
  const calls: string[] = [];
  const cache = new QueryCache(async (key) => {
    calls.push(key);
    return { key, n: calls.length };
  });
  const [a, b] = await Promise.all([cache.load("/api/v1/devices?limit=50"), cache.load("/api/v1/devices?limit=50")]);
  assert.deepEqual(a, b);
  await cache.load("/api/v1/devices?limit=50");
  assert.equal(calls.length, 1);
  assert.deepEqual(cache.get("/api/v1/devices?limit=50")?.data, { key: "/api/v1/devices?limit=50", n: 1 });
});

test("invalidation by prefix refetches watched entries and marks the others stale", async () => {
  let n = 0;
  const cache = new QueryCache(async () => ++n);
  await cache.load("/api/v1/devices?limit=50");
  await cache.load("/api/v1/devices/abc");
  await cache.load("/api/v1/pops?limit=500");
  let notified = 0;
  cache.subscribe("/api/v1/devices?limit=50", () => notified++);
  const hit = cache.invalidate(...prefixesForTopic("devices"));
  assert.deepEqual(hit.sort(), ["/api/v1/devices/abc", "/api/v1/devices?limit=50"]);
  await tick();
  assert.equal(cache.get("/api/v1/devices?limit=50")?.data, 4);
  assert.ok(notified >= 2, "loading, then the new data");
  assert.equal(cache.get("/api/v1/devices/abc")?.stale, true);
  assert.equal(cache.get("/api/v1/devices/abc")?.data, 2, "unwatched entries keep their data until used");
  assert.equal(cache.get("/api/v1/pops?limit=500")?.stale, false);
  await cache.load("/api/v1/devices/abc");
  assert.equal(cache.get("/api/v1/devices/abc")?.data, 5);
});

test("a stale answer never overwrites a newer one", async () => {
  const resolvers: ((v: string) => void)[] = [];
  const cache = new QueryCache(() => new Promise((resolve) => resolvers.push(resolve as (v: string) => void)));
  const first = cache.load("/k");
  cache.invalidate("/k");
  const second = cache.load("/k", true);
  resolvers[1]("new");
  await second;
  resolvers[0]("old");
  await first;
  assert.equal(cache.get("/k")?.data, "new");
});

test("errors are kept with the previous data", async () => {
  let fail = false;
  const cache = new QueryCache(async () => {
    if (fail) throw new Error("boom");
    return "data";
  });
  await cache.load("/k");
  fail = true;
  await assert.rejects(cache.load("/k", true));
  assert.equal(cache.get("/k")?.data, "data");
  assert.equal((cache.get("/k")?.error as Error).message, "boom");
});

test("memory stays bounded: the oldest unwatched entries go first", async () => {
  const cache = new QueryCache(async (key) => key, 3);
  cache.subscribe("/a", () => undefined);
  for (const key of ["/a", "/b", "/c", "/d", "/e"]) await cache.load(key);
  assert.equal(cache.size, 3);
  assert.ok(cache.get("/a"), "watched entries stay");
  assert.equal(cache.get("/b"), undefined);
  assert.ok(cache.get("/e"));
});

test("topics map to the cache keys they change", () => {
  assert.deepEqual(prefixesForTopic("devices/abc"), ["/api/v1/devices/abc", "/api/v1/devices?", "/api/v1/dashboard/summary"]);
  assert.deepEqual(prefixesForTopic("alerts"), ["/api/v1/alerts", "/api/v1/incidents"]);
  assert.deepEqual(prefixesForTopic("incidents/x"), ["/api/v1/incidents/x", "/api/v1/incidents?"]);
  assert.deepEqual(prefixesForTopic("metrics/42"), []);
});
