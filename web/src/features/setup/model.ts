// Pure logic of the set-up, hierarchy and monitoring set-up screens: the API shapes they use (from
// Sources/OctoHTTP/openapi.json), form ⇄ API body with the same checks the API makes, the ACS address
// CPEs are pointed at, generated passwords and the set-up checklist's state. No React here, so the
// unit tests run it in Node.

export type FieldErrors = Record<string, string>;
export type Check = (key: string, values?: Record<string, string | number>) => string;

export interface ProviderRecord {
  id: string;
  slug: string;
  name: string;
  document?: string;
  status: "active" | "suspended";
}

export interface PopRecord {
  id: string;
  name: string;
  code?: string;
  city?: string;
  state?: string;
  address?: string;
  notes?: string;
}

export type CustomerStatus = "active" | "suspended" | "cancelled";
export const CUSTOMER_STATUSES: readonly CustomerStatus[] = ["active", "suspended", "cancelled"];

export interface CustomerRecord {
  id: string;
  pop_id?: string;
  name: string;
  document?: string;
  email?: string;
  phone?: string;
  plan?: string;
  external_ref?: string;
  status: CustomerStatus;
  sla_target_percent?: number;
}

/** A CPE credential (the password is never returned). */
export interface CwmpCredentialRecord {
  id: string;
  device_id?: string;
  username: string;
  realm: string;
  created_at: string;
}

export interface SnmpCredentialRecord {
  id: string;
  pop_id?: string | null;
  device_id?: string | null;
  name: string;
  version: "v2c" | "v3";
  priority: number;
  v3_user?: string | null;
  auth_protocol?: string | null;
  priv_protocol?: string | null;
  context_name?: string;
  updated_at: string;
}

export interface DiscoveryRangeRecord {
  id: string;
  pop_id: string;
  cidr: string;
  port: number;
  every_seconds?: number | null;
  enabled: boolean;
  last_run_at?: string | null;
  last_found?: number | null;
  last_error?: string | null;
  last_icmp?: string | null;
  last_icmp_only?: string[];
  created_at: string;
}

export const AUTH_PROTOCOLS = ["MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512"] as const;
export const PRIV_PROTOCOLS = ["DES", "AES", "AES-192", "AES-256", "AES-192-C", "AES-256-C"] as const;

/** The ACS's default CWMP port (OCTOISP_CWMP_PORT). */
export const CWMP_DEFAULT_PORT = 7547;

const trimmed = (value: string) => value.trim();
const orNull = (value: string) => (value.trim() ? value.trim() : null);
const bytes = (value: string) => new TextEncoder().encode(value).length;

/** A provider's slug proposed from its name: "Fibra Sul Telecom" → "fibra-sul-telecom" (accents dropped). */
export function slugify(name: string): string {
  return name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
}

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** Where CPEs are pointed: the ACS on the dashboard's host name, `https` when the page is (the TLS
 *  listener then serves CWMP too), the default port unless another one is given. */
export function acsUrl(page: { protocol: string; hostname: string }, slug: string, port: number = CWMP_DEFAULT_PORT): string {
  const scheme = page.protocol === "https:" ? "https" : "http";
  const host = page.hostname.includes(":") && !page.hostname.startsWith("[") ? `[${page.hostname}]` : page.hostname;
  return `${scheme}://${host}:${port}/cwmp/${slug}`;
}

const PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** A random password for CPEs to use (no look-alike characters), from `random` bytes (crypto.getRandomValues). */
export function generatePassword(random: (buffer: Uint8Array) => Uint8Array, length = 20): string {
  const out: string[] = [];
  // Rejection sampling keeps every character equally likely.
  const limit = 256 - (256 % PASSWORD_ALPHABET.length);
  while (out.length < length) {
    for (const b of random(new Uint8Array(length * 2))) {
      if (b < limit && out.length < length) out.push(PASSWORD_ALPHABET[b % PASSWORD_ALPHABET.length]);
    }
  }
  return out.join("");
}

