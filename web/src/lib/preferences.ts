// The signed-in person's preferences (GET/PATCH /api/v1/me/preferences). The server copy follows the
// person to any browser; a local copy in localStorage paints the first screen (and the sign-in page)
// before the server answers and keeps changes made offline until they can be sent.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, type ApiClient } from "./api";
import type { Locale } from "./i18n";

export type Theme = "system" | "light" | "dark";
export type Density = "comfortable" | "compact";

export interface Preferences {
  theme: Theme;
  locale: Locale;
  density: Density;
  /** IANA zone; null: the dashboard's default (America/Sao_Paulo). */
  time_zone: string | null;
  default_pop_id: string | null;
  /** Per help module, the ids of the steps the person ticked. */
  help_progress: Record<string, string[]>;
  updated_at?: string | null;
}

/** A change: any plain field, and for help progress the modules named (each replaced whole). */
export type PreferencesPatch = Partial<Omit<Preferences, "updated_at">>;
export type Field = Exclude<keyof Preferences, "help_progress" | "updated_at">;
const FIELDS: Field[] = ["theme", "locale", "density", "time_zone", "default_pop_id"];

/** The local copy: the values last seen or set here, and what was changed here but not yet saved. */
export interface LocalCopy {
  values: Preferences;
  /** Whose server copy these values came from (changes pending for another person are dropped). */
  user?: string;
  /** Plain fields changed here and not yet accepted by the server. */
  pending: Field[];
  /** Help modules changed here and not yet accepted by the server. */
  pendingHelp: string[];
}

export const DEFAULTS: Preferences = { theme: "system", locale: "pt-BR", density: "comfortable", time_zone: null, default_pop_id: null, help_progress: {} };
export const STORAGE_KEY = "octoisp.preferences";

/** Reads the local copy; older dashboards kept only `octoisp.locale` and `octoisp.theme`. */
export function readLocal(storage: Pick<Storage, "getItem">): LocalCopy {
  try {
    const saved = JSON.parse(storage.getItem(STORAGE_KEY) ?? "null") as LocalCopy | null;
    if (saved && saved.values) {
      return { values: { ...DEFAULTS, ...saved.values }, user: saved.user, pending: saved.pending ?? [], pendingHelp: saved.pendingHelp ?? [] };
    }
  } catch {
    // A damaged copy is ignored: the server's answer replaces it.
  }
  const locale = storage.getItem("octoisp.locale");
  const theme = storage.getItem("octoisp.theme");
  return {
    values: { ...DEFAULTS, locale: locale === "en" ? "en" : "pt-BR", theme: theme === "light" || theme === "dark" ? theme : "system" },
    pending: [],
    pendingHelp: [],
  };
}

export function writeLocal(storage: Pick<Storage, "setItem">, copy: LocalCopy): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(copy));
  // The sign-in page of this browser speaks the last language chosen here.
  storage.setItem("octoisp.locale", copy.values.locale);
  storage.setItem("octoisp.theme", copy.values.theme);
}

/** A change made here: applied to the local values at once and remembered as pending. */
export function applyLocal(copy: LocalCopy, patch: PreferencesPatch): LocalCopy {
  const values: Preferences = { ...copy.values, help_progress: { ...copy.values.help_progress } };
  const pending = new Set(copy.pending);
  const pendingHelp = new Set(copy.pendingHelp);
  for (const field of FIELDS) {
    if (field in patch) {
      (values as unknown as Record<string, unknown>)[field] = patch[field];
      pending.add(field);
    }
  }
  for (const [module, steps] of Object.entries(patch.help_progress ?? {})) {
    if (steps.length) values.help_progress[module] = [...new Set(steps)];
    else delete values.help_progress[module];
    pendingHelp.add(module);
  }
  return { values, user: copy.user, pending: [...pending], pendingHelp: [...pendingHelp] };
}

/**
 * The server's preferences merged with the local copy: the server wins, except for what was changed
 * here and not yet saved (made offline, or before the server answered), which wins and is returned as
 * the `patch` to send. `patch` is null when nothing needs sending.
 */
export function mergePreferences(server: Preferences, local: LocalCopy): { values: Preferences; patch: PreferencesPatch | null } {
  const values: Preferences = { ...DEFAULTS, ...server, help_progress: { ...(server.help_progress ?? {}) } };
  const patch: PreferencesPatch = {};
  let changed = false;
  for (const field of local.pending) {
    const mine = local.values[field];
    if (mine === values[field]) continue;
    (values as unknown as Record<string, unknown>)[field] = mine;
    (patch as Record<string, unknown>)[field] = mine;
    changed = true;
  }
  const help: Record<string, string[]> = {};
  for (const module of local.pendingHelp) {
    const mine = local.values.help_progress[module] ?? [];
    const theirs = values.help_progress[module] ?? [];
    if (mine.length === theirs.length && mine.every((step, i) => step === theirs[i])) continue;
    if (mine.length) values.help_progress[module] = mine;
    else delete values.help_progress[module];
    help[module] = mine;
    changed = true;
  }
  if (Object.keys(help).length) patch.help_progress = help;
  return { values, patch: changed ? patch : null };
}

