// Pure logic of the alert screens (no React): rule form ⇄ API body with the same checks the API
// makes, condition summaries, silence matchers, quiet hours and local date-times. Unit-tested.
import type { MessageKey, Translator } from "../../lib/i18n";
import type {
  Aggregation,
  Alert,
  AlertCondition,
  AlertRule,
  ComparisonOp,
  ConditionType,
  DeviceKind,
  GroupLabel,
  ChannelType,
  NotificationChannel,
  NotificationPacing,
  Scope,
  Severity,
} from "../../lib/types";

export const CONDITION_TYPES: readonly ConditionType[] = ["threshold", "reachability", "interface_down", "not_informing", "no_data", "change"];
export const AGGREGATIONS: readonly Aggregation[] = ["last", "avg", "min", "max", "rate", "p95"];
export const OPS: readonly ComparisonOp[] = [">", ">=", "<", "<="];
export const SCOPES: readonly Scope[] = ["provider", "pop", "group", "device"];
export const GROUP_LABELS: readonly GroupLabel[] = ["pop", "rule", "severity", "device"];
/** The metrics the pollers write (docs/alerts.md). */
export const METRICS = ["cpu", "memory", "temperature", "opticalRxPower", "opticalTxPower", "ifInOctets", "ifOutOctets", "rtt", "packetLoss", "sysUpTime"];

/** Field errors keyed by the API's field names (`name`, `condition.clear`, `quiet_hours.start`, …). */
export type FieldErrors = Record<string, string>;
type Check = (key: "required" | "number" | "range" | "clearSide" | "nonZero" | "time" | "scopeId" | "matchers", values?: Record<string, string | number>) => string;

/** A number typed by a person: "-27", "−27,5" (pt-BR comma, typographic minus). NaN when not a number. */
export function parseNumber(text: string): number {
  const cleaned = text.trim().replace(/\u2212/g, "-").replace(",", ".");
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(cleaned)) return NaN;
  return Number(cleaned);
}

/** "scope=onu, index=3" → {scope: "onu", index: "3"}; null when a part has no "=" or an empty key. */
export function parseLabels(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const part of text.split(/[,\n]/)) {
    if (!part.trim()) continue;
    const at = part.indexOf("=");
    if (at <= 0) return null;
    const key = part.slice(0, at).trim();
    if (!key) return null;
    out[key] = part.slice(at + 1).trim();
  }
  return out;
}

export function formatLabels(labels: Record<string, string> | undefined | null): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

/** The rule editor's state: what the inputs hold (text), durations in minutes. */
export interface RuleForm {
  name: string;
  description: string;
  enabled: boolean;
  severity: Severity;
  scope: Scope;
  scope_id: string;
  device_kinds: DeviceKind[];
  include_cpe: boolean;
  type: ConditionType;
  metric: string;
  labels: string;
  aggregation: Aggregation;
  window_minutes: string;
  op: ComparisonOp;
  value: string;
  clear: string;
  include_snmp_failing: boolean;
  multiplier: string;
  delta: string;
  for_minutes: string;
  keep_firing_minutes: string;
}

export function emptyRuleForm(): RuleForm {
  return {
    name: "",
    description: "",
    enabled: true,
    severity: "warning",
    scope: "provider",
    scope_id: "",
    device_kinds: [],
    include_cpe: false,
    type: "threshold",
    metric: "cpu",
    labels: "",
    aggregation: "avg",
    window_minutes: "5",
    op: ">",
    value: "",
    clear: "",
    include_snmp_failing: false,
    multiplier: "3",
    delta: "",
    for_minutes: "5",
    keep_firing_minutes: "5",
  };
}

const minutes = (seconds: number | undefined) => (seconds === undefined ? "" : String(seconds / 60).replace(".", ","));

