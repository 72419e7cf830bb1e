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
  severity: Severity;
  status: IncidentStatus;
  device_id?: string;
  pop_id?: string;
  affected?: number;
  opened_at: string;
  acknowledged_at?: string | null;
  resolved_at?: string | null;
  time_to_acknowledge?: number | null;
  time_to_resolve?: number | null;
}

export interface IncidentDetail {
  incident: Incident;
  events: { at: string; kind: string; actor?: string; text?: string }[];
  alerts: Alert[];
}

export interface ApiErrorBody {
  error: { code: string; message: string; field?: string; request_id?: string };
}