/** After the server accepted `sent`: what is still pending (changes made meanwhile stay pending). */
export function settle(copy: LocalCopy, sent: PreferencesPatch, server: Preferences): LocalCopy {
  const stillMine = (field: Field) => !(field in sent) || sent[field] !== copy.values[field];
  const pending = copy.pending.filter(stillMine);
  const sentHelp = sent.help_progress ?? {};
  const pendingHelp = copy.pendingHelp.filter((module) => {
    if (!(module in sentHelp)) return true;
    const now = copy.values.help_progress[module] ?? [];
    const was = sentHelp[module];
    return !(now.length === was.length && now.every((step, i) => step === was[i]));
  });
  return { values: mergePreferences(server, { ...copy, pending, pendingHelp }).values, user: copy.user, pending, pendingHelp };
}

/** The local copy for `user` signing in: changes left pending by someone else are not theirs. */
export function forUser(copy: LocalCopy, user: string): LocalCopy {
  return copy.user && copy.user !== user ? { values: copy.values, user, pending: [], pendingHelp: [] } : { ...copy, user };
}

/** What screens reach: the current preferences and a setter that applies at once and saves. */
export interface PreferencesContextValue {
  values: Preferences;
  update(patch: PreferencesPatch): void;
  /** Whether the last save failed (shown on the preferences screen). */
  saveError: unknown;
  saving: boolean;
}

export const PreferencesContext = createContext<PreferencesContextValue>({
  values: DEFAULTS,
  update: () => undefined,
  saveError: null,
  saving: false,
});
export const usePreferences = () => useContext(PreferencesContext);

/** The preferences of the tab: local copy at once, server copy after sign-in, changes saved as made. */
export function usePreferenceStore(api: ApiClient, storage: Storage) {
  const [copy, setCopy] = useState(() => readLocal(storage));
  const current = useRef(copy);
  const [saving, setSaving] = useState(0);
  const [saveError, setSaveError] = useState<unknown>(null);
  const commit = useCallback(
    (next: LocalCopy) => {
      current.current = next;
      writeLocal(storage, next);
      setCopy(next);
    },
    [storage],
  );
  // One save at a time, in the order made: two quick changes of the same field end with the last.
  const queue = useRef<Promise<void>>(Promise.resolve());
  const sendNow = useCallback(
    async (patch: PreferencesPatch) => {
      try {
        const server = await api.request<Preferences>("PATCH", "/api/v1/me/preferences", patch);
        commit(settle(current.current, patch, server));
        setSaveError(null);
      } catch (error) {
        setSaveError(error);
        // Refused (not merely unsent): the server's values stand.
        if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 401) {
          const server = await api.get<Preferences>("/api/v1/me/preferences").catch(() => null);
          if (server) commit(settle(current.current, patch, server));
        }
      } finally {
        setSaving((n) => n - 1);
      }
    },
    [api, commit],
  );
  const send = useCallback(
    (patch: PreferencesPatch) => {
      setSaving((n) => n + 1);
      return (queue.current = queue.current.then(() => sendNow(patch)));
    },
    [sendNow],
  );
  const update = useCallback(
    (patch: PreferencesPatch) => {
      commit(applyLocal(current.current, patch));
      if (api.signedIn) void send(patch);
    },
    [api, commit, send],
  );
  /** At sign-in: the server's copy, with what was changed here and not yet saved sent to it. */
  const sync = useCallback(
    async (user: string) => {
      const local = forUser(current.current, user);
      const server = await api.get<Preferences>("/api/v1/me/preferences");
      const merged = mergePreferences(server, local);
      commit({ ...local, values: merged.values });
      if (merged.patch) await send(merged.patch);
    },
    [api, commit, send],
  );
  const context = useMemo<PreferencesContextValue>(() => ({ values: copy.values, update, saveError, saving: saving > 0 }), [copy.values, update, saveError, saving]);
  return { context, sync };
}

/**
 * Where a POP filter starts: once, when a list opens without a POP in its address, `apply` the
 * person's default POP (when it is one of `pops`, the POPs the list offers).
 */
export function useDefaultPop(current: string | undefined, pops: readonly { id: string }[] | undefined, apply: (id: string) => void): void {
  const { values } = usePreferences();
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    if (current || !values.default_pop_id) {
      started.current = true;
      return;
    }
    if (!pops) return;
    started.current = true;
    if (pops.some((p) => p.id === values.default_pop_id)) apply(values.default_pop_id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [pops]);
}
