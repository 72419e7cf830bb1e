// Pure logic of the provisioning screens: template form ⇄ API body (Wi-Fi per band as fields, the rest
// of the settings as JSON), where in the JSON text an API error points, and the rollout form → body.

export const BANDS = ["2.4GHz", "5GHz"] as const;
export type Band = (typeof BANDS)[number];
export const SECURITY_MODES = ["open", "wpa2", "wpa_wpa2", "wpa3", "wpa2_wpa3"] as const;
export const CHANNEL_WIDTHS = ["auto", "20MHz", "40MHz", "80MHz", "160MHz"] as const;
export const ROLLOUT_ACTIONS = ["set_wifi", "reboot", "reapply", "apply", "factory_reset"] as const;
export const ROLLOUT_DEVICE_STATUSES = ["pending", "running", "succeeded", "failed", "skipped"] as const;
/** The value the API shows for a stored key or password; sent back, it keeps the stored value. */
export const MASK = "********";

export type FieldErrors = Record<string, string>;
/** A form check's message by key (`form.*` in i18n) with values. */
export type Check = (key: string, values?: Record<string, string | number>) => string;
/** Unset, on or off: a boolean the template may leave alone. */
export type Tri = "" | "on" | "off";

export interface WifiForm {
  /** Whether the template sets anything on this band. */
  present: boolean;
  enabled: Tri;
  ssid: string;
  key: string;
  security: string;
  channel: string;
  channel_width: string;
  hidden: Tri;
  wps: Tri;
}

export interface TemplateForm {
  name: string;
  manufacturer: string;
  oui: string;
  product_class: string;
  firmware: string;
  pop_id: string;
  priority: string;
  note: string;
  wifi: Record<Band, WifiForm>;
  /** The settings other than `wifi`, as JSON text. */
  other: string;
  allowed_security: string[];
  wps_off: boolean;
  inform_interval: string;
}

export interface TemplateRecord {
  id: string;
  name: string;
  match: { manufacturer?: string; oui?: string; product_class?: string; firmware?: string };
  pop_id?: string | null;
  priority: number;
  current_version: number;
  archived_at?: string | null;
  created_at: string;
  updated_at: string;
}

export interface TemplateVersionRecord {
  template_id: string;
  version: number;
  settings: Record<string, unknown>;
  path_overrides?: Record<string, string>;
  policies?: { allowed_security?: string[]; wps_off?: boolean; inform_interval?: number };
  note?: string | null;
  source_version?: number | null;
  created_by?: string | null;
  created_at: string;
}

export interface TemplateWithVersion {
  template: TemplateRecord;
  version: TemplateVersionRecord;
}

export interface TemplateDiffRecord {
  from: number;
  to: number;
  changes: { field: string; before: string | null; after: string | null }[];
}

const emptyWifi = (): WifiForm => ({ present: false, enabled: "", ssid: "", key: "", security: "", channel: "", channel_width: "", hidden: "", wps: "" });

export function emptyTemplate(): TemplateForm {
  return {
    name: "",
    manufacturer: "",
    oui: "",
    product_class: "",
    firmware: "",
    pop_id: "",
    priority: "0",
    note: "",
    wifi: { "2.4GHz": emptyWifi(), "5GHz": emptyWifi() },
    other: "{}",
    allowed_security: [],
    wps_off: false,
    inform_interval: "",
  };
}

const tri = (value: unknown): Tri => (value === true ? "on" : value === false ? "off" : "");
const str = (value: unknown): string => (value === undefined || value === null ? "" : String(value));

/** A stored template and version as the form. */
export function templateToForm(t: TemplateWithVersion): TemplateForm {
  const form = emptyTemplate();
  form.name = t.template.name;
  form.manufacturer = t.template.match.manufacturer ?? "";
  form.oui = t.template.match.oui ?? "";
  form.product_class = t.template.match.product_class ?? "";
  form.firmware = t.template.match.firmware ?? "";
  form.pop_id = t.template.pop_id ?? "";
  form.priority = String(t.template.priority);
  const { wifi, ...other } = (t.version.settings ?? {}) as { wifi?: Record<string, unknown>[] } & Record<string, unknown>;
  for (const entry of wifi ?? []) {
    const band = entry.band as Band;
    if (!BANDS.includes(band)) continue;
    form.wifi[band] = {
      present: true,
      enabled: tri(entry.enabled),
      ssid: str(entry.ssid),
      key: str(entry.key),
      security: str(entry.security),
      channel: str(entry.channel),
      channel_width: str(entry.channel_width),
      hidden: tri(entry.hidden),
      wps: tri(entry.wps),
    };
  }
  form.other = JSON.stringify(other, null, 2);
  const p = t.version.policies ?? {};
  form.allowed_security = p.allowed_security ?? [];
  form.wps_off = p.wps_off ?? false;
  form.inform_interval = p.inform_interval === undefined ? "" : String(p.inform_interval);
  return form;
}

