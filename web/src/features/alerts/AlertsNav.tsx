// The Alertas section's sub-navigation, kept apart from the lazy screens' shared code so the board
// and the incidents (in the initial bundle) do not pull it in.
import { useI18n, type MessageKey } from "../../lib/i18n";
import { Link } from "../../lib/router";

const SECTIONS: { href: string; label: MessageKey; write?: boolean }[] = [
  { href: "/alerts", label: "alertsNav.board" },
  { href: "/incidents", label: "nav.incidents" },
  { href: "/alerts/rules", label: "alertsNav.rules" },
  { href: "/alerts/silences", label: "alertsNav.silences" },
  { href: "/alerts/maintenance", label: "alertsNav.maintenance" },
  { href: "/alerts/channels", label: "alertsNav.channels" },
];

/** The tabs of the Alertas section; the current one is marked. */
export function AlertsNav(props: { path: string }) {
  const { t } = useI18n();
  const current = (href: string) =>
    href === "/alerts" ? props.path === "/alerts" || /^\/alerts\/[0-9a-f-]{36}$/.test(props.path) : props.path === href || props.path.startsWith(href + "/");
  return (
    <nav className="subnav" aria-label={t("alertsNav.label")}>
      <ul>
        {SECTIONS.map((s) => (
          <li key={s.href}>
            <Link href={s.href} aria-current={current(s.href) ? "page" : undefined}>
              {t(s.label)}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** The translation of `key`, or `fallback` when the dictionary has none (values the API may add). */
export function labelOf(t: (key: MessageKey) => string, key: string, fallback: string): string {
  const text = t(key as MessageKey);
  return text === key ? fallback : text;
}
