import { test } from "node:test";
import assert from "node:assert/strict";
import { base64UrlToBytes, subscriptionBody } from "../../src/lib/push";

test("a VAPID key in base64url becomes its 65 bytes, padding or not", () => {
  // An uncompressed P-256 point: 0x04 then 64 bytes.
  const bytes = Uint8Array.from([4, ...Array.from({ length: 64 }, (_, i) => (i * 37) % 256)]);
  const text = btoa(String.fromCharCode(...Array.from(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  assert.deepEqual(Array.from(base64UrlToBytes(text)), Array.from(bytes));
  assert.deepEqual(Array.from(base64UrlToBytes("-_8")), [0xfb, 0xff]);
});

test("the subscription body keeps endpoint and keys only", () => {
  const body = subscriptionBody(
    { endpoint: "https://push.example/s/1", expirationTime: null, keys: { p256dh: "BAAA", auth: "AAAA", extra: "x" } },
    "warning",
  );
  assert.deepEqual(body, { endpoint: "https://push.example/s/1", keys: { p256dh: "BAAA", auth: "AAAA" }, min_severity: "warning" });
  let refused = false;
  try {
    subscriptionBody({ endpoint: "https://push.example/s/1" }, "critical");
  } catch {
    refused = true;
  }
  assert.ok(refused, "a subscription without keys is refused");
});
