// A small client-side router: patterns like "/devices/:id", history API navigation, and a hook.
import { createElement, useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from "react";

export type Params = Record<string, string>;

export interface Match {
  pattern: string;
  params: Params;
}

/** Matches `path` against `pattern` ("/devices/:id"); trailing slashes are ignored. */
export function matchPath(pattern: string, path: string): Params | null {
  const split = (p: string) => p.split("/").filter((s) => s.length > 0);
  const want = split(pattern);
  const got = split(path);
  if (want.length !== got.length) return null;
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    if (w.startsWith(":")) {
      try {
        params[w.slice(1)] = decodeURIComponent(got[i]);
      } catch {
        return null;
      }
    } else if (w !== got[i]) {
      return null;
    }
  }
  return params;
}

/** The first pattern that matches `path`, in the order given. */
export function resolve(patterns: readonly string[], path: string): Match | null {
  for (const pattern of patterns) {
    const params = matchPath(pattern, path);
    if (params) return { pattern, params };
  }
  return null;
}

/** Query string to a plain object (last value wins). */
export function parseQuery(search: string): Record<string, string> {
  const out: Record<string, string> = {};
  new URLSearchParams(search.startsWith("?") ? search.slice(1) : search).forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

/** A query string from an object, skipping empty values; keys sorted so equal queries give equal URLs. */
export function buildQuery(values: Record<string, string | number | boolean | undefined | null>): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(values).sort()) {
    const v = values[key];
    if (v === undefined || v === null || v === "") continue;
    params.set(key, String(v));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export interface Location {
  path: string;
  query: Record<string, string>;
}

type Listener = (location: Location) => void;
const listeners = new Set<Listener>();

function current(): Location {
  return { path: window.location.pathname, query: parseQuery(window.location.search) };
}

/** Goes to `to` ("/devices?q=x"), pushing a history entry unless `replace`. */
export function navigate(to: string, replace = false): void {
  if (replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  const location = current();
  listeners.forEach((l) => l(location));
  if (!replace) window.scrollTo(0, 0);
}

/** The current location; re-renders on navigation and on back/forward. */
export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const onPop = () => setLocation(current());
    listeners.add(setLocation);
    window.addEventListener("popstate", onPop);
    return () => {
      listeners.delete(setLocation);
      window.removeEventListener("popstate", onPop);
    };
  }, []);
  return location;
}

/** An anchor that navigates without reloading (modifier clicks open new tabs as usual). */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const { onClick, ...rest } = props;
  return createElement("a", {
    ...rest,
    onClick: (event: MouseEvent<HTMLAnchorElement>) => {
      onClick?.(event);
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      navigate(props.href);
    },
  });
}
