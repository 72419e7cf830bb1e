// Date-time inputs in the person's chosen time zone (Preferências), not the browser's: a
// `datetime-local` value ("2026-12-05T14:30") read and written as wall-clock time in an IANA zone.

const parts = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock fields of instant `ms` in `zone`. */
function wallClock(ms: number, zone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  let format = parts.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    parts.set(zone, format);
  }
  const found: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(ms))) if (part.type !== "literal") found[part.type] = Number(part.value);
  return { y: found.year, mo: found.month, d: found.day, h: found.hour % 24, mi: found.minute, s: found.second };
}

/** Minutes `zone` is ahead of UTC at instant `ms` (−180 for São Paulo). */
export function zoneOffsetMinutes(ms: number, zone: string): number {
  const w = wallClock(ms, zone);
  return Math.round((Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - Math.floor(ms / 1000) * 1000) / 60000);
}

/**
 * A `datetime-local` value read as wall-clock time in `zone` → ISO 8601 (UTC); `null` when it is not
 * one. A time skipped by a daylight-saving change is read with the offset before the change; a
 * repeated one as its first occurrence.
 */
export function localToISO(local: string, zone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return null;
  const naive = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  if (Number.isNaN(naive)) return null;
  const check = new Date(naive);
  if (check.getUTCMonth() !== Number(m[2]) - 1 || check.getUTCDate() !== Number(m[3])) return null;
  // A first guess within an hour or two of the instant; offsets change at most a few times a year, so
  // the ones three hours either side of it give every candidate.
  const guess = naive - zoneOffsetMinutes(naive, zone) * 60_000;
  const early = naive - zoneOffsetMinutes(guess - 3 * 3_600_000, zone) * 60_000;
  const late = naive - zoneOffsetMinutes(guess + 3 * 3_600_000, zone) * 60_000;
  const fits = [early, late].filter((ms) => isoToLocal(ms, zone) === local);
  return new Date(fits.length ? Math.min(...fits) : early).toISOString();
}

/** An instant as a `datetime-local` value of wall-clock time in `zone`. */
export function isoToLocal(value: string | number | Date, zone: string): string {
  const w = wallClock(new Date(value).getTime(), zone);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${w.y}-${pad(w.mo)}-${pad(w.d)}T${pad(w.h)}:${pad(w.mi)}`;
}
