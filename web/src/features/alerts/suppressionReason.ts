// Kept apart from logic.ts: the alerts board, in the first bundle, needs only this.

/** What holds an alert back from notifying, from its stored `suppressed_by`: the parent alert that is the
 * root cause (`parent:<alert id>`), a silence or a maintenance window; anything else is shown as stored. */
export type Suppression =
  | { kind: "parent" | "silence" | "maintenance"; id: string; href: string }
  | { kind: "other"; text: string };

export function parseSuppression(value: string): Suppression {
  const match = /^(parent|silence|maintenance):([0-9a-f-]{36})$/i.exec(value.trim());
  if (!match) return { kind: "other", text: value };
  const kind = match[1].toLowerCase() as "parent" | "silence" | "maintenance";
  const id = match[2].toLowerCase();
  const href = kind === "parent" ? `/alerts/${id}` : kind === "silence" ? "/alerts/silences" : "/alerts/maintenance";
  return { kind, id, href };
}