/**
 * The offset of the first syntax error in JSON `text` (null when it parses): a small scanner, since the
 * engines' messages do not all say where.
 */
export function jsonErrorOffset(text: string): number | null {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    for (const ch of word) if (text[i++] !== ch) (i--, fail());
  };
  const string = () => {
    if (text[i] !== '"') fail();
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\") i++;
      else if (text[i] < " ") fail();
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match) fail();
    i += match![0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        string();
        ws();
        if (text[i] !== ":") fail();
        i++;
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return void i++;
        else fail();
      }
    } else if (ch === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return void i++;
        else fail();
      }
    } else if (ch === '"') string();
    else if (ch === "t") literal("true");
    else if (ch === "f") literal("false");
    else if (ch === "n") literal("null");
    else number();
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return null;
  } catch (offset) {
    if (typeof offset !== "number") throw offset;
    return Math.min(offset, text.length);
  }
}

/** The 1-based line of the first syntax error in JSON `text`; null when it parses. */
export function jsonErrorLine(text: string): number | null {
  const offset = jsonErrorOffset(text);
  return offset === null ? null : text.slice(0, offset).split("\n").length;
}

/**
 * The 1-based line of `path` (`wan.pppoe.username`, `ntp.servers[2]`) in JSON text: each name is looked
 * for as a `"name":` key after the line of the one before; array indexes are not followed. Null when a
 * name is not found.
 */
