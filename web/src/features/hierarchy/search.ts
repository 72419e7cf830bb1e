// The hierarchy's search: the device list's own search (name, serial, MAC, IP, vendor, model) plus the
// devices of the customers whose name, document or ERP id match, merged without repeats.
import type { Device } from "../../lib/types";

export interface CustomerHit {
  id: string;
  name: string;
}

export interface DeviceHit {
  device: Device;
  /** The matching customer the device was found through, when the device itself did not match. */
  via?: CustomerHit;
}

/** How many matching customers have their devices looked up. */
export const CUSTOMER_FANOUT = 5;

/** Devices that match directly first (in the API's order), then those found through a customer. */
export function mergeDeviceHits(direct: Device[], viaCustomers: { customer: CustomerHit; devices: Device[] }[], limit = 50): DeviceHit[] {
  const seen = new Set<string>();
  const out: DeviceHit[] = [];
  for (const device of direct) {
    if (seen.has(device.id)) continue;
    seen.add(device.id);
    out.push({ device });
  }
  for (const { customer, devices } of viaCustomers) {
    for (const device of devices) {
      if (seen.has(device.id)) continue;
      seen.add(device.id);
      out.push({ device, via: customer });
    }
  }
  return out.slice(0, limit);
}

/** A search text worth sending: trimmed, at least two characters (one letter matches nearly everything). */
export function searchTerm(text: string | undefined): string | null {
  const q = (text ?? "").trim();
  return q.length >= 2 ? q : null;
}