export interface ProviderForm {
  name: string;
  slug: string;
  document: string;
}

export function providerBody(form: ProviderForm, check: Check): { body?: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!form.name.trim()) errors.name = check("required");
  else if (form.name.trim().length > 200) errors.name = check("maxChars", { max: 200 });
  if (!form.slug.trim()) errors.slug = check("required");
  else if (!SLUG_PATTERN.test(form.slug.trim())) errors.slug = check("slugFormat");
  if (Object.keys(errors).length) return { errors };
  const body: Record<string, unknown> = { name: trimmed(form.name), slug: trimmed(form.slug) };
  if (form.document.trim()) body.document = trimmed(form.document);
  return { body, errors };
}

export interface PopForm {
  name: string;
  code: string;
  city: string;
  state: string;
  address: string;
  notes: string;
}

export const emptyPop = (): PopForm => ({ name: "", code: "", city: "", state: "", address: "", notes: "" });

export const popToForm = (p: PopRecord): PopForm => ({
  name: p.name,
  code: p.code ?? "",
  city: p.city ?? "",
  state: p.state ?? "",
  address: p.address ?? "",
  notes: p.notes ?? "",
});

/** Create or change a POP: empty optional fields are `null` (a change then clears them). */
export function popBody(form: PopForm, check: Check): { body?: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!form.name.trim()) errors.name = check("required");
  else if (form.name.trim().length > 200) errors.name = check("maxChars", { max: 200 });
  if (Object.keys(errors).length) return { errors };
  return {
    body: { name: trimmed(form.name), code: orNull(form.code), city: orNull(form.city), state: orNull(form.state), address: orNull(form.address), notes: orNull(form.notes) },
    errors,
  };
}

export interface CustomerForm {
  name: string;
  pop_id: string;
  document: string;
  email: string;
  phone: string;
  plan: string;
  external_ref: string;
  status: CustomerStatus;
  sla_target_percent: string;
}

export const emptyCustomer = (popId = ""): CustomerForm => ({
  name: "",
  pop_id: popId,
  document: "",
  email: "",
  phone: "",
  plan: "",
  external_ref: "",
  status: "active",
  sla_target_percent: "",
});

/** A customer in the form; the SLA target written with the reader's decimal separator. */
export const customerToForm = (c: CustomerRecord, separator: "," | "." = "."): CustomerForm => ({
  name: c.name,
  pop_id: c.pop_id ?? "",
  document: c.document ?? "",
  email: c.email ?? "",
  phone: c.phone ?? "",
  plan: c.plan ?? "",
  external_ref: c.external_ref ?? "",
  status: c.status,
  sla_target_percent: c.sla_target_percent === undefined || c.sla_target_percent === null ? "" : String(c.sla_target_percent).replace(".", separator),
});

/** A decimal typed with a comma or a point ("99,5" or "99.5"); NaN when it is not one. */
export function decimal(text: string): number {
  const t = text.trim().replace(",", ".");
  return /^\d+(\.\d+)?$/.test(t) ? Number(t) : NaN;
}

export function customerBody(form: CustomerForm, check: Check): { body?: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!form.name.trim()) errors.name = check("required");
  else if (form.name.trim().length > 200) errors.name = check("maxChars", { max: 200 });
  let sla: number | null = null;
  if (form.sla_target_percent.trim()) {
    sla = decimal(form.sla_target_percent);
    if (!(sla > 0 && sla <= 100)) errors.sla_target_percent = check("percentRange");
  }
  if (form.email.trim() && !/^[^\s@]+@[^\s@]+$/.test(form.email.trim())) errors.email = check("emailFormat");
  if (Object.keys(errors).length) return { errors };
  return {
    body: {
      name: trimmed(form.name),
      pop_id: form.pop_id || null,
      document: orNull(form.document),
      email: orNull(form.email),
      phone: orNull(form.phone),
      plan: orNull(form.plan),
      external_ref: orNull(form.external_ref),
      status: form.status,
      sla_target_percent: sla,
    },
    errors,
  };
}