export function lineOfPath(text: string, path: string): number | null {
  const names = path
    .replace(/\[\d+\]/g, "")
    .split(".")
    .filter(Boolean);
  if (!names.length) return null;
  const lines = text.split("\n");
  let from = 0;
  let found = -1;
  for (const name of names) {
    const key = JSON.stringify(name) + ":";
    found = -1;
    for (let i = from; i < lines.length; i++) {
      if (lines[i].replace(/"\s+:/, '":').includes(key)) {
        found = i;
        break;
      }
    }
    if (found < 0) return null;
    from = found;
  }
  return found + 1;
}

/** The band order of the `wifi` array a body sends, so an API error at `settings.wifi[i]` finds its band. */
export function wifiBands(form: TemplateForm): Band[] {
  return BANDS.filter((b) => form.wifi[b].present);
}

/**
 * Where the form shows an API error naming `apiField`: a Wi-Fi field (`wifi.5GHz.ssid`), the JSON
 * editor (`other`, with the path below it), the match and policy fields by name.
 */
export function templateFormField(apiField: string | undefined, bands: Band[]): { field: string; path?: string } | undefined {
  if (!apiField) return undefined;
  const wifi = /^settings\.wifi\[(\d+)\](?:\.(\w+))?/.exec(apiField);
  if (wifi) {
    const band = bands[Number(wifi[1])];
    if (band) return { field: wifi[2] ? `wifi.${band}.${wifi[2]}` : `wifi.${band}.band` };
  }
  const band = /^settings\.wifi\.(\w+)@(2\.4GHz|5GHz)/i.exec(apiField) ?? /^wifi\.(\w+)@(2\.4GHz|5GHz)/i.exec(apiField);
  if (band) return { field: `wifi.${band[2].replace("ghz", "GHz")}.${band[1]}` };
  if (apiField.startsWith("settings.")) return { field: "other", path: apiField.slice("settings.".length) };
  if (apiField === "settings") return { field: "other" };
  if (apiField.startsWith("match.")) return { field: apiField.slice("match.".length) };
  if (apiField.startsWith("policies.")) return { field: apiField.slice("policies.".length) };
  return { field: apiField };
}

function wifiBody(form: WifiForm, band: Band, errors: FieldErrors, check: Check): Record<string, unknown> {
  const entry: Record<string, unknown> = { band };
  const at = (name: string) => `wifi.${band}.${name}`;
  if (form.enabled) entry.enabled = form.enabled === "on";
  if (form.ssid.trim()) {
    if (form.ssid.trim().length > 32 && !form.ssid.includes("{{")) errors[at("ssid")] = check("maxChars", { max: 32 });
    entry.ssid = form.ssid.trim();
  }
  if (form.key) {
    if (form.key !== MASK && !form.key.includes("{{") && (form.key.length < 8 || form.key.length > 63)) errors[at("key")] = check("wifiKey");
    entry.key = form.key;
  }
  if (form.security) entry.security = form.security;
  const channel = form.channel.trim();
  if (channel) {
    if (channel === "auto") entry.channel = "auto";
    else if (/^\d+$/.test(channel) && Number(channel) > 0 && Number(channel) < 200) entry.channel = Number(channel);
    else errors[at("channel")] = check("channel");
  }
  if (form.channel_width) entry.channel_width = form.channel_width;
  if (form.hidden) entry.hidden = form.hidden === "on";
  if (form.wps) entry.wps = form.wps === "on";
  return entry;
}

/** The body of `POST …/templates` (create: with name) or `POST …/templates/{id}/versions`. */
export function templateBody(form: TemplateForm, check: Check, create: boolean): { body?: Record<string, unknown>; errors: FieldErrors; jsonLine?: number } {
  const errors: FieldErrors = {};
  let jsonLine: number | undefined;
  const name = form.name.trim();
  if (create && !name) errors.name = check("required");
  const priority = form.priority.trim() === "" ? 0 : Number(form.priority);
  if (!Number.isInteger(priority)) errors.priority = check("number");
  let other: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(form.other.trim() || "{}");
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) errors.other = check("jsonObject");
    else other = parsed;
  } catch (failure) {
    const message = failure instanceof Error ? failure.message : String(failure);
    jsonLine = jsonErrorLine(form.other) ?? undefined;
    errors.other = jsonLine ? check("jsonLine", { line: jsonLine, message }) : check("json", { message });
  }
  if ("wifi" in other) errors.other = check("jsonNoWifi");
  const wifi = wifiBands(form).map((band) => wifiBody(form.wifi[band], band, errors, check));
  const settings: Record<string, unknown> = { ...other };
  if (wifi.length) settings.wifi = wifi;
  const match: Record<string, string> = {};
  for (const key of ["manufacturer", "oui", "product_class", "firmware"] as const) if (form[key].trim()) match[key] = form[key].trim();
  const policies: Record<string, unknown> = {};
  if (form.allowed_security.length) policies.allowed_security = form.allowed_security;
  if (form.wps_off) policies.wps_off = true;
  if (form.inform_interval.trim()) {
    const interval = Number(form.inform_interval);
    if (!Number.isInteger(interval) || interval < 30 || interval > 86400 * 7) errors.inform_interval = check("range", { min: 30, max: 604800 });
    else policies.inform_interval = interval;
  }
  if (Object.keys(errors).length) return { errors, jsonLine };
  const body: Record<string, unknown> = { match, priority, settings, policies };
  if (create) {
    body.name = name;
    if (form.pop_id) body.pop_id = form.pop_id;
  }
  if (form.note.trim()) body.note = form.note.trim();
  return { body, errors };
}

/** The settings a form would save (for the unsaved-changes diff); null when the JSON does not parse. */
export function formSettings(form: TemplateForm): Record<string, unknown> | null {
  const result = templateBody(form, () => "x", false);
  return result.body ? (result.body.settings as Record<string, unknown>) : null;
}

// Rollouts.

export type TargetKind = "pop" | "group" | "filter";

export interface RolloutForm {
  name: string;
  target: TargetKind;
  pop_id: string;
  group_id: string;
  manufacturer: string;
  product_class: string;
  firmware: string;
  action: (typeof ROLLOUT_ACTIONS)[number];
  band: Band;
  ssid: string;
  key: string;
  security: string;
  channel: string;
  enabled: Tri;
  wave_size: string;
  pause_seconds: string;
  failure_percent: string;
}

export interface RolloutRecord {
  id: string;
  name: string;
  target: { pop_id?: string; customer_id?: string; device_ids?: string[]; manufacturer?: string; product_class?: string; firmware?: string };
  action: { type: string; band?: string; ssid?: string; key?: string; channel?: string | number; enabled?: boolean; security?: string };
  wave_size: number;
  pause_seconds: number;
  failure_threshold: number;
  status: "running" | "completed" | "stopped" | "cancelled";
  wave: number;
  total: number;
  counts: { pending: number; running: number; succeeded: number; failed: number; skipped: number };
  next_wave_at?: string | null;
  stop_reason?: string | null;
  created_by?: string | null;
  created_at: string;
  updated_at: string;
  finished_at?: string | null;
}

