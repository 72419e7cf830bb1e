// "Alerts in this browser": subscribes the browser to Web Push with the provider's VAPID key and stores
// the subscription as the signed-in user's own (POST /api/v1/me/push-subscriptions), or removes it.
import { useEffect, useState } from "react";
import { useApp } from "../../lib/app";
import { useI18n } from "../../lib/i18n";
import { base64UrlToBytes, pushSupported, subscriptionBody } from "../../lib/push";
import type { NotificationChannel, NotificationDelivery, Page, Severity } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Select } from "../../ui/Form";
import { ErrorNote } from "../../ui/States";
import { useAction } from "./common";

type Mine = { id: string; endpoint: string; enabled: boolean; minSeverity: Severity };

export function PushOptIn() {
  const { t } = useI18n();
  const { api, online } = useApp();
  const action = useAction();
  const [mine, setMine] = useState<Mine | null>(null);
  const [checked, setChecked] = useState(false);
  const [severity, setSeverity] = useState<Severity>("critical");
  const [tested, setTested] = useState<NotificationDelivery | null>(null);
  const supported = pushSupported();

  // This browser's subscription, if the server knows it.
  const refresh = async () => {
    if (!supported) return setChecked(true);
    const registration = await navigator.serviceWorker.ready;
    const current = await registration.pushManager.getSubscription();
    const list = await api.get<Page<NotificationChannel>>("/api/v1/me/push-subscriptions");
    const stored = current
      ? list.items.find((c) => c.channel.type === "webpush" && (c.channel.settings as { subscription?: { endpoint?: string } }).subscription?.endpoint === current.endpoint)
      : undefined;
    setMine(stored && current ? { id: stored.id, endpoint: current.endpoint, enabled: stored.enabled, minSeverity: stored.min_severity } : null);
    if (stored) setSeverity(stored.min_severity);
    setChecked(true);
  };
  useEffect(() => {
    refresh().catch((error) => {
      action.setError(error);
      setChecked(true);
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const subscribe = () =>
    action.run(async () => {
      if ((await Notification.requestPermission()) !== "granted") throw new Error(t("push.denied"));
      const { public_key } = await api.get<{ public_key: string }>("/api/v1/push/vapid-public-key");
      const registration = await navigator.serviceWorker.ready;
      const subscription =
        (await registration.pushManager.getSubscription()) ??
        (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(public_key) }));
      await api.post("/api/v1/me/push-subscriptions", subscriptionBody(subscription.toJSON(), severity));
      await refresh();
    });
  const unsubscribe = () =>
    action.run(async () => {
      if (mine) await api.request("DELETE", `/api/v1/me/push-subscriptions/${mine.id}`);
      const registration = await navigator.serviceWorker.ready;
      await (await registration.pushManager.getSubscription())?.unsubscribe();
      await refresh();
    });
  // A test message to this browser only (the person's own subscription).
  const sendTest = () =>
    action.run(async () => {
      if (mine) setTested(await api.post<NotificationDelivery>(`/api/v1/me/push-subscriptions/${mine.id}/test`));
    });
  const changeSeverity = (value: Severity) => {
    setSeverity(value);
    if (mine) void action.run(async () => {
      await api.request("PATCH", `/api/v1/me/push-subscriptions/${mine.id}`, { min_severity: value });
      await refresh();
    });
  };

  return (
    <Card title={t("push.title")}>
      <p className="muted">{t("push.help")}</p>
      {!supported ? (
        <p>{t("push.unsupported")}</p>
      ) : (
        <div className="row actions-bar">
          <Select label={t("push.minSeverity")} inline value={severity} onChange={(e) => changeSeverity(e.target.value as Severity)} disabled={action.busy}>
            <option value="critical">{t("severity.critical")}</option>
            <option value="warning">{t("severity.warning")}</option>
            <option value="info">{t("severity.info")}</option>
          </Select>
          {mine ? (
            <>
              <span className="badge">{mine.enabled ? t("push.on") : t("push.gone")}</span>
              <button className="btn" onClick={sendTest} disabled={action.busy || !online || !mine.enabled} data-testid="push-test">
                {t("prefs.test")}
              </button>
              <button className="btn" onClick={unsubscribe} disabled={action.busy || !online}>
                {t("push.disable")}
              </button>
            </>
          ) : (
            <button className="btn btn-primary" onClick={subscribe} disabled={action.busy || !online || !checked}>
              {t("push.enable")}
            </button>
          )}
        </div>
      )}
      {tested && (
        <p className="muted" role="status" data-testid="push-test-result">
          {tested.outcome === "sent" ? t("prefs.testSent") : t("prefs.testFailed", { detail: tested.detail ?? tested.outcome })}
        </p>
      )}
      {action.error ? <ErrorNote error={action.error} /> : null}
    </Card>
  );
}
