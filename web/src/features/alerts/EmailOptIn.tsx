// "Alerts in my e-mail": the signed-in user's own alert e-mails, sent through one of the provider's
// e-mail channels to the user's address (POST /api/v1/me/email-subscriptions), or removed.
import { useState } from "react";
import { useApp, useQuery } from "../../lib/app";
import { useI18n } from "../../lib/i18n";
import type { NotificationChannel, Page, Severity } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Select } from "../../ui/Form";
import { ErrorNote, Loading } from "../../ui/States";
import { useAction } from "./common";

const MINE = "/api/v1/me/email-subscriptions";

function SeveritySelect(props: { label: string; value: Severity; disabled: boolean; onChange: (value: Severity) => void }) {
  const { t } = useI18n();
  return (
    <Select label={props.label} inline value={props.value} onChange={(e) => props.onChange(e.target.value as Severity)} disabled={props.disabled}>
      <option value="critical">{t("severity.critical")}</option>
      <option value="warning">{t("severity.warning")}</option>
      <option value="info">{t("severity.info")}</option>
    </Select>
  );
}

export function EmailOptIn() {
  const { t } = useI18n();
  const { api, cache, online } = useApp();
  const action = useAction();
  const channels = useQuery<Page<NotificationChannel>>("/api/v1/notification-channels?limit=200");
  const mine = useQuery<Page<NotificationChannel>>(MINE);
  const [via, setVia] = useState("");
  const [severity, setSeverity] = useState<Severity>("critical");
  const servers = (channels.data?.items ?? []).filter((c) => c.channel.type === "email" && !c.owner_user_id);
  const subscribedVia = new Set((mine.data?.items ?? []).map((s) => s.via_channel_id));
  const available = servers.filter((c) => !subscribedVia.has(c.id));
  const chosen = available.some((c) => c.id === via) ? via : available[0]?.id ?? "";
  const changed = () => {
    cache.invalidate(MINE);
    cache.invalidate("/api/v1/notification-channels");
  };
  const subscribe = () =>
    action.run(async () => {
      await api.post(MINE, { via_channel_id: chosen, min_severity: severity });
      changed();
    });
  const update = (id: string, value: Severity) =>
    action.run(async () => {
      await api.request("PATCH", `${MINE}/${id}`, { min_severity: value });
      changed();
    });
  const remove = (id: string) =>
    action.run(async () => {
      await api.request("DELETE", `${MINE}/${id}`);
      changed();
    });
  const name = (id?: string | null) => servers.find((c) => c.id === id)?.name ?? "—";
  return (
    <Card title={t("emailOptIn.title")}>
      <p className="muted">{t("emailOptIn.help")}</p>
      {channels.error || mine.error ? (
        <ErrorNote error={channels.error ?? mine.error} retry={() => (channels.reload(), mine.reload())} />
      ) : !channels.data || !mine.data ? (
        <Loading />
      ) : (
        <>
          {mine.data.items.map((s) => (
            <div className="row actions-bar" key={s.id} data-testid="email-subscription">
              <SeveritySelect label={t("emailOptIn.mine", { channel: name(s.via_channel_id) })} value={s.min_severity} disabled={action.busy || !online}
                              onChange={(value) => void update(s.id, value)} />
              <button className="btn" onClick={() => void remove(s.id)} disabled={action.busy || !online}>
                {t("emailOptIn.unsubscribe")}
              </button>
            </div>
          ))}
          {servers.length === 0 ? (
            <p className="note">{t("emailOptIn.none")}</p>
          ) : available.length > 0 ? (
            <div className="row actions-bar">
              <Select label={t("emailOptIn.via")} inline value={chosen} onChange={(e) => setVia(e.target.value)} disabled={action.busy}>
                {available.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </Select>
              <SeveritySelect label={t("push.minSeverity")} value={severity} disabled={action.busy} onChange={setSeverity} />
              <button className="btn btn-primary" onClick={() => void subscribe()} disabled={action.busy || !online || !chosen}>
                {t("emailOptIn.subscribe")}
              </button>
            </div>
          ) : null}
        </>
      )}
      {action.error ? <ErrorNote error={action.error} /> : null}
    </Card>
  );
}