export interface RolloutDeviceRecord {
  device_id: string;
  position: number;
  wave?: number | null;
  status: string;
  task_id?: string | null;
  outcome?: string | null;
  error?: string | null;
}

export function emptyRollout(): RolloutForm {
  return {
    name: "",
    target: "pop",
    pop_id: "",
    group_id: "",
    manufacturer: "",
    product_class: "",
    firmware: "",
    action: "set_wifi",
    band: "2.4GHz",
    ssid: "",
    key: "",
    security: "",
    channel: "",
    enabled: "",
    wave_size: "50",
    pause_seconds: "0",
    failure_percent: "10",
  };
}

function integer(text: string, min: number, max: number, field: string, errors: FieldErrors, check: Check): number | undefined {
  const value = Number(text.trim());
  if (text.trim() === "" || !Number.isInteger(value)) {
    errors[field] = check("number");
    return undefined;
  }
  if (value < min || value > max) {
    errors[field] = check("range", { min, max });
    return undefined;
  }
  return value;
}

/** The body of `POST /provisioning/rollouts`; a group's members come as `groupDevices`. */
export function rolloutBody(form: RolloutForm, check: Check, groupDevices?: string[]): { body?: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const name = form.name.trim();
  if (!name) errors.name = check("required");
  const target: Record<string, unknown> = {};
  if (form.target === "pop") {
    if (!form.pop_id) errors.pop_id = check("required");
    else target.pop_id = form.pop_id;
  } else if (form.target === "group") {
    if (!form.group_id) errors.group_id = check("required");
    else if (groupDevices) {
      if (!groupDevices.length) errors.group_id = check("groupEmpty");
      else target.device_ids = groupDevices;
    }
  }
  for (const key of ["manufacturer", "product_class", "firmware"] as const) if (form[key].trim()) target[key] = form[key].trim();
  if (form.target === "filter" && !Object.keys(target).length) errors.manufacturer = check("filterNeeded");
  const action: Record<string, unknown> = { type: form.action };
  if (form.action === "set_wifi") {
    action.band = form.band;
    if (form.ssid.trim()) action.ssid = form.ssid.trim();
    if (form.key) {
      if (form.key.length < 8 || form.key.length > 63) errors.key = check("wifiKey");
      action.key = form.key;
    }
    if (form.security) action.security = form.security;
    const channel = form.channel.trim();
    if (channel) {
      if (channel === "auto") action.channel = "auto";
      else if (/^\d+$/.test(channel)) action.channel = Number(channel);
      else errors.channel = check("channel");
    }
    if (form.enabled) action.enabled = form.enabled === "on";
    if (Object.keys(action).length === 2) errors.ssid = check("wifiNothing");
  }
  const wave = integer(form.wave_size, 1, 10000, "wave_size", errors, check);
  const pause = integer(form.pause_seconds, 0, 86400, "pause_seconds", errors, check);
  const percent = Number(form.failure_percent.trim().replace(",", "."));
  if (form.failure_percent.trim() === "" || !Number.isFinite(percent) || percent < 0 || percent > 100) errors.failure_threshold = check("range", { min: 0, max: 100 });
  if (Object.keys(errors).length) return { errors };
  return { body: { name, target, action, wave_size: wave, pause_seconds: pause, failure_threshold: percent / 100 }, errors };
}

/** Where the rollout form shows an API error at `apiField` (`target.pop_id` → `pop_id`, `action.key` → `key`). */
export function rolloutFormField(apiField: string | undefined): string | undefined {
  if (!apiField) return undefined;
  if (apiField === "target" || apiField === "target.device_ids") return "target";
  return apiField.replace(/^target\./, "").replace(/^action\./, "");
}

/** Settled share of a rollout (0…1) and whether it is over. */
export function rolloutProgress(r: Pick<RolloutRecord, "total" | "counts" | "status">): { done: number; fraction: number; over: boolean } {
  const done = r.counts.succeeded + r.counts.failed + r.counts.skipped;
  return { done, fraction: r.total > 0 ? Math.min(1, done / r.total) : 0, over: r.status !== "running" };
}
