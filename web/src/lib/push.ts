// Web Push helpers: the browser's subscription in the shape the API takes, and the VAPID key as the
// bytes PushManager.subscribe wants. Pure functions, unit-tested in Node.

/** base64url (no padding) to bytes: the `applicationServerKey` for `PushManager.subscribe`. */
export function base64UrlToBytes(text: string): Uint8Array {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** What `PushSubscription.toJSON()` gives. */
export interface BrowserSubscription {
  endpoint?: string;
  expirationTime?: number | null;
  keys?: Record<string, string>;
}

/** The body of `POST /api/v1/me/push-subscriptions`: endpoint and keys only (the API refuses other members). */
export function subscriptionBody(json: BrowserSubscription, minSeverity: "info" | "warning" | "critical") {
  if (!json.endpoint || !json.keys || !json.keys.p256dh || !json.keys.auth) {
    throw new Error("the browser gave a subscription without endpoint or keys");
  }
  return { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth }, min_severity: minSeverity };
}

/** Whether this browser can receive Web Push at all. */
export function pushSupported(): boolean {
  return typeof window !== "undefined" && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}
