// The API shapes the dashboard reads, as Sources/OctoHTTP/openapi.json describes them (only the
// fields used here). Alerts, incidents and Wi-Fi capabilities follow the contracts of their routes.

export type Permission = string;
export type DeviceStatus = "pending" | "online" | "offline" | "disabled";
export type DeviceKind = "cpe" | "ont" | "router" | "switch" | "olt" | "access_point" | "server" | "other";
export const DEVICE_STATUSES: readonly DeviceStatus[] = ["online", "offline", "pending", "disabled"];
export const DEVICE_KINDS: readonly DeviceKind[] = ["cpe", "ont", "router", "switch", "olt", "access_point", "server", "other"];

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
  /** Lists that stop counting (devices): more than `total` match. */
  total_is_estimate?: boolean;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role_key: string;
  locale: "pt-BR" | "en";
  totp_enabled: boolean;
}

export interface Me {
  kind: "user" | "api_key";
  id: string;
  label: string;
  provider_id?: string;
  role: string;
  global_admin: boolean;
  permissions: Permission[];
  user?: User;
}

export interface Provider {
  id: string;
  slug: string;
  name: string;
  status: "active" | "suspended";
}

export interface Pop {
  id: string;
  name: string;
  code?: string;
  city?: string;
  state?: string;
}

export interface Device {
  id: string;
  provider_id: string;
  pop_id?: string;
  customer_id?: string;
  name: string;
  kind: DeviceKind;
  vendor?: string;
  model?: string;
  serial_number?: string;
  oui?: string;
  product_class?: string;
  firmware?: string;
  hardware_version?: string;
  mac?: string;
  management_ip?: string;
  status: DeviceStatus;
  last_seen_at?: string;
  notes?: string;
  created_at: string;
  updated_at: string;
  tags: string[];
}

export interface DeviceCounts {
  total: number;
  by_status: Record<string, number>;
  by_kind: Record<string, number>;
}

export interface DashboardSummary {
  devices: DeviceCounts;
  pops: { pop_id?: string; name?: string; devices: DeviceCounts }[];
  onus: { total: number; out_of_range: number };
  tasks: { pending: number; failed_last24h: number };
  jobs: { dead?: number };
  generated_at: string;
}

export type TaskStatus = "queued" | "running" | "done" | "fault" | "expired" | "cancelled";

export interface DeviceTask {
  id: string;
  device_id: string;
  type: string;
  status: TaskStatus;
  fault?: { code?: number; string?: string } | null;
  attempts: number;
  created_by?: string | null;
  created_at: string;
  started_at?: string | null;
  finished_at?: string | null;
  /** How the ACS asked the device for a session for this task (path, outcome, milliseconds). */
  connection_request?: ConnectionRequestReport | null;
}

export interface ConnectionRequestReport {
  path: "http" | "udp" | "xmpp" | "none";
  outcome: string;
  milliseconds: number;
  at: string;
}

export interface DeviceParameter {
  name: string;
  value?: string;
  type?: string;
  writable?: boolean;
  object: boolean;
  updated_at: string;
}

export interface DeviceParameterChange {
  name: string;
  old_value?: string;
  new_value?: string;
  changed_at: string;
}

export interface OpticsEntry {
  device_id: string;
  device_name: string;
  scope: "onu" | "olt_port";
  item: string;
  label?: string;
  rx_dbm?: number;
  tx_dbm?: number;
  last_poll_at: string;
  status: "ok" | "low" | "high" | "unknown";
  thresholds: { rx_min?: number; rx_max?: number };
}

/** One band of GET /devices/{id}/capabilities: its choices and the fields an apply can write. */
export interface WifiBand {
  band: string;
  interface: string;
  ssid: string;
  enabled: boolean;
  /** Channels the radio offers; absent when the device does not list them (`auto` is always possible). */
  channels?: number[];
  channel_widths: string[];
  security: string[];
  /** Settable Wi-Fi fields: `wifi.ssid`, `wifi.key`, `wifi.channel`, `wifi.enabled`, `wifi.security`, … */
  settable: string[];
}

export interface WifiCapabilities {
  data_model: "tr098" | "tr181";
  mapping: string[];
  bands: WifiBand[];
  unresolved: { band: string; reason: string }[];
  interfaces?: unknown[];
  reboot_after_wifi_change?: boolean;
  read_only_bands?: string[];
}

export interface ActionResult {
  action?: string;
  task_id?: string | null;
}

export type Severity = "info" | "warning" | "critical";
export type AlertState = "pending" | "firing" | "resolving" | "resolved";

export interface Alert {
  id: string;
  rule_id: string;
  rule_name?: string;
  device_id?: string;
  device_name?: string;
  pop_id?: string;
  target?: string;
  labels?: Record<string, string>;
  severity: Severity;
  state: AlertState;
  value?: number | null;
  summary?: string;
  summary_pt_br?: string | null;
  no_data?: boolean;
  started_at: string;
  fired_at?: string | null;
  resolved_at?: string | null;
  suppressed_by?: string | null;
  affected?: number;
  incident_id?: string | null;
}

export type IncidentStatus = "open" | "acknowledged" | "resolved";

export interface Incident {
  id: string;
  title: string;
  title_pt_br?: string | null;
  severity: Severity;
  status: IncidentStatus;
  device_id?: string;
  pop_id?: string;
  affected?: number;
  opened_at: string;
  acknowledged_at?: string | null;
  resolved_at?: string | null;
  acknowledged_by?: string | null;
  assigned_to?: string | null;
  resolved_by?: string | null;
  time_to_acknowledge?: number | null;
  time_to_resolve?: number | null;
}