export function ruleToForm(rule: AlertRule): RuleForm {
  const c = rule.condition;
  const base = emptyRuleForm();
  return {
    ...base,
    name: rule.name,
    description: rule.description ?? "",
    enabled: rule.enabled,
    severity: rule.severity,
    scope: rule.scope,
    scope_id: rule.scope_id ?? "",
    device_kinds: rule.device_kinds ?? [],
    include_cpe: rule.include_cpe,
    type: c.type,
    metric: c.metric ?? base.metric,
    labels: formatLabels(c.labels),
    aggregation: c.aggregation ?? base.aggregation,
    window_minutes: c.window_seconds !== undefined ? minutes(c.window_seconds) : base.window_minutes,
    op: c.op ?? base.op,
    value: c.value !== undefined ? String(c.value) : "",
    clear: c.clear !== undefined ? String(c.clear) : "",
    include_snmp_failing: c.include_snmp_failing ?? false,
    multiplier: c.multiplier !== undefined ? String(c.multiplier) : base.multiplier,
    delta: c.delta !== undefined ? String(c.delta) : "",
    for_minutes: minutes(rule.for_seconds),
    keep_firing_minutes: minutes(rule.keep_firing_for_seconds),
  };
}

/** Whether `clear` lies on the good side of `value` for `op` (or equals it), as the API requires. */
export function clearOnGoodSide(op: ComparisonOp, value: number, clear: number): boolean {
  return op === ">" || op === ">=" ? clear <= value : clear >= value;
}

/** The API body of a rule form, or the field errors (API field names) that keep it from being sent. */
export function ruleBody(form: RuleForm, check: Check): { body?: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const num = (field: string, text: string, opts: { required?: boolean; min?: number; max?: number } = {}): number | undefined => {
    if (!text.trim()) {
      if (opts.required) errors[field] = check("required");
      return undefined;
    }
    const n = parseNumber(text);
    if (Number.isNaN(n)) errors[field] = check("number");
    else if ((opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) errors[field] = check("range", { min: opts.min ?? "", max: opts.max ?? "" });
    return Number.isNaN(n) ? undefined : n;
  };
  const seconds = (field: string, text: string, min: number, max: number) => {
    const m = num(field, text, { required: true, min: min / 60, max: max / 60 });
    return m === undefined ? undefined : Math.round(m * 60);
  };
  const name = form.name.trim();
  if (!name) errors.name = check("required");
  const condition: AlertCondition = { type: form.type };
  const needsMetric = form.type === "threshold" || form.type === "no_data" || form.type === "change";
  if (needsMetric) {
    if (!form.metric.trim()) errors["condition.metric"] = check("required");
    condition.metric = form.metric.trim();
    condition.window_seconds = seconds("condition.window_seconds", form.window_minutes, 60, 86400);
  }
  if (form.type === "threshold") {
    const labels = parseLabels(form.labels);
    if (labels === null) errors["condition.labels"] = check("matchers");
    else if (Object.keys(labels).length) condition.labels = labels;
    condition.aggregation = form.aggregation;
    condition.op = form.op;
    condition.value = num("condition.value", form.value, { required: true });
    const clear = num("condition.clear", form.clear);
    if (clear !== undefined) {
      condition.clear = clear;
      if (condition.value !== undefined && !clearOnGoodSide(form.op, condition.value, clear)) errors["condition.clear"] = check("clearSide");
    }
  } else if (form.type === "reachability") {
    condition.include_snmp_failing = form.include_snmp_failing;
  } else if (form.type === "not_informing") {
    condition.multiplier = num("condition.multiplier", form.multiplier, { required: true, min: 1, max: 100 });
  } else if (form.type === "change") {
    const delta = num("condition.delta", form.delta, { required: true });
    if (delta === 0) errors["condition.delta"] = check("nonZero");
    condition.delta = delta;
  }
  if (form.scope !== "provider" && !form.scope_id) errors.scope_id = check("scopeId");
  // The API takes no nulls: an empty description and an empty kind list clear them, and a
  // provider-wide rule carries no scope_id.
  const body: Record<string, unknown> = {
    name,
    description: form.description.trim(),
    enabled: form.enabled,
    severity: form.severity,
    scope: form.scope,
    ...(form.scope === "provider" ? {} : { scope_id: form.scope_id }),
    device_kinds: form.device_kinds,
    include_cpe: form.include_cpe,
    condition,
    for_seconds: seconds("for_seconds", form.for_minutes, 0, 86400),
    keep_firing_for_seconds: seconds("keep_firing_for_seconds", form.keep_firing_minutes, 0, 86400),
  };
  return Object.keys(errors).length ? { errors } : { body, errors };
}

/** One line saying what a condition watches, in the translator's language. */
export function conditionSummary(c: AlertCondition, i18n: Pick<Translator, "t" | "number">): string {
  const { t, number } = i18n;
  const win = c.window_seconds !== undefined ? i18n.t("rules.summary.window", { minutes: number(c.window_seconds / 60) }) : "";
  const labels = c.labels && Object.keys(c.labels).length ? `{${formatLabels(c.labels)}}` : "";
  switch (c.type) {
    case "threshold": {
      const clear = c.clear !== undefined ? " " + t("rules.summary.clear", { value: number(c.clear) }) : "";
      return `${c.aggregation ?? "last"}(${c.metric}${labels}) ${win} ${c.op} ${number(c.value ?? 0)}${clear}`;
    }
    case "reachability":
      return t(c.include_snmp_failing ? "rules.summary.reachabilitySnmp" : "rules.summary.reachability");
    case "interface_down":
      return t("rules.summary.interfaceDown");
    case "not_informing":
      return t("rules.summary.notInforming", { multiplier: number(c.multiplier ?? 1) });
    case "no_data":
      return t("rules.summary.noData", { metric: c.metric ?? "", window: win });
    case "change":
      return t("rules.summary.change", { metric: c.metric ?? "", delta: number(c.delta ?? 0, { signDisplay: "always" }), window: win });
  }
}

/** Silence matchers from lines "label=value" (a trailing `*` matches a prefix). */
export function parseMatchers(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const at = line.indexOf("=");
    if (at <= 0) return null;
    const key = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    if (!key || !value) return null;
    out[key] = value;
  }
  return Object.keys(out).length ? out : null;
}

