import { test } from "node:test";
import assert from "node:assert/strict";
import { backoff, RealtimeClient, type SocketLike } from "../../src/lib/realtime";

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  closed = false;
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  constructor(public url: string) {}
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  close() {
    this.closed = true;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
  push(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

function harness(token: () => string | null = () => "tok") {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number; cleared: boolean }[] = [];
  const client = new RealtimeClient({
    url: () => (token() ? `ws://h/api/v1/ws?access_token=${token()}` : null),
    open: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimer: (fn, ms) => {
      const timer = { fn, ms, cleared: false };
      timers.push(timer);
      return timer;
    },
    clearTimer: (h) => {
      (h as { cleared: boolean }).cleared = true;
    },
    random: () => 0.5,
  });
  return { client, sockets, timers };
}

test("backoff doubles from the base, is capped, and jitters ±20 %", () => {
  assert.equal(backoff(0, 500, 30000, () => 0.5), 500);
  assert.equal(backoff(3, 500, 30000, () => 0.5), 4000);
  assert.equal(backoff(20, 500, 30000, () => 0.5), 30000);
  assert.equal(backoff(0, 500, 30000, () => 0), 400);
  assert.equal(backoff(0, 500, 30000, () => 1), 600);
});

test("topics are sent once open, reference-counted, and unsubscribed when the last user leaves", () => {
  const { client, sockets } = harness();
  const offA = client.subscribe("devices");
  client.start();
  sockets[0].open();
  assert.deepEqual(sockets[0].sent, [{ action: "subscribe", topics: ["devices"] }]);
  const offB = client.subscribe("devices");
  client.subscribe("alerts");
  assert.deepEqual(sockets[0].sent.slice(1), [{ action: "subscribe", topics: ["alerts"] }]);
  offA();
  offA();
  assert.equal(sockets[0].sent.length, 2, "still one user of devices");
  offB();
  assert.deepEqual(sockets[0].sent[2], { action: "unsubscribe", topics: ["devices"] });
  assert.deepEqual(client.subscribedTopics, ["alerts"]);
});

test("after a drop it reconnects with backoff and subscribes again to every topic", () => {
  const { client, sockets, timers } = harness();
  const states: string[] = [];
  client.onState((s) => states.push(s));
  client.subscribe("devices/abc");
  client.subscribe("alerts");
  client.start();
  sockets[0].open();
  sockets[0].drop();
  assert.equal(timers.length, 1);
  assert.equal(timers[0].ms, 500);
  timers[0].fn();
  sockets[1].drop();
  assert.equal(timers[1].ms, 1000, "the second failure waits longer");
  timers[1].fn();
  sockets[2].open();
  assert.deepEqual(sockets[2].sent, [{ action: "subscribe", topics: ["alerts", "devices/abc"] }]);
  sockets[2].drop();
  assert.equal(timers[2].ms, 500, "a successful open resets the backoff");
  assert.deepEqual(states, ["connecting", "open", "closed", "connecting", "closed", "connecting", "open", "closed"]);
});

test("events reach handlers; other messages do not", () => {
  const { client, sockets } = harness();
  const seen: unknown[] = [];
  client.onEvent((e) => seen.push(e));
  client.start();
  sockets[0].open();
  sockets[0].push({ type: "ready" });
  sockets[0].push({ type: "subscribed", topics: ["devices"] });
  sockets[0].push({ type: "event", topic: "devices/abc", data: { event: "updated", id: "abc" } });
  sockets[0].onmessage?.({ data: "not json" });
  assert.deepEqual(seen, [{ topic: "devices/abc", data: { event: "updated", id: "abc" } }]);
});

test("stop closes without reconnecting; no token means no socket", () => {
  let token: string | null = "tok";
  const { client, sockets, timers } = harness(() => token);
  client.start();
  sockets[0].open();
  client.stop();
  assert.ok(sockets[0].closed);
  assert.equal(timers.length, 0);
  assert.equal(client.state, "idle");
  token = null;
  client.start();
  assert.equal(sockets.length, 1);
  assert.equal(client.state, "idle");
});
