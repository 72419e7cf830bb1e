import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { ApiClient, ApiError } from "../lib/api";
import { AppContext, permissionCheck, useOnline, usePreference, type AppServices } from "../lib/app";
import { prefixesForTopic, QueryCache } from "../lib/cache";
import { createTranslator, I18nContext, type Locale } from "../lib/i18n";
import { persist } from "../lib/persist";
import { RealtimeClient } from "../lib/realtime";
import { resolve, useLocation } from "../lib/router";
import type { Me, Page, Provider } from "../lib/types";
import { AlertsBoard } from "../features/alerts/AlertsBoard";
import { IncidentList, IncidentPage } from "../features/alerts/Incidents";
import { SignIn } from "../features/auth/SignIn";
import { DeviceList } from "../features/devices/DeviceList";
import { DevicePage } from "../features/devices/DevicePage";
import { Home } from "../features/home/Home";
import { ToolsPage } from "../features/tools/ToolsPage";
import { ReportsPage } from "../features/reports/Reports";
import { ErrorNote, Loading } from "../ui/States";
import { LanguageSwitch, Shell, type Theme } from "./Shell";

const ROUTES = [
  "/",
  "/devices",
  "/devices/:id",
  "/alerts",
  "/alerts/rules",
  "/alerts/rules/new",
  "/alerts/rules/:id",
  "/alerts/silences",
  "/alerts/maintenance",
  "/alerts/channels",
  "/alerts/channels/new",
  "/alerts/channels/:id",
  "/alerts/:id",
  "/incidents",
  "/incidents/:id",
  "/tools",
  "/reports",
  // Set-up checklist, monitoring set-up and the hierarchy (POPs, customers).
  "/setup",
  "/setup/snmp",
  "/setup/discovery",
  "/network",
  "/network/pops/:id",
  "/network/customers",
  "/network/customers/:id",
  "/jobs",
] as const;

// The alert configuration screens load on first visit (their own chunks, outside the initial bundle).
const RuleList = lazy(() => import("../features/alerts/Rules").then((m) => ({ default: m.RuleList })));
const RuleEditor = lazy(() => import("../features/alerts/Rules").then((m) => ({ default: m.RuleEditor })));
const Silences = lazy(() => import("../features/alerts/Suppression").then((m) => ({ default: m.Silences })));
const MaintenanceWindows = lazy(() => import("../features/alerts/Suppression").then((m) => ({ default: m.MaintenanceWindows })));
const ChannelList = lazy(() => import("../features/alerts/Channels").then((m) => ({ default: m.ChannelList })));
const ChannelEditor = lazy(() => import("../features/alerts/Channels").then((m) => ({ default: m.ChannelEditor })));
const AlertDetail = lazy(() => import("../features/alerts/AlertDetail").then((m) => ({ default: m.AlertDetail })));
// The set-up and hierarchy screens, lazy as well.
const SetupChecklist = lazy(() => import("../features/setup/Checklist").then((m) => ({ default: m.SetupChecklist })));
const SnmpCredentials = lazy(() => import("../features/setup/SnmpCredentials").then((m) => ({ default: m.SnmpCredentials })));
const DiscoveryRanges = lazy(() => import("../features/setup/Discovery").then((m) => ({ default: m.DiscoveryRanges })));
const NetworkHome = lazy(() => import("../features/hierarchy/Network").then((m) => ({ default: m.NetworkHome })));
const PopPage = lazy(() => import("../features/hierarchy/Network").then((m) => ({ default: m.PopPage })));
const CustomerList = lazy(() => import("../features/hierarchy/Customers").then((m) => ({ default: m.CustomerList })));
const CustomerPage = lazy(() => import("../features/hierarchy/Customers").then((m) => ({ default: m.CustomerPage })));
const JobsPage = lazy(() => import("../features/jobs/JobsPage").then((m) => ({ default: m.JobsPage })));

