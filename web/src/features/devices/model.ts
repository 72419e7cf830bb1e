// Pure logic of the device form and the device group screens: form ⇄ API body (POST/PATCH
// /devices, /device-groups), tags as the API normalises them. No React here, so the unit tests run
// it in Node.
import type { Device, DeviceKind, DeviceStatus } from "../../lib/types";

export type FieldErrors = Record<string, string>;
export type Check = (key: string, values?: Record<string, string | number>) => string;

/** The most tags a device carries and the longest tag (DeviceTags in the API). */
export const MAX_TAGS = 32;
export const MAX_TAG_CHARS = 64;

export interface DeviceForm {
  name: string;
  kind: DeviceKind;
  vendor: string;
  model: string;
  serial_number: string;
  oui: string;
  product_class: string;
  mac: string;
  management_ip: string;
  pop_id: string;
  customer_id: string;
  notes: string;
  tags: string[];
}

export const emptyDevice = (popId = ""): DeviceForm => ({
  name: "",
  kind: "cpe",
  vendor: "",
  model: "",
  serial_number: "",
  oui: "",
  product_class: "",
  mac: "",
  management_ip: "",
  pop_id: popId,
  customer_id: "",
  notes: "",
  tags: [],
});

export const deviceToForm = (d: Device): DeviceForm => ({
  name: d.name,
  kind: d.kind,
  vendor: d.vendor ?? "",
  model: d.model ?? "",
  serial_number: d.serial_number ?? "",
  oui: d.oui ?? "",
  product_class: d.product_class ?? "",
  mac: d.mac ?? "",
  management_ip: d.management_ip ?? "",
  pop_id: d.pop_id ?? "",
  customer_id: d.customer_id ?? "",
  notes: d.notes ?? "",
  tags: [...d.tags],
});

const orNull = (value: string) => (value.trim() ? value.trim() : null);

/**
 * Tags typed in one go ("fibra, vip bairro:centro"): split at commas and spaces, empty pieces
 * dropped; added to `current` without duplicates, in the order typed.
 */
export function addTags(current: string[], typed: string): string[] {
  const out = [...current];
  for (const piece of typed.split(/[\s,]+/)) {
    if (piece && !out.includes(piece)) out.push(piece);
  }
  return out;
}

/** The checks the API makes on tags, so the form can say it at the field before sending. */
export function tagProblem(tags: string[], check: Check): string | undefined {
  if (tags.some((tag) => tag.length > MAX_TAG_CHARS)) return check("tagLength", { max: MAX_TAG_CHARS });
  if (tags.length > MAX_TAGS) return check("tagCount", { max: MAX_TAGS });
  return undefined;
}

/**
 * The body of POST /devices (create) or PATCH /devices/{id} (edit). The form checks only what it
 * must (a name, tags); addresses and the OUI are checked by the API, whose 400 names the field.
 * Cleared text fields are sent as `null` so an edit really clears them.
 */
export function deviceBody(form: DeviceForm, check: Check): { body?: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!form.name.trim()) errors.name = check("required");
  else if (form.name.trim().length > 200) errors.name = check("maxChars", { max: 200 });
  const tags = tagProblem(form.tags, check);
  if (tags) errors.tags = tags;
  if (Object.keys(errors).length) return { errors };
  return {
    body: {
      name: form.name.trim(),
      kind: form.kind,
      vendor: orNull(form.vendor),
      model: orNull(form.model),
      serial_number: orNull(form.serial_number),
      oui: orNull(form.oui),
      product_class: orNull(form.product_class),
      mac: orNull(form.mac),
      management_ip: orNull(form.management_ip),
      pop_id: form.pop_id || null,
      customer_id: form.customer_id || null,
      notes: orNull(form.notes),
      tags: form.tags,
    },
    errors,
  };
}

export interface GroupFilter {
  vendor?: string;
  model?: string;
  pop_id?: string;
  status?: DeviceStatus;
  kind?: DeviceKind;
  tag?: string;
}

