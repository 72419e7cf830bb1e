// A fetch cache keyed by URL: one request in flight per key, subscribers re-render on change, and
// invalidation by key prefix (a realtime event on `devices` invalidates every `/devices…` entry).

export interface Entry<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  /** When `data` arrived (ms since epoch). */
  fetchedAt?: number;
  /** Set by invalidate(): the data is shown but a new fetch is due. */
  stale: boolean;
}

type Fetcher = (key: string) => Promise<unknown>;

export class QueryCache {
  private entries = new Map<string, Entry<unknown>>();
  private inflight = new Map<string, Promise<unknown>>();
  private listeners = new Map<string, Set<() => void>>();
  private generation = new Map<string, number>();

  constructor(private fetcher: Fetcher, private maxEntries = 200) {}

  get<T>(key: string): Entry<T> | undefined {
    return this.entries.get(key) as Entry<T> | undefined;
  }

  /** Fetches `key` unless it is fresh or already in flight. */
  load(key: string, force = false): Promise<unknown> {
    const entry = this.entries.get(key);
    if (!force && entry && !entry.stale && entry.data !== undefined) return Promise.resolve(entry.data);
    const running = this.inflight.get(key);
    if (running) return running;
    const generation = (this.generation.get(key) ?? 0) + 1;
    this.generation.set(key, generation);
    this.set(key, { ...(entry ?? { stale: false }), loading: true, error: undefined } as Entry<unknown>);
    const settle = () => {
      if (this.inflight.get(key) === promise) this.inflight.delete(key);
    };
    const promise: Promise<unknown> = this.fetcher(key).then(
      (data) => {
        settle();
        if (this.generation.get(key) === generation) this.set(key, { data, loading: false, fetchedAt: Date.now(), stale: false });
        return data;
      },
      (error) => {
        settle();
        if (this.generation.get(key) === generation) this.set(key, { ...(this.entries.get(key) ?? { stale: false }), loading: false, error } as Entry<unknown>);
        throw error;
      },
    );
    this.inflight.set(key, promise);
    return promise;
  }

  /** Stores data directly (e.g. restored from storage or the answer of a write). */
  set(key: string, entry: Entry<unknown>): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.evict();
    this.listeners.get(key)?.forEach((l) => l());
  }

  /** Marks every entry whose key starts with one of `prefixes` stale; watched ones refetch. */
  invalidate(...prefixes: string[]): string[] {
    const hit: string[] = [];
    for (const [key, entry] of [...this.entries]) {
      if (!prefixes.some((p) => key.startsWith(p))) continue;
      hit.push(key);
      entry.stale = true;
      this.inflight.delete(key);
      if (this.listeners.get(key)?.size) {
        this.load(key).catch(() => undefined);
      }
    }
    return hit;
  }

  /** Calls `listener` whenever `key` changes; returns the unsubscribe function. */
  subscribe(key: string, listener: () => void): () => void {
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size === 0) this.listeners.delete(key);
    };
  }

  clear(): void {
    this.entries.clear();
    this.inflight.clear();
    this.generation.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops the oldest unwatched entries beyond the bound (keeps long-open pages' memory flat). */
  private evict(): void {
    if (this.entries.size <= this.maxEntries) return;
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      if (!this.listeners.get(key)?.size) this.entries.delete(key);
    }
  }
}

/** Which cache prefixes a realtime topic invalidates. `devices/<id>` touches that device and lists. */
export function prefixesForTopic(topic: string): string[] {
  const [root, id] = topic.split("/");
  switch (root) {
    case "devices":
      return id ? [`/api/v1/devices/${id}`, "/api/v1/devices?", "/api/v1/dashboard/summary"] : ["/api/v1/devices", "/api/v1/dashboard/summary"];
    case "alerts":
      return ["/api/v1/alerts", "/api/v1/incidents"];
    case "tool-runs":
      return id ? [`/api/v1/tool-runs/${id}`, "/api/v1/tool-runs?"] : ["/api/v1/tool-runs"];
    case "incidents":
      return id ? [`/api/v1/incidents/${id}`, "/api/v1/incidents?"] : ["/api/v1/incidents", "/api/v1/alerts"];
    case "metrics":
      // Live values (`metrics/<series>`) are drawn by the charts that subscribed; cached answers stay.
      return [];
    default:
      return [`/api/v1/${root}`];
  }
}
