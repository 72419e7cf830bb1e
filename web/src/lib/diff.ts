// Differences shown as rows: added / removed / changed keys, from the API's template diff, a device's
// dry-run plan, or two settings documents compared here (the editor's unsaved changes).

export type DiffKind = "added" | "removed" | "changed";

export interface DiffRow {
  /** The key: `wifi.ssid@5GHz`, a parameter path, `wifi[0].ssid`. */
  key: string;
  kind: DiffKind;
  before: string | null;
  after: string | null;
}

/** The text marker beside each row's colour (colour alone says nothing to some readers). */
export const DIFF_MARKER: Record<DiffKind, string> = { added: "+", removed: "−", changed: "~" };

/** How a value went from `before` to `after` (null/undefined: not set); null when it did not change. */
export function classify(before: string | null | undefined, after: string | null | undefined): DiffKind | null {
  const b = before ?? null;
  const a = after ?? null;
  if (b === a) return null;
  if (b === null) return "added";
  if (a === null) return "removed";
  return "changed";
}

/** The rows of `GET …/templates/{id}/diff`: `changes` [{field, before, after}]. */
export function templateDiffRows(changes: { field: string; before?: string | null; after?: string | null }[]): DiffRow[] {
  const rows: DiffRow[] = [];
  for (const c of changes) {
    const kind = classify(c.before, c.after);
    if (kind) rows.push({ key: c.field, kind, before: c.before ?? null, after: c.after ?? null });
  }
  return rows;
}

/** The rows of a dry run's `changes` [{path, current, value}]: a path without a current value is added. */
export function planRows(changes: { path: string; current?: string | null; value: string; field?: string }[]): DiffRow[] {
  const rows: DiffRow[] = [];
  for (const c of changes) {
    const kind = classify(c.current, c.value) ?? "changed";
    rows.push({ key: c.path, kind, before: c.current ?? null, after: c.value });
  }
  return rows;
}

/** A JSON document as `key → text` pairs: objects by `.name`, arrays by `[i]`; scalars as JSON text
 *  (strings without quotes). Empty objects and arrays are leaves (`{}`, `[]`). */
export function flatten(value: unknown, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  if (Array.isArray(value)) {
    if (value.length === 0 && prefix) out[prefix] = "[]";
    value.forEach((item, i) => flatten(item, `${prefix}[${i}]`, out));
  } else if (value !== null && typeof value === "object") {
    const keys = Object.keys(value as Record<string, unknown>);
    if (keys.length === 0 && prefix) out[prefix] = "{}";
    for (const key of keys) flatten((value as Record<string, unknown>)[key], prefix ? `${prefix}.${key}` : key, out);
  } else if (value !== undefined && prefix) {
    out[prefix] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

/** The keys that differ between two JSON documents, sorted by key. */
export function diffDocuments(before: unknown, after: unknown): DiffRow[] {
  const left = flatten(before);
  const right = flatten(after);
  const keys = Array.from(new Set([...Object.keys(left), ...Object.keys(right)])).sort();
  const rows: DiffRow[] = [];
  for (const key of keys) {
    const kind = classify(left[key], right[key]);
    if (kind) rows.push({ key, kind, before: left[key] ?? null, after: right[key] ?? null });
  }
  return rows;
}

/** How many rows of each kind. */
export function diffSummary(rows: DiffRow[]): Record<DiffKind, number> {
  const counts: Record<DiffKind, number> = { added: 0, removed: 0, changed: 0 };
  for (const row of rows) counts[row.kind] += 1;
  return counts;
}