/** The labels a silence matches an alert against, as the server builds them. */
export function alertLabels(alert: Alert): Record<string, string> {
  const labels: Record<string, string> = { ...(alert.labels ?? {}) };
  labels.rule_id = alert.rule_id;
  labels.severity = alert.severity;
  if (alert.target) labels.target = alert.target;
  if (alert.rule_name && labels.rule === undefined) labels.rule = alert.rule_name;
  if (alert.device_id) labels.device_id = alert.device_id;
  if (alert.device_name) labels.device = alert.device_name;
  if (alert.pop_id) labels.pop_id = alert.pop_id;
  return labels;
}

/** Whether every matcher matches (exact, or prefix with a trailing `*`), as Silence.mutes does. */
export function matchersMatch(matchers: Record<string, string>, labels: Record<string, string>): boolean {
  const keys = Object.keys(matchers);
  if (keys.length === 0) return false;
  return keys.every((key) => {
    const value = labels[key];
    if (value === undefined) return false;
    const pattern = matchers[key];
    return pattern.endsWith("*") ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
  });
}

export type SilenceState = "active" | "pending" | "expired";

export function silenceState(s: { starts_at: string; ends_at: string }, now: number = Date.now()): SilenceState {
  if (Date.parse(s.ends_at) <= now) return "expired";
  if (Date.parse(s.starts_at) > now) return "pending";
  return "active";
}

/** "HH:MM", 00:00–23:59. */
export function isClockTime(text: string): boolean {
  return /^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(text);
}

export interface PacingForm {
  group_by: GroupLabel[];
  group_wait_seconds: string;
  group_interval_seconds: string;
  repeat_interval_seconds: string;
  quiet: boolean;
  quiet_start: string;
  quiet_end: string;
  quiet_time_zone: string;
  quiet_min_severity: Severity;
}

export function pacingToForm(p: NotificationPacing | undefined): PacingForm {
  return {
    group_by: p?.group_by ?? ["pop", "rule"],
    group_wait_seconds: String(p?.group_wait_seconds ?? 30),
    group_interval_seconds: String(p?.group_interval_seconds ?? 300),
    repeat_interval_seconds: String(p?.repeat_interval_seconds ?? 14400),
    quiet: Boolean(p?.quiet_hours),
    quiet_start: p?.quiet_hours?.start ?? "22:00",
    quiet_end: p?.quiet_hours?.end ?? "07:00",
    quiet_time_zone: p?.quiet_hours?.time_zone ?? "America/Sao_Paulo",
    quiet_min_severity: p?.quiet_hours?.min_severity ?? "critical",
  };
}