export interface IncidentDetail {
  incident: Incident;
  events: { at: string; kind: string; actor?: string; text?: string; text_pt_br?: string | null }[];
  alerts: Alert[];
}

export interface AlertEvent {
  at: string;
  state: string;
  value?: number | null;
  note?: string | null;
}

export interface AlertWithEvents {
  alert: Alert;
  events: AlertEvent[];
}

export type ConditionType = "threshold" | "reachability" | "interface_down" | "not_informing" | "no_data" | "change";
export type Aggregation = "last" | "avg" | "min" | "max" | "rate" | "p95";
export type ComparisonOp = ">" | ">=" | "<" | "<=";
export type Scope = "provider" | "pop" | "group" | "device";

/** What a rule watches; `type` decides which other fields apply. */
export interface AlertCondition {
  type: ConditionType;
  metric?: string;
  labels?: Record<string, string>;
  aggregation?: Aggregation;
  window_seconds?: number;
  op?: ComparisonOp;
  value?: number;
  clear?: number;
  include_snmp_failing?: boolean;
  multiplier?: number;
  delta?: number;
}

/** `POST /alert-rules/preview`: what a rule would match now. */
export interface AlertRulePreview {
  targets: number;
  observed: number;
  breaching: number;
  no_data: number;
  truncated: boolean;
  matches: {
    device_id?: string | null;
    device_name?: string | null;
    target: string;
    labels: Record<string, string>;
    state: "breach" | "no_data";
    value?: number | null;
    summary: string;
    summary_pt_br: string;
  }[];
}

export interface AlertRule {
  id: string;
  name: string;
  description?: string | null;
  enabled: boolean;
  severity: Severity;
  scope: Scope;
  scope_id?: string | null;
  device_kinds?: DeviceKind[] | null;
  include_cpe: boolean;
  condition: AlertCondition;
  for_seconds: number;
  keep_firing_for_seconds: number;
  labels: Record<string, string>;
  builtin?: string | null;
  created_at: string;
  updated_at: string;
}

export interface Silence {
  id: string;
  matchers: Record<string, string>;
  starts_at: string;
  ends_at: string;
  reason: string;
  created_by: string;
  created_at: string;
}

export interface MaintenanceWindow {
  id: string;
  name: string;
  scope: Scope;
  scope_id?: string | null;
  starts_at: string;
  ends_at: string;
  recurrence?: "daily" | "weekly" | null;
  until?: string | null;
  reason?: string | null;
  created_by: string;
  created_at: string;
}

export interface DeviceGroup {
  id: string;
  name: string;
  kind: "static" | "dynamic";
  device_count: number;
}

export type ChannelType = "email" | "webhook" | "telegram" | "webpush";
export type GroupLabel = "pop" | "rule" | "severity" | "device";

export interface QuietHours {
  start: string;
  end: string;
  time_zone?: string;
  min_severity?: Severity;
}

export interface NotificationPacing {
  group_by?: GroupLabel[];
  group_wait_seconds?: number;
  group_interval_seconds?: number;
  repeat_interval_seconds?: number;
  quiet_hours?: QuietHours | null;
}

export interface NotificationChannel {
  id: string;
  name: string;
  enabled: boolean;
  min_severity: Severity;
  pop_id?: string | null;
  language: "pt-BR" | "en";
  channel: { type: ChannelType; settings: Record<string, unknown> };
  pacing: NotificationPacing;
  owner_user_id?: string | null;
  via_channel_id?: string | null;
  created_at: string;
  updated_at: string;
}

export interface NotificationDelivery {
  alert_id?: string | null;
  channel_id: string;
  channel_name?: string | null;
  status: "firing" | "resolved" | "test";
  outcome: "sent" | "retrying" | "failed";
  attempt: number;
  detail?: string | null;
  at: string;
  group_key?: string | null;
  reason?: "initial" | "change" | "repeat" | null;
}

export interface ApiErrorBody {
  error: { code: string; message: string; field?: string; request_id?: string };
}

export type ReportKind = "sla" | "bandwidth" | "incidents" | "optics";
export type ReportFormat = "pdf" | "csv" | "csv_pt_br";
export type ReportScope = "provider" | "pop" | "group" | "customer" | "device";

export interface ReportRequest {
  kind: ReportKind;
  scope?: ReportScope;
  scope_id?: string;
  from?: string;
  to?: string;
  formats?: ReportFormat[];
  language?: "pt-BR" | "en";
  top?: number;
}

export interface ReportRun {
  id: string;
  kind: ReportKind;
  request: ReportRequest;
  period_from: string;
  period_to: string;
  status: "queued" | "running" | "done" | "failed";
  progress: number;
  error?: string | null;
  schedule_id?: string | null;
  created_by: string;
  created_at: string;
  finished_at?: string | null;
  expires_at: string;
  files: { format: ReportFormat; name: string; size: number }[];
}

export interface ReportPreview {
  title: string;
  scope: string;
  period: string;
  figures: string[][];
  tables: { title: string; columns: string[]; rows: string[][]; highlighted: number[]; total: number }[];
}

export interface ReportSchedule {
  id: string;
  name: string;
  request: ReportRequest;
  cadence: "daily" | "weekly" | "monthly" | "cron";
  cron?: string | null;
  period: "day" | "week" | "month";
  channel_id: string;
  recipients: string[];
  enabled: boolean;
  next_run_at: string;
  last_run_at?: string | null;
}

/** The provider's report settings: the time zone of periods and schedules, and the cover logo. */
export interface ReportSettings {
  time_zone: string;
  logo?: { bytes: number; width: number; height: number; sha256: string } | null;
}

export interface NotificationChannelSummary {
  id: string;
  name: string;
  channel: { type: string };
}