/** Services shared by the whole tab: one API client, one cache, one WebSocket. */
function createServices() {
  const api = new ApiClient(window.localStorage);
  let lastData: number | null = null;
  // Saved answers are per provider acted in; without the network, the last saved answer is shown.
  const savedKey = (url: string) => `${api.providerId ?? "-"} ${url}`;
  const cache = new QueryCache(async (url) => {
    try {
      const data = await api.get(url);
      lastData = Date.now();
      persist.put(savedKey(url), data);
      return data;
    } catch (error) {
      const saved = error instanceof ApiError && error.code === "network" ? await persist.get(savedKey(url)) : undefined;
      if (!saved) throw error;
      lastData = Math.max(lastData ?? 0, saved.at);
      return saved.data;
    }
  });
  const realtime = new RealtimeClient({
    url: () => {
      const token = api.accessToken;
      if (!token) return null;
      const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
      const provider = api.providerId ? `&provider_id=${encodeURIComponent(api.providerId)}` : "";
      return `${scheme}//${window.location.host}/api/v1/ws?access_token=${encodeURIComponent(token)}${provider}`;
    },
  });
  realtime.onEvent((event) => cache.invalidate(...prefixesForTopic(event.topic)));
  // Events missed while disconnected: everything shown is refetched after a reconnect.
  let wasOpen = false;
  realtime.onState((state) => {
    if (state === "open" && wasOpen) cache.invalidate("/api/v1/");
    if (state === "open") wasOpen = true;
    // The server closes the socket when the access token expires (or the account is disabled): one
    // authenticated request renews the token (or signs out), so the next reconnect can succeed.
    if (state === "closed") api.me().catch(() => undefined);
  });
  return { api, cache, realtime, lastData: () => lastData };
}

