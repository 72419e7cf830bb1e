import { test } from "node:test";
import assert from "node:assert/strict";
import { counterRate, formatBits, latestRates, LiveWindow, utilization, type MetricQueryResult } from "../../src/features/devices/monitoring";

const series = (id: number) => ({ id, device_id: "d", metric: "ifInOctets", labels: {}, unit: "octets", kind: "counter" as const, counter_bits: 64 });
const point = (at: string, last: number, rate: number | null) => ({ at, min: last, max: last, avg: last, sum: last, count: 1, last, last_at: at, rate });

test("counter rates: plain, 32-bit wrap, 64-bit reset and a reset that looks like a wrap", () => {
  assert.equal(counterRate({ at: 0, value: 100 }, { at: 10_000, value: 1100 }, 64), 100);
  assert.equal(counterRate({ at: 0, value: 2 ** 32 - 100 }, { at: 1_000, value: 100 }, 32), 200);
  assert.equal(counterRate({ at: 0, value: 5000 }, { at: 1_000, value: 10 }, 64), null);
  assert.equal(counterRate({ at: 0, value: 2 ** 31 }, { at: 1_000, value: 10 }, 32), null);
  assert.equal(counterRate({ at: 1_000, value: 1 }, { at: 1_000, value: 2 }, 64), null);
});

test("the live window loads a query, turns live readings into bit rates and shares a point per poll", () => {
  const result: MetricQueryResult = {
    resolution: "raw",
    step: 60,
    series: [
      { series: series(1), points: [point("2026-01-01T00:00:00Z", 1000, null), point("2026-01-01T00:01:00Z", 7000, 100)] },
      { series: series(2), points: [point("2026-01-01T00:01:00Z", 500, 10)] },
    ],
  };
  const w = new LiveWindow(2, 3_600_000, 720, 8);
  w.load(result, [1, 2]);
  assert.deepEqual(w.snapshot.map((p) => p.values), [[null, null], [800, 80]]);
  const at = Date.parse("2026-01-01T00:02:00Z");
  assert.equal(w.push(0, { at, value: 13_000 }, 64), true);
  assert.equal(w.push(1, { at: at + 200, value: 1100 }, 64), true);
  assert.equal(w.size, 3);
  assert.deepEqual(w.snapshot[2].values, [800, (600 / 60.2) * 8]);
  // A repeated reading changes nothing.
  assert.equal(w.push(0, { at, value: 13_000 }, 64), false);
});

test("the live window stays within its span and its point bound however long it runs", () => {
  const w = new LiveWindow(1, 60_000, 10);
  for (let i = 0; i < 1000; i++) w.push(0, { at: i * 10_000, value: i * 10 }, 64);
  assert.ok(w.size <= 7, `size ${w.size}`);
  const big = new LiveWindow(1, 1e12, 10);
  for (let i = 0; i < 1000; i++) big.push(0, { at: i * 10_000, value: i * 10 }, 64);
  assert.equal(big.size, 10);
  assert.equal(big.snapshot[9].at, 999 * 10_000);
});

test("latest rates, utilization and bit formatting", () => {
  const result: MetricQueryResult = {
    resolution: "raw",
    step: 300,
    series: [{ series: series(7), points: [point("2026-01-01T00:00:00Z", 1, 125), point("2026-01-01T00:05:00Z", 2, null)] }],
  };
  assert.equal(latestRates(result, 8).get(7), 1000);
  assert.equal(utilization(1e6, 5e5, 1e7), 10);
  assert.equal(utilization(undefined, undefined, 1e7), null);
  assert.equal(utilization(5, 5, 0), null);
  const n = (v: number, o?: Intl.NumberFormatOptions) => new Intl.NumberFormat("en", o).format(v);
  assert.equal(formatBits(950, n), "950 bit/s");
  assert.equal(formatBits(12_500_000, n), "12.5 Mbit/s");
  assert.equal(formatBits(null, n), "—");
});
