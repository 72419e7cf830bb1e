// What every screen reaches through context: the API client, the cache, the realtime client, the
// caller and its permissions, and the connection state. Plus the hooks built on them.
import { createContext, useCallback, useContext, useEffect, useState, useSyncExternalStore } from "react";
import type { ApiClient } from "./api";
import type { Entry, QueryCache } from "./cache";
import type { ConnectionState, RealtimeClient } from "./realtime";
import type { Me, Permission } from "./types";

export interface AppServices {
  api: ApiClient;
  cache: QueryCache;
  realtime: RealtimeClient;
  me: Me;
  online: boolean;
  /** Whether the caller holds `permission` (effective permissions from GET /me). */
  can(permission: Permission): boolean;
}

export const AppContext = createContext<AppServices | null>(null);

export function useApp(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error("useApp outside AppContext");
  return services;
}

export const permissionCheck = (me: Me) => (permission: Permission) => me.permissions.includes(permission);

/** The cached answer of GET `url` (null: nothing to load), loaded on first use, live on invalidation. */
export function useQuery<T>(url: string | null): Entry<T> & { reload: () => void } {
  const { cache } = useApp();
  const subscribe = useCallback((notify: () => void) => (url ? cache.subscribe(url, notify) : () => undefined), [cache, url]);
  const entry = useSyncExternalStore(subscribe, () => (url ? cache.get<T>(url) : undefined));
  useEffect(() => {
    if (url) cache.load(url).catch(() => undefined);
  }, [cache, url]);
  const reload = useCallback(() => {
    if (url) cache.load(url, true).catch(() => undefined);
  }, [cache, url]);
  return { ...(entry ?? { loading: url !== null, stale: false }), reload };
}

/** Subscribes to realtime `topics` while mounted. */
export function useTopics(...topics: string[]): void {
  const { realtime } = useApp();
  const joined = topics.join(" ");
  useEffect(() => {
    const offs = joined.split(" ").filter(Boolean).map((t) => realtime.subscribe(t));
    return () => offs.forEach((off) => off());
  }, [realtime, joined]);
}

export function useConnectionState(realtime: RealtimeClient): ConnectionState {
  const [state, setState] = useState(realtime.state);
  useEffect(() => realtime.onState(setState), [realtime]);
  return state;
}

/** Browser online/offline. */
export function useOnline(): boolean {
  const [online, setOnline] = useState(typeof navigator === "undefined" ? true : navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener("online", on);
    window.addEventListener("offline", off);
    return () => {
      window.removeEventListener("online", on);
      window.removeEventListener("offline", off);
    };
  }, []);
  return online;
}

/** A stored preference (theme, language) with a setter. */
export function usePreference<T extends string>(key: string, fallback: T): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => (localStorage.getItem(key) as T | null) ?? fallback);
  const set = useCallback(
    (next: T) => {
      localStorage.setItem(key, next);
      setValue(next);
    },
    [key],
  );
  return [value, set];
}