/** The pacing body, checked against the API's ranges; errors keyed by the API's field names. */
export function pacingBody(form: PacingForm, check: Check): { body?: NotificationPacing; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const int = (field: keyof PacingForm & string, min: number, max: number) => {
    const text = String(form[field]).trim();
    if (!text) {
      errors[field] = check("required");
      return undefined;
    }
    const n = Number(text);
    if (!Number.isInteger(n)) errors[field] = check("number");
    else if (n < min || n > max) errors[field] = check("range", { min, max });
    return n;
  };
  const body: NotificationPacing = {
    group_by: form.group_by,
    group_wait_seconds: int("group_wait_seconds", 0, 3600),
    group_interval_seconds: int("group_interval_seconds", 1, 86400),
    repeat_interval_seconds: int("repeat_interval_seconds", 60, 604800),
    quiet_hours: null,
  };
  if (form.quiet) {
    if (!isClockTime(form.quiet_start)) errors["quiet_hours.start"] = check("time");
    if (!isClockTime(form.quiet_end)) errors["quiet_hours.end"] = check("time");
    body.quiet_hours = { start: form.quiet_start, end: form.quiet_end, time_zone: form.quiet_time_zone.trim() || "America/Sao_Paulo", min_severity: form.quiet_min_severity };
  }
  return Object.keys(errors).length ? { errors } : { body, errors };
}

/** The API's field for an error: `pacing.quiet_hours.start` and `quiet_hours.start` both land on the quiet-hours start. */
export function formField(apiField: string | undefined): string | undefined {
  if (!apiField) return undefined;
  return apiField.replace(/^pacing\./, "").replace(/^channel\.settings\./, "settings.");
}

export interface ChannelForm {
  name: string;
  enabled: boolean;
  type: ChannelType;
  min_severity: Severity;
  pop_id: string;
  language: "pt-BR" | "en";
  settings: Record<string, string>;
  pacing: PacingForm;
}

/** The settings the editor offers per channel kind (labels are i18n keys). */
export const SETTINGS: Record<string, { key: string; label: MessageKey; secret?: boolean; type?: string; help?: MessageKey; placeholder?: string }[]> = {
  email: [
    { key: "host", label: "channels.email.host", placeholder: "smtp.provedor.com.br" },
    { key: "port", label: "channels.email.port", type: "number" },
    { key: "security", label: "channels.email.security" },
    { key: "username", label: "channels.email.username" },
    { key: "password", label: "channels.email.password", secret: true },
    { key: "from_address", label: "channels.email.from", placeholder: "noc@provedor.com.br" },
    { key: "recipients", label: "channels.email.recipients", help: "channels.email.recipientsHelp" },
  ],
  webhook: [
    { key: "url", label: "channels.webhook.url", placeholder: "https://noc.provedor.com.br/hook" },
    { key: "key", label: "channels.webhook.key", secret: true, help: "channels.webhook.keyHelp" },
    { key: "timeout_seconds", label: "channels.timeout", type: "number" },
  ],
  telegram: [
    { key: "bot_token", label: "channels.telegram.token", secret: true },
    { key: "chat_id", label: "channels.telegram.chat", placeholder: "-1001234567890" },
    { key: "timeout_seconds", label: "channels.timeout", type: "number" },
  ],
};

export function channelToForm(c: NotificationChannel | undefined): ChannelForm {
  const settings: Record<string, string> = {};
  for (const [k, v] of Object.entries(c?.channel.settings ?? {})) settings[k] = Array.isArray(v) ? v.join(", ") : v === null || v === undefined ? "" : String(v);
  return {
    name: c?.name ?? "",
    enabled: c?.enabled ?? true,
    type: c?.channel.type ?? "webhook",
    min_severity: c?.min_severity ?? "warning",
    pop_id: c?.pop_id ?? "",
    language: c?.language ?? "pt-BR",
    settings: c ? settings : { port: "587", security: "starttls", timeout_seconds: "10" },
    pacing: pacingToForm(c?.pacing),
  };
}

/** The channel's settings as the API takes them (numbers as numbers, recipients as a list). */
export function settingsBody(form: ChannelForm): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of SETTINGS[form.type] ?? []) {
    const value = (form.settings[f.key] ?? "").trim();
    if (f.key === "recipients") out.recipients = value.split(/[,;\s]+/).filter(Boolean);
    else if (f.type === "number") {
      if (value) out[f.key] = Number(value);
    } else if (value || f.secret) out[f.key] = value;
  }
  return out;
}
