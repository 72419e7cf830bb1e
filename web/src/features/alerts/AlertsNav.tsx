// The Alertas section's sub-navigation, kept apart from the lazy screens' shared code so the board
// and the incidents (in the initial bundle) do not pull it in.
import type { MessageKey } from "../../lib/i18n";
import { SubNav, type SubNavSection } from "../../ui/SubNav";

const SECTIONS: SubNavSection[] = [
  { href: "/alerts", label: "alertsNav.board" },
  { href: "/incidents", label: "nav.incidents" },
  { href: "/alerts/rules", label: "alertsNav.rules" },
  { href: "/alerts/silences", label: "alertsNav.silences" },
  { href: "/alerts/maintenance", label: "alertsNav.maintenance" },
  { href: "/alerts/channels", label: "alertsNav.channels" },
];

/** The tabs of the Alertas section; the current one is marked. */
export function AlertsNav(props: { path: string }) {
  const current = (href: string) =>
    href === "/alerts" ? props.path === "/alerts" || /^\/alerts\/[0-9a-f-]{36}$/.test(props.path) : props.path === href || props.path.startsWith(href + "/");
  return <SubNav label="alertsNav.label" sections={SECTIONS} current={current} />;
}

/** The translation of `key`, or `fallback` when the dictionary has none (values the API may add). */
export function labelOf(t: (key: MessageKey) => string, key: string, fallback: string): string {
  const text = t(key as MessageKey);
  return text === key ? fallback : text;
}
