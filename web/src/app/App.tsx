import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { ApiClient, ApiError } from "../lib/api";
import { AppContext, permissionCheck, useOnline, type AppServices } from "../lib/app";
import { prefixesForTopic, QueryCache } from "../lib/cache";
import { createTranslator, DEFAULT_TIME_ZONE, I18nContext, type Locale } from "../lib/i18n";
import { persist } from "../lib/persist";
import { PreferencesContext, usePreferenceStore } from "../lib/preferences";
import { RealtimeClient } from "../lib/realtime";
import { navigate, resolve, useLocation } from "../lib/router";
import type { Me, Page, Provider } from "../lib/types";
import { AlertsBoard } from "../features/alerts/AlertsBoard";
import { IncidentList, IncidentPage } from "../features/alerts/Incidents";
import { SignIn } from "../features/auth/SignIn";
import { AcceptInvitation } from "../features/auth/AcceptInvitation";
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
  "/network/groups",
  "/network/groups/:id",
  "/jobs",
  // Administration: users, roles, API keys, audit; CPE credentials in set-up.
  "/admin",
  "/admin/users",
  "/admin/roles",
  "/admin/api-keys",
  "/admin/audit",
  "/setup/acs",
  // Provisioning: templates and rollouts.
  "/provisioning",
  "/provisioning/templates/new",
  "/provisioning/templates/:id",
  "/provisioning/rollouts",
  "/provisioning/rollouts/:id",
  "/preferences",
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
const UsersPage = lazy(() => import("../features/admin/Users").then((m) => ({ default: m.UsersPage })));
const RolesPage = lazy(() => import("../features/admin/Roles").then((m) => ({ default: m.RolesPage })));
const ApiKeysPage = lazy(() => import("../features/admin/ApiKeys").then((m) => ({ default: m.ApiKeysPage })));
const AuditPage = lazy(() => import("../features/admin/Audit").then((m) => ({ default: m.AuditPage })));
const AcsCredentials = lazy(() => import("../features/setup/AcsCredentials").then((m) => ({ default: m.AcsCredentials })));
const GroupList = lazy(() => import("../features/hierarchy/Groups").then((m) => ({ default: m.GroupList })));
const GroupPage = lazy(() => import("../features/hierarchy/Groups").then((m) => ({ default: m.GroupPage })));
const JobsPage = lazy(() => import("../features/jobs/JobsPage").then((m) => ({ default: m.JobsPage })));
const TemplateList = lazy(() => import("../features/provisioning/Templates").then((m) => ({ default: m.TemplateList })));
const TemplateEditor = lazy(() => import("../features/provisioning/Templates").then((m) => ({ default: m.TemplateEditor })));
const RolloutList = lazy(() => import("../features/provisioning/Rollouts").then((m) => ({ default: m.RolloutList })));
const RolloutPage = lazy(() => import("../features/provisioning/Rollouts").then((m) => ({ default: m.RolloutPage })));
const PreferencesPage = lazy(() => import("../features/preferences/PreferencesPage").then((m) => ({ default: m.PreferencesPage })));

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
  // Theme, language, density and time zone: this browser's copy at once, the server's after sign-in.
  const preferences = usePreferenceStore(api, window.localStorage);
  const { locale, theme, density } = preferences.context.values;
  const setLocale = (value: Locale) => preferences.context.update({ locale: value });
  const setTheme = (value: Theme) => preferences.context.update({ theme: value });
  const timeZone = validZone(preferences.context.values.time_zone);
  const [me, setMe] = useState<Me | null>(null);
  const [phase, setPhase] = useState<"signin" | "loading" | "ready" | "error">(api.signedIn ? "loading" : "signin");
  const [bootError, setBootError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | undefined>();
  const [signInEmail, setSignInEmail] = useState("");
  const [providerVersion, setProviderVersion] = useState(0);
  const online = useOnline();
  const location = useLocation();
  const i18n = useMemo(() => createTranslator(locale, timeZone), [locale, timeZone]);

  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = i18n.t("app.name");
  }, [locale, i18n]);
  useEffect(() => {
    if (theme === "system") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);
  useEffect(() => {
    document.documentElement.classList.toggle("density-compact", density === "compact");
  }, [density]);

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
        // The person's preferences from the server (kept from this browser's copy when it cannot answer).
        if (caller.kind === "user" && navigator.onLine) await preferences.sync(caller.id).catch(() => undefined);
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
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [phase, api, realtime]);

  const language = <LanguageSwitch locale={locale} onChange={setLocale} />;
  let body: JSX.Element;
  if (location.path === "/invite") {
    // An invitation link: open whether or not someone is signed in in this browser.
    body = (
      <AcceptInvitation
        api={api}
        token={decodeURIComponent(window.location.hash.replace(/^#/, ""))}
        languageSwitch={language}
        onAccepted={(email) => {
          const toSignIn = () => {
            setSignInEmail(email);
            setNotice(i18n.t("invite.done", { email }));
            setPhase("signin");
            navigate("/", true);
          };
          // Someone else's session in this browser ends first: the new account signs in next.
          if (api.signedIn) void api.logout().then(toSignIn);
          else toSignIn();
        }}
      />
    );
  } else if (phase === "signin") {
    body = (
      <SignIn
        api={api}
        initialEmail={signInEmail}
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
      case "/network/groups":
        screen = <GroupList path={location.path} query={location.query} />;
        break;
      case "/network/groups/:id":
        screen = <GroupPage key={match.params.id} id={match.params.id} path={location.path} query={location.query} />;
        break;
      case "/preferences":
        screen = <PreferencesPage />;
        break;
      case "/jobs":
        screen = value.can("settings.read") ? <JobsPage query={location.query} /> : <ErrorNote error={new ApiError(403, "forbidden", "")} />;
        break;
      case "/admin":
        // The section opens on the first tab the caller may read.
        screen = value.can("users.read") ? <UsersPage path="/admin/users" /> : value.can("settings.read") ? <ApiKeysPage path="/admin/api-keys" /> : <AuditPage path="/admin/audit" />;
        break;
      case "/admin/users":
        screen = <UsersPage path={location.path} />;
        break;
      case "/admin/roles":
        screen = <RolesPage path={location.path} />;
        break;
      case "/admin/api-keys":
        screen = <ApiKeysPage path={location.path} />;
        break;
      case "/admin/audit":
        screen = <AuditPage path={location.path} />;
        break;
      case "/setup/acs":
        screen = <AcsCredentials path={location.path} />;
        break;
      case "/provisioning":
        screen = <TemplateList path={location.path} query={location.query} />;
        break;
      case "/provisioning/templates/new":
        screen = value.can("provisioning.write") ? <TemplateEditor key="new" path={location.path} /> : <ErrorNote error={new ApiError(403, "forbidden", "")} />;
        break;
      case "/provisioning/templates/:id":
        screen = <TemplateEditor key={match.params.id} id={match.params.id} path={location.path} />;
        break;
      case "/provisioning/rollouts":
        screen = <RolloutList path={location.path} query={location.query} />;
        break;
      case "/provisioning/rollouts/:id":
        screen = <RolloutPage key={match.params.id} id={match.params.id} path={location.path} query={location.query} />;
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
  return (
    <I18nContext.Provider value={i18n}>
      <PreferencesContext.Provider value={preferences.context}>{body}</PreferencesContext.Provider>
    </I18nContext.Provider>
  );
}

/** The chosen zone when this browser knows it (a stale local copy must not break every date). */
function validZone(zone: string | null): string {
  if (!zone) return DEFAULT_TIME_ZONE;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone;
  } catch {
    return DEFAULT_TIME_ZONE;
  }
}
