import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiClient, ApiError, type KeyValueStore } from "../../src/lib/api";

class MemoryStore implements KeyValueStore {
  map = new Map<string, string>();
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.map.set(key, value);
  }
  removeItem(key: string) {
    this.map.delete(key);
  }
}

interface Call {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** A scripted server: each handler answers [status, body]. */
function fakeFetch(handler: (call: Call) => [number, unknown]) {
  const calls: Call[] = [];
  const fetcher = (async (input: unknown, init?: { method?: string; headers?: Record<string, string>; body?: string }) => {
    const call: Call = { method: init?.method ?? "GET", path: String(input), headers: init?.headers ?? {}, body: init?.body ? JSON.parse(init.body) : undefined };
    calls.push(call);
    const [status, body] = handler(call);
    const text = body === undefined ? "" : JSON.stringify(body);
    return { status, ok: status >= 200 && status < 300, statusText: "", text: async () => text } as unknown as Response;
  }) as typeof fetch;
  return { calls, fetcher };
}

const pair = (n: number) => ({ access_token: `access-${n}`, refresh_token: `refresh-${n}`, token_type: "Bearer", expires_in: 900 });

test("a TOTP account asks for the code, then signs in with it", async () => {
  const { calls, fetcher } = fakeFetch((call) => {
    const body = call.body as { totp_code?: string };
    if (!body.totp_code) return [401, { error: { code: "totp_required", message: "enter the code", field: "totp_code" } }];
    return body.totp_code === "123456" ? [200, pair(1)] : [401, { error: { code: "unauthenticated", message: "bad code" } }];
  });
  const api = new ApiClient(new MemoryStore(), fetcher);
  assert.deepEqual(await api.login("noc@x.test", "pw"), { kind: "totp" });
  await assert.rejects(api.login("noc@x.test", "pw", "000000"));
  assert.equal(api.signedIn, false);
  assert.deepEqual(await api.login("noc@x.test", "pw", "123456"), { kind: "ok" });
  assert.equal(api.accessToken, "access-1");
  assert.deepEqual(calls[2].body, { email: "noc@x.test", password: "pw", totp_code: "123456" });
});

test("requests carry the token and the provider; errors keep the API's code and field", async () => {
  const { calls, fetcher } = fakeFetch((call) =>
    call.path === "/api/v1/auth/login" ? [200, pair(1)] : [400, { error: { code: "invalid_input", message: "unknown field 'colour'", field: "colour" } }],
  );
  const api = new ApiClient(new MemoryStore(), fetcher);
  await api.login("a@x.test", "pw");
  api.setProvider("prov-1");
  const error = (await api.get("/api/v1/devices?colour=red").catch((e) => e)) as ApiError;
  assert.ok(error instanceof ApiError);
  assert.equal(error.status, 400);
  assert.equal(error.code, "invalid_input");
  assert.equal(error.field, "colour");
  assert.equal(calls[1].headers.Authorization, "Bearer access-1");
  assert.equal(calls[1].headers["X-Provider-Id"], "prov-1");
});

test("a 401 refreshes once for concurrent calls, then retries them", async () => {
  let valid = "access-1";
  let refreshes = 0;
  const { fetcher } = fakeFetch((call) => {
    if (call.path === "/api/v1/auth/login") return [200, pair(1)];
    if (call.path === "/api/v1/auth/refresh") {
      refreshes += 1;
      assert.equal((call.body as { refresh_token: string }).refresh_token, "refresh-1");
      return [200, pair(2)];
    }
    return call.headers.Authorization === `Bearer ${valid}` ? [200, { ok: valid }] : [401, { error: { code: "unauthenticated", message: "expired" } }];
  });
  const store = new MemoryStore();
  const api = new ApiClient(store, fetcher);
  await api.login("a@x.test", "pw");
  assert.deepEqual(await api.get("/api/v1/me"), { ok: "access-1" });
  valid = "access-2"; // the server no longer takes access-1
  const results = await Promise.all([api.get("/api/v1/me"), api.get("/api/v1/dashboard/summary"), api.get("/api/v1/pops")]);
  assert.deepEqual(results, [{ ok: "access-2" }, { ok: "access-2" }, { ok: "access-2" }]);
  assert.equal(refreshes, 1);
  assert.equal(JSON.parse(store.getItem("octoisp.tokens")!).refresh_token, "refresh-2");
});

test("a refused refresh signs out and tells the listeners", async () => {
  const { fetcher } = fakeFetch((call) => {
    if (call.path === "/api/v1/auth/login") return [200, pair(1)];
    if (call.path === "/api/v1/auth/refresh") return [401, { error: { code: "unauthenticated", message: "reused" } }];
    return [401, { error: { code: "unauthenticated", message: "expired" } }];
  });
  const store = new MemoryStore();
  const api = new ApiClient(store, fetcher);
  await api.login("a@x.test", "pw");
  let signedOut = 0;
  api.onSignedOut(() => signedOut++);
  await assert.rejects(api.get("/api/v1/me"));
  assert.equal(api.signedIn, false);
  assert.equal(signedOut, 1);
  assert.equal(store.getItem("octoisp.tokens"), null);
});

test("tokens another tab refreshed are used instead of refreshing again", async () => {
  let now = 1_000_000;
  const { calls, fetcher } = fakeFetch((call) => (call.path === "/api/v1/auth/login" ? [200, pair(1)] : [200, { who: call.headers.Authorization }]));
  const store = new MemoryStore();
  const api = new ApiClient(store, fetcher, () => now);
  await api.login("a@x.test", "pw");
  now += 899_000; // our copy is about to expire…
  // …but another tab renewed the pair and stored it.
  store.setItem("octoisp.tokens", JSON.stringify({ ...pair(7), expires_at: now + 900_000 }));
  assert.deepEqual(await api.get("/api/v1/me"), { who: "Bearer access-7" });
  assert.equal(calls.filter((c) => c.path === "/api/v1/auth/refresh").length, 0);
});

test("network failures are ApiErrors with code network", async () => {
  const api = new ApiClient(new MemoryStore(), (async () => {
    throw new TypeError("Failed to fetch");
  }) as typeof fetch);
  const error: ApiError = await api.login("a@x.test", "pw").catch((e) => e);
  assert.ok(error instanceof ApiError);
  assert.equal(error.code, "network");
  assert.equal(error.status, 0);
});
