import { test } from "node:test";
import assert from "node:assert/strict";
import { isoToLocal, localToISO, zoneOffsetMinutes } from "../../src/lib/zone";

test("wall-clock time in the chosen zone, whatever the browser's", () => {
  assert.equal(localToISO("2026-12-05T14:30", "America/Sao_Paulo"), "2026-12-05T17:30:00.000Z");
  assert.equal(localToISO("2026-12-05T14:30", "America/Manaus"), "2026-12-05T18:30:00.000Z");
  assert.equal(localToISO("2026-12-05T14:30", "America/Noronha"), "2026-12-05T16:30:00.000Z");
  assert.equal(localToISO("2026-12-05T14:30", "UTC"), "2026-12-05T14:30:00.000Z");
  assert.equal(localToISO("2026-12-31T23:59", "Asia/Tokyo"), "2026-12-31T14:59:00.000Z");
  assert.equal(isoToLocal("2026-12-05T17:30:00Z", "America/Sao_Paulo"), "2026-12-05T14:30");
  assert.equal(isoToLocal("2026-12-06T02:30:00Z", "America/Sao_Paulo"), "2026-12-05T23:30", "the day before, at night");
  assert.equal(zoneOffsetMinutes(Date.UTC(2026, 11, 5), "America/Sao_Paulo"), -180);
});

test("daylight-saving changes: summer and winter offsets, a skipped and a repeated hour", () => {
  assert.equal(localToISO("2026-07-01T12:00", "Europe/Berlin"), "2026-07-01T10:00:00.000Z");
  assert.equal(localToISO("2026-01-01T12:00", "Europe/Berlin"), "2026-01-01T11:00:00.000Z");
  // 29 March 2026, 02:00 → 03:00 in Berlin: 02:30 does not exist and is read with the winter offset.
  assert.equal(localToISO("2026-03-29T02:30", "Europe/Berlin"), "2026-03-29T01:30:00.000Z");
  // 25 October 2026, 03:00 → 02:00: 02:30 happens twice; the first (summer) one is meant.
  assert.equal(localToISO("2026-10-25T02:30", "Europe/Berlin"), "2026-10-25T00:30:00.000Z");
  assert.equal(isoToLocal("2026-10-25T00:30:00Z", "Europe/Berlin"), "2026-10-25T02:30");
  assert.equal(isoToLocal("2026-10-25T01:30:00Z", "Europe/Berlin"), "2026-10-25T02:30");
});

test("round trips and refusals", () => {
  for (const zone of ["America/Sao_Paulo", "America/Rio_Branco", "Europe/Lisbon", "Australia/Lord_Howe"]) {
    for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 7 * 3_600_000 + 60_000) {
      const instant = Math.floor(ms / 60_000) * 60_000;
      const local = isoToLocal(instant, zone);
      const back = localToISO(local, zone);
      assert.equal(isoToLocal(back!, zone), local, `${zone} ${new Date(instant).toISOString()}`);
    }
  }
  for (const bad of ["", "2026-12-05", "2026-12-05 14:30", "2026-13-01T00:00", "2026-02-30T10:00", "x"]) {
    assert.equal(localToISO(bad, "America/Sao_Paulo"), null, bad);
  }
});
