import { test } from "node:test";
import assert from "node:assert/strict";
import { buildQuery, matchPath, parseQuery, resolve } from "../../src/lib/router";

test("patterns match whole paths and decode parameters", () => {
  assert.deepEqual(matchPath("/devices/:id", "/devices/abc"), { id: "abc" });
  assert.deepEqual(matchPath("/devices/:id", "/devices/abc/"), { id: "abc" });
  assert.deepEqual(matchPath("/devices/:id", "/devices/a%20b"), { id: "a b" });
  assert.equal(matchPath("/devices/:id", "/devices"), null);
  assert.equal(matchPath("/devices/:id", "/devices/a/b"), null);
  assert.equal(matchPath("/devices/:id", "/devices/%E0%A4%A"), null);
  assert.deepEqual(matchPath("/", "/"), {});
});

test("resolve takes the first matching route", () => {
  const routes = ["/", "/devices", "/devices/:id", "/incidents/:id"];
  assert.deepEqual(resolve(routes, "/devices/42"), { pattern: "/devices/:id", params: { id: "42" } });
  assert.equal(resolve(routes, "/devices")?.pattern, "/devices");
  assert.equal(resolve(routes, "/nowhere"), null);
});

test("queries round-trip, skip empty values and sort keys", () => {
  assert.equal(buildQuery({ status: "online", q: "", offset: undefined, kind: "olt", limit: 50 }), "?kind=olt&limit=50&status=online");
  assert.equal(buildQuery({}), "");
  assert.deepEqual(parseQuery("?q=casa+azul&status=offline"), { q: "casa azul", status: "offline" });
  assert.deepEqual(parseQuery(buildQuery({ prefix: "Device.WiFi.", q: "a&b" })), { prefix: "Device.WiFi.", q: "a&b" });
});