export interface CwmpCredentialForm {
  username: string;
  password: string;
}

export function cwmpCredentialBody(form: CwmpCredentialForm, check: Check): { body?: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!form.username.trim()) errors.username = check("required");
  else if (form.username.includes(":")) errors.username = check("noColon");
  if (form.password.length < 8) errors.password = check("minChars", { min: 8 });
  else if (form.password.length > 256) errors.password = check("maxChars", { max: 256 });
  if (Object.keys(errors).length) return { errors };
  return { body: { username: form.username.trim(), password: form.password }, errors };
}

export interface SnmpCredentialForm {
  name: string;
  version: "v2c" | "v3";
  priority: string;
  pop_id: string;
  community: string;
  v3_user: string;
  auth_protocol: string;
  auth_key: string;
  priv_protocol: string;
  priv_key: string;
  context_name: string;
}

export const emptySnmpCredential = (): SnmpCredentialForm => ({
  name: "",
  version: "v2c",
  priority: "100",
  pop_id: "",
  community: "",
  v3_user: "",
  auth_protocol: "SHA",
  auth_key: "",
  priv_protocol: "AES",
  priv_key: "",
  context_name: "",
});

/** An existing credential in the form; secrets are never shown back, so they start empty ("keep"). */
export const snmpCredentialToForm = (c: SnmpCredentialRecord): SnmpCredentialForm => ({
  ...emptySnmpCredential(),
  name: c.name,
  version: c.version,
  priority: String(c.priority),
  pop_id: c.pop_id ?? "",
  v3_user: c.v3_user ?? "",
  auth_protocol: c.auth_protocol ?? "",
  priv_protocol: c.priv_protocol ?? "",
  context_name: c.context_name ?? "",
});

/** The body to create an SNMP credential or, with `existing`, to change it: a change carries only what
 *  the API lets change (name, priority, context, and the secrets typed — empty ones are kept). */
export function snmpCredentialBody(form: SnmpCredentialForm, check: Check, existing?: SnmpCredentialRecord): { body?: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!form.name.trim()) errors.name = check("required");
  else if (form.name.trim().length > 200) errors.name = check("maxChars", { max: 200 });
  const priority = Number(form.priority);
  if (!/^\d+$/.test(form.priority.trim()) || priority > 10_000) errors.priority = check("range", { min: 0, max: 10000 });
  const version = existing?.version ?? form.version;
  const auth = existing ? existing.auth_protocol ?? "" : form.auth_protocol;
  const priv = existing ? existing.priv_protocol ?? "" : form.priv_protocol;
  if (version === "v2c") {
    if (!existing && !form.community) errors.community = check("required");
    else if (form.community && bytes(form.community) > 255) errors.community = check("maxBytes", { max: 255 });
  } else {
    if (!existing) {
      if (!form.v3_user.trim()) errors.v3_user = check("required");
      else if (bytes(form.v3_user.trim()) > 32) errors.v3_user = check("maxBytes", { max: 32 });
      if (priv && !auth) errors.priv_protocol = check("privNeedsAuth");
    }
    if (auth && (form.auth_key || !existing) && form.auth_key.length < 8) errors.auth_key = check("minChars", { min: 8 });
    if (priv && (form.priv_key || !existing) && form.priv_key.length < 8) errors.priv_key = check("minChars", { min: 8 });
  }
  if (Object.keys(errors).length) return { errors };
  const body: Record<string, unknown> = { name: form.name.trim(), priority };
  if (form.context_name.trim() || existing) body.context_name = form.context_name.trim();
  if (!existing) {
    body.version = version;
    if (form.pop_id) body.pop_id = form.pop_id;
  }
  if (version === "v2c") {
    if (form.community) body.community = form.community;
  } else {
    if (!existing) body.v3_user = form.v3_user.trim();
    if (auth) {
      if (!existing) body.auth_protocol = auth;
      if (form.auth_key) body.auth_key = form.auth_key;
      if (priv) {
        if (!existing) body.priv_protocol = priv;
        if (form.priv_key) body.priv_key = form.priv_key;
      }
    }
  }
  return { body, errors };
}