export function App() {
  const services = useMemo(createServices, []);
  const { api, cache, realtime } = services;
  const [locale, setLocale] = usePreference<Locale>("octoisp.locale", "pt-BR");
  const [theme, setTheme] = usePreference<Theme>("octoisp.theme", "system");
  const [me, setMe] = useState<Me | null>(null);
  const [phase, setPhase] = useState<"signin" | "loading" | "ready" | "error">(api.signedIn ? "loading" : "signin");
  const [bootError, setBootError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | undefined>();
  const [providerVersion, setProviderVersion] = useState(0);
  const online = useOnline();
  const location = useLocation();
  const i18n = useMemo(() => createTranslator(locale), [locale]);

  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = i18n.t("app.name");
  }, [locale, i18n]);
  useEffect(() => {
    if (theme === "system") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);

  useEffect(
    () =>
      api.onSignedOut(() => {
        realtime.stop();
        cache.clear();
        persist.clear();
        setMe(null);
        setNotice(i18n.t("auth.expired"));
        setPhase("signin");
      }),
    [api, realtime, cache, i18n],
  );

  useEffect(() => {
    if (phase !== "loading") return;
    let cancelled = false;
    (async () => {
      try {
        const caller = await api.me().then(
          (me) => (persist.put("me", me), me),
          async (error) => {
            // Offline with a session: the caller as last seen, so the cached pages can be shown.
            const saved = error instanceof ApiError && error.code === "network" && api.signedIn ? await persist.get("me") : undefined;
            if (!saved) throw error;
            return saved.data as Me;
          },
        );
        if (caller.global_admin && navigator.onLine) {
          const providers = await api.get<Page<Provider>>("/api/v1/providers?limit=500");
          if (!providers.items.some((p) => p.id === api.providerId)) api.setProvider(providers.items[0]?.id ?? null);
        } else {
          api.setProvider(null);
        }
        if (cancelled) return;
        setMe(caller);
        setPhase("ready");
        // A Global Admin without any provider yet has nothing to subscribe to (the socket would be
        // refused); it starts when the set-up checklist creates the first provider.
        if (!caller.global_admin || api.providerId) realtime.start();
      } catch (error) {
        if (cancelled) return;
        if (!api.signedIn) setPhase("signin");
        else {
          setBootError(error);
          setPhase("error");
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [phase, api, realtime]);

  const language = <LanguageSwitch locale={locale} onChange={setLocale} />;
  let body: JSX.Element;
  if (phase === "signin") {
    body = (
      <SignIn
        api={api}
        notice={notice}
        languageSwitch={language}
        onSignedIn={() => {
          setNotice(undefined);
          setPhase("loading");
        }}
      />
    );
  } else if (phase === "error") {
    body = (
      <main className="content" id="main">
        <ErrorNote error={bootError} retry={() => setPhase("loading")} />
      </main>
    );
  } else if (phase === "loading" || !me) {
    body = (
      <main className="content" id="main">
        <Loading />
      </main>
    );
  } else {
    const value: AppServices = { api, cache, realtime, me, online, can: permissionCheck(me) };
    const match = resolve(ROUTES, location.path);
    const switchProvider = (id: string) => {
      api.setProvider(id);
      cache.clear();
      realtime.stop();
      realtime.start();
      setProviderVersion((v) => v + 1);
    };
    let screen: JSX.Element;
    switch (match?.pattern) {
      case "/":
        // The landing screen is the first one the caller may see; a Global Admin without any provider
        // yet lands on the set-up checklist.
        screen = me.global_admin && !api.providerId ? <SetupChecklist path="/setup" onProvider={switchProvider} /> : value.can("devices.read") ? <Home theme={theme} /> : value.can("alerts.read") ? <AlertsBoard query={location.query} path="/alerts" /> : <ErrorNote error={new ApiError(403, "forbidden", "")} />;
        break;
      case "/devices":
        screen = <DeviceList query={location.query} />;
        break;
      case "/devices/:id":
        screen = <DevicePage id={match.params.id} query={location.query} />;
        break;
      case "/alerts":
        screen = <AlertsBoard query={location.query} path={location.path} />;
        break;
      case "/alerts/rules":
        screen = <RuleList path={location.path} />;
        break;
      case "/alerts/rules/new":
        screen = <RuleEditor key="new" path={location.path} />;
        break;
      case "/alerts/rules/:id":
        screen = <RuleEditor key={match.params.id} id={match.params.id} path={location.path} />;
        break;
      case "/alerts/silences":
        screen = <Silences path={location.path} query={location.query} />;
        break;
      case "/alerts/maintenance":
        screen = <MaintenanceWindows path={location.path} />;
        break;
      case "/alerts/channels":
        screen = <ChannelList path={location.path} />;
        break;
      case "/alerts/channels/new":
        screen = <ChannelEditor key="new" path={location.path} />;
        break;
      case "/alerts/channels/:id":
        screen = <ChannelEditor key={match.params.id} id={match.params.id} path={location.path} />;
        break;
      case "/alerts/:id":
        screen = <AlertDetail id={match.params.id} path={location.path} />;
        break;
      case "/incidents":
        screen = <IncidentList path={location.path} />;
        break;
      case "/incidents/:id":
        screen = <IncidentPage id={match.params.id} path={location.path} />;
        break;
      case "/tools":
        screen = <ToolsPage theme={theme} query={location.query} />;
        break;
      case "/reports":
        screen = <ReportsPage />;
        break;
      case "/setup":
        screen = <SetupChecklist path={location.path} onProvider={switchProvider} />;
        break;
      case "/setup/snmp":
        screen = <SnmpCredentials path={location.path} />;
        break;
      case "/setup/discovery":
        screen = <DiscoveryRanges path={location.path} />;
        break;
      case "/network":
        screen = <NetworkHome path={location.path} query={location.query} />;
        break;
      case "/network/pops/:id":
        screen = <PopPage key={match.params.id} id={match.params.id} path={location.path} />;
        break;
      case "/network/customers":
        screen = <CustomerList path={location.path} query={location.query} />;
        break;
      case "/network/customers/:id":
        screen = <CustomerPage key={match.params.id} id={match.params.id} path={location.path} />;
        break;
      case "/jobs":
        screen = value.can("settings.read") ? <JobsPage query={location.query} /> : <ErrorNote error={new ApiError(403, "forbidden", "")} />;
        break;
      default:
        screen = <p className="note">{i18n.t("common.notFound")}</p>;
    }
    body = (
      <AppContext.Provider value={value}>
        <Shell
          key={providerVersion}
          path={location.path}
          locale={locale}
          onLocale={setLocale}
          theme={theme}
          onTheme={setTheme}
          lastData={services.lastData}
          onProvider={switchProvider}
          onSignOut={async () => {
            realtime.stop();
            await api.logout();
            cache.clear();
            await persist.clear();
            setMe(null);
            setNotice(undefined);
            setPhase("signin");
          }}
        >
          <Suspense fallback={<Loading />}>{screen}</Suspense>
        </Shell>
      </AppContext.Provider>
    );
  }
  return <I18nContext.Provider value={i18n}>{body}</I18nContext.Provider>;
}
