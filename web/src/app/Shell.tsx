import { useEffect, useState, type ReactNode } from "react";
import { useApp, useConnectionState, useQuery } from "../lib/app";
import { useI18n, type Locale, type MessageKey } from "../lib/i18n";
import { Link } from "../lib/router";
import type { Page, Provider } from "../lib/types";

export type Theme = "system" | "light" | "dark";

export function LanguageSwitch(props: { locale: Locale; onChange: (locale: Locale) => void }) {
  const { t } = useI18n();
  return (
    <div className="field field-inline">
      <label htmlFor="language">{t("shell.language")}</label>
      <select id="language" value={props.locale} onChange={(e) => props.onChange(e.target.value as Locale)} data-testid="language">
        <option value="pt-BR" lang="pt-BR">
          Português (BR)
        </option>
        <option value="en" lang="en">
          English
        </option>
      </select>
    </div>
  );
}

/** The frame around every screen: navigation by permission, provider switcher, settings, connection state. */
export function Shell(props: {
  path: string;
  children: ReactNode;
  locale: Locale;
  onLocale: (locale: Locale) => void;
  theme: Theme;
  onTheme: (theme: Theme) => void;
  onProvider: (id: string) => void;
  onSignOut: () => void;
  lastData: () => number | null;
}) {
  const { t } = useI18n();
  const { me, can, realtime, online } = useApp();
  const live = useConnectionState(realtime);
  const providers = useQuery<Page<Provider>>(me.global_admin ? "/api/v1/providers?limit=500" : null);
  const { api } = useApp();
  const nav: { href: string; label: MessageKey; show: boolean }[] = [
    { href: "/", label: "nav.home", show: can("devices.read") },
    { href: "/devices", label: "nav.devices", show: can("devices.read") },
    { href: "/alerts", label: "nav.alerts", show: can("alerts.read") },
    { href: "/tools", label: "nav.tools", show: can("tools.read") },
    { href: "/reports", label: "nav.reports", show: can("reports.read") },
    { href: "/network", label: "nav.network", show: can("pops.read") || can("customers.read") },
    { href: "/setup", label: "nav.setup", show: me.global_admin || can("settings.read") || can("monitoring.read") },
    { href: "/jobs", label: "nav.jobs", show: can("settings.read") },
  ];
  // The Alertas section holds the board, incidents, rules, silences, maintenance and channels.
  const active = (href: string) => (href === "/" ? props.path === "/" : props.path.startsWith(href) || (href === "/alerts" && props.path.startsWith("/incidents")));
  return (
    <div className="shell">
      <a className="skip" href="#main">
        {t("app.skip")}
      </a>
      <header className="topbar">
        <Link href="/" className="brand">
          <img src="/icons/icon.svg" alt="" width={28} height={28} />
          <span>{t("app.name")}</span>
        </Link>
        <nav aria-label={t("nav.menu")} className="nav">
          <ul>
            {nav
              .filter((n) => n.show)
              .map((n) => (
                <li key={n.href}>
                  <Link href={n.href} aria-current={active(n.href) ? "page" : undefined}>
                    {t(n.label)}
                  </Link>
                </li>
              ))}
          </ul>
        </nav>
        <div className="topbar-tools">
          {me.global_admin && providers.data && (
            <div className="field field-inline">
              <label htmlFor="provider">{t("shell.provider")}</label>
              <select id="provider" value={api.providerId ?? ""} onChange={(e) => props.onProvider(e.target.value)} data-testid="provider">
                {!api.providerId && <option value="">{t("shell.providerChoose")}</option>}
                {providers.data.items.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            </div>
          )}
          <LanguageSwitch locale={props.locale} onChange={props.onLocale} />
          <div className="field field-inline">
            <label htmlFor="theme">{t("shell.theme")}</label>
            <select id="theme" value={props.theme} onChange={(e) => props.onTheme(e.target.value as Theme)}>
              {(["system", "light", "dark"] as const).map((theme) => (
                <option key={theme} value={theme}>
                  {t(`shell.theme.${theme}` as MessageKey)}
                </option>
              ))}
            </select>
          </div>
          <span className={`live live-${live}`} role="status" data-testid="live">
            <span className="dot" aria-hidden="true" />
            {t(`shell.live.${live}` as MessageKey)}
          </span>
          <span className="who" title={me.role}>
            {me.label}
          </span>
          <button type="button" className="btn btn-small" onClick={props.onSignOut}>
            {t("shell.signOut")}
          </button>
        </div>
      </header>
      {!online && <OfflineBanner lastData={props.lastData} />}
      <main id="main" className="content" tabIndex={-1}>
        {/* Without a provider, a Global Admin can only reach the set-up checklist (which creates one). */}
        {me.global_admin && !api.providerId && props.path !== "/" && props.path !== "/setup" ? (
          <p className="note">
            {t("shell.providerNeeded")} <Link href="/setup">{t("nav.setup")}</Link>
          </p>
        ) : (
          props.children
        )}
      </main>
    </div>
  );
}

/** While offline: how old the data on screen is (saved answers arrive after the first render). */
function OfflineBanner(props: { lastData: () => number | null }) {
  const { t, time } = useI18n();
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  const at = props.lastData();
  return (
    <p className="banner" role="status" data-testid="offline">
      {at ? t("shell.offline", { time: time(at) }) : t("shell.offlineNoData")}
    </p>
  );
}