/** "v3 · authPriv SHA-256/AES" — how a credential secures its messages (never a secret). */
export function snmpSecurity(c: SnmpCredentialRecord): string {
  if (c.version === "v2c") return "v2c";
  const level = c.priv_protocol ? "authPriv" : c.auth_protocol ? "authNoPriv" : "noAuthNoPriv";
  const protocols = [c.auth_protocol, c.priv_protocol].filter(Boolean).join("/");
  return `v3 · ${level}${protocols ? ` ${protocols}` : ""}`;
}

export interface DiscoveryForm {
  pop_id: string;
  cidr: string;
  port: string;
  every_minutes: string;
}

export const emptyDiscovery = (popId = ""): DiscoveryForm => ({ pop_id: popId, cidr: "", port: "161", every_minutes: "" });

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** An IPv4 network such as "10.20.0.0/24" (sweeps are IPv4); the API checks the rest (size, denied ranges). */
export function isCidr(text: string): boolean {
  const [address, length, ...rest] = text.trim().split("/");
  if (rest.length || length === undefined || !/^\d{1,2}$/.test(length)) return false;
  return IPV4.test(address) && Number(length) <= 32;
}

export function discoveryBody(form: DiscoveryForm, check: Check): { body?: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!form.pop_id) errors.pop_id = check("required");
  if (!form.cidr.trim()) errors.cidr = check("required");
  else if (!isCidr(form.cidr)) errors.cidr = check("cidrFormat");
  const port = Number(form.port);
  if (!/^\d+$/.test(form.port.trim()) || port < 1 || port > 65535) errors.port = check("range", { min: 1, max: 65535 });
  let every: number | undefined;
  if (form.every_minutes.trim()) {
    every = Number(form.every_minutes);
    if (!/^\d+$/.test(form.every_minutes.trim()) || every < 5) errors.every_seconds = check("minMinutes", { min: 5 });
  }
  if (Object.keys(errors).length) return { errors };
  const body: Record<string, unknown> = { pop_id: form.pop_id, cidr: form.cidr.trim(), port };
  if (every !== undefined) body.every_seconds = every * 60;
  return { body, errors };
}

/** A sweep's period in the largest whole unit: "1 h", "90 min". */
export function periodText(seconds: number, number: (n: number) => string): string {
  if (seconds % 3600 === 0) return `${number(seconds / 3600)} h`;
  return `${number(Math.round(seconds / 60))} min`;
}

export type StepKey = "provider" | "pop" | "cpe" | "snmp";
export type StepState = "done" | "todo" | "blocked" | "unknown";

export interface ChecklistInput {
  /** Whether a provider is chosen (Global Admin) or the caller belongs to one. */
  provider: boolean;
  /** Totals from the lists; undefined while loading or when the caller may not read them. */
  pops?: number;
  cpeCredentials?: number;
  snmpCredentials?: number;
}

/** Each set-up step's state: done from the API's data, blocked until there is a provider, unknown
 *  when the caller cannot read it. */
export function checklist(input: ChecklistInput): { key: StepKey; state: StepState }[] {
  const after = (total: number | undefined): StepState => (!input.provider ? "blocked" : total === undefined ? "unknown" : total > 0 ? "done" : "todo");
  return [
    { key: "provider", state: input.provider ? "done" : "todo" },
    { key: "pop", state: after(input.pops) },
    { key: "cpe", state: after(input.cpeCredentials) },
    { key: "snmp", state: after(input.snmpCredentials) },
  ];
}