export interface GroupRecord {
  id: string;
  name: string;
  description?: string;
  kind: "static" | "dynamic";
  filter?: GroupFilter;
  device_count: number;
  created_at: string;
  updated_at: string;
}

export interface GroupForm {
  name: string;
  description: string;
  kind: "static" | "dynamic";
  vendor: string;
  model: string;
  pop_id: string;
  status: string;
  device_kind: string;
  tag: string;
}

export const emptyGroup = (): GroupForm => ({ name: "", description: "", kind: "static", vendor: "", model: "", pop_id: "", status: "", device_kind: "", tag: "" });

export const groupToForm = (g: GroupRecord): GroupForm => ({
  name: g.name,
  description: g.description ?? "",
  kind: g.kind,
  vendor: g.filter?.vendor ?? "",
  model: g.filter?.model ?? "",
  pop_id: g.filter?.pop_id ?? "",
  status: g.filter?.status ?? "",
  device_kind: g.filter?.kind ?? "",
  tag: g.filter?.tag ?? "",
});

/**
 * The body of POST /device-groups (create: with the kind) or PATCH /device-groups/{id} (edit: the
 * kind never changes). A dynamic group needs at least one filter field.
 */
export function groupBody(form: GroupForm, check: Check, existing?: GroupRecord): { body?: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!form.name.trim()) errors.name = check("required");
  else if (form.name.trim().length > 200) errors.name = check("maxChars", { max: 200 });
  let filter: GroupFilter | undefined;
  if (form.kind === "dynamic") {
    filter = {};
    if (form.vendor.trim()) filter.vendor = form.vendor.trim();
    if (form.model.trim()) filter.model = form.model.trim();
    if (form.pop_id) filter.pop_id = form.pop_id;
    if (form.status) filter.status = form.status as DeviceStatus;
    if (form.device_kind) filter.kind = form.device_kind as DeviceKind;
    if (form.tag.trim()) filter.tag = form.tag.trim();
    if (!Object.keys(filter).length) errors.filter = check("groupFilter");
  }
  if (Object.keys(errors).length) return { errors };
  const body: Record<string, unknown> = { name: form.name.trim(), description: orNull(form.description) };
  if (!existing) body.kind = form.kind;
  if (filter) body.filter = filter;
  return { body, errors };
}

/** The collectors whose poll interval a device may override (CollectorKind in the API). */
export const COLLECTORS = ["system", "health", "interfaces", "optics", "neighbors", "bgp", "sessions"] as const;
export type Collector = (typeof COLLECTORS)[number];

/** GET /devices/{id}/snmp, the part the interval form uses. */
export interface SnmpPolling {
  enabled: boolean;
  /** Effective seconds per collector (defaults merged with the overrides). */
  intervals: Record<string, number>;
  /** The device's own overrides, in seconds. */
  interval_overrides: Record<string, number>;
}

/** Minutes per collector as typed; "" keeps the platform default. */
export type IntervalForm = Record<Collector, string>;

export function intervalsToForm(polling: SnmpPolling): IntervalForm {
  const form = {} as IntervalForm;
  for (const c of COLLECTORS) {
    const seconds = polling.interval_overrides[c];
    form[c] = seconds === undefined ? "" : String(Math.round(seconds / 60));
  }
  return form;
}

/**
 * The body of PATCH /devices/{id}/snmp: `intervals` replaces the overrides, in seconds; whole minutes
 * from 1 to 1,440 (the API's 60 s…1 day), empty for the default.
 */
export function intervalsBody(enabled: boolean, form: IntervalForm, check: Check): { body?: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const intervals: Record<string, number> = {};
  for (const c of COLLECTORS) {
    const text = form[c].trim();
    if (!text) continue;
    const minutes = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(minutes >= 1 && minutes <= 1440)) errors[c] = check("minutes", { min: 1, max: 1440 });
    else intervals[c] = minutes * 60;
  }
  if (Object.keys(errors).length) return { errors };
  return { body: { enabled, intervals }, errors };
}
