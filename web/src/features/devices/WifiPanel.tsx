import { useState, type FormEvent } from "react";
import { ApiError } from "../../lib/api";
import { useApp, useQuery } from "../../lib/app";
import { useI18n } from "../../lib/i18n";
import type { ActionResult, Device, WifiBand, WifiCapabilities } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Field, Select } from "../../ui/Form";
import { ErrorNote, Loading } from "../../ui/States";

/** Wi-Fi per band, offering only what GET /devices/{id}/capabilities reports for the model. */
export function WifiPanel(props: { device: Device }) {
  const { t } = useI18n();
  const caps = useQuery<WifiCapabilities>(`/api/v1/devices/${props.device.id}/capabilities`);
  if (!caps.data) {
    if (caps.error instanceof ApiError && caps.error.status === 404) return <p className="note">{t("wifi.unavailable")}</p>;
    return caps.error ? <ErrorNote error={caps.error} retry={caps.reload} /> : <Loading />;
  }
  const c = caps.data;
  return (
    <>
      {c.reboot_after_wifi_change && <p className="note">{t("wifi.rebootAfter")}</p>}
      {c.unresolved.map((u) => (
        <p className="note" key={u.band}>
          {t("wifi.unresolved", { band: u.band, reason: u.reason })}
        </p>
      ))}
      {c.bands.length === 0 && <p className="muted">{t("wifi.none")}</p>}
      <div className="grid two">
        {c.bands.map((band) => (
          <BandForm key={band.band} device={props.device} band={band} readOnly={band.settable.length === 0 || (c.read_only_bands ?? []).includes(band.band)} />
        ))}
      </div>
    </>
  );
}

function BandForm(props: { device: Device; band: WifiBand; readOnly: boolean }) {
  const { t } = useI18n();
  const { api, can, cache, online } = useApp();
  const b = props.band;
  const [ssid, setSsid] = useState(b.ssid ?? "");
  const [key, setKey] = useState("");
  const [channel, setChannel] = useState("");
  const [security, setSecurity] = useState("");
  const [enabled, setEnabled] = useState(b.enabled ?? true);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const editable = can("devices.execute") && !props.readOnly;
  // Only what the device's model accepts is offered (the capabilities' settable fields).
  const settable = (field: string) => editable && b.settable.includes(`wifi.${field}`);
  const keyError = key && key.length < 8 ? t("wifi.keyHelp") : undefined;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (keyError) return;
    setBusy(true);
    setError(null);
    setDone(null);
    const body: Record<string, unknown> = { type: "set_wifi", band: b.band };
    if (settable("enabled") && enabled !== b.enabled) body.enabled = enabled;
    if (settable("ssid") && ssid && ssid !== b.ssid) body.ssid = ssid;
    if (settable("key") && key) body.key = key;
    if (settable("channel") && channel) body.channel = /^\d+$/.test(channel) ? Number(channel) : channel;
    if (settable("security") && security) body.security = security;
    try {
      const result = await api.post<ActionResult>(`/api/v1/devices/${props.device.id}/actions`, body);
      setDone(t("device.actionQueued", { task: result.task_id?.slice(0, 8) ?? "—" }));
      setKey("");
      cache.invalidate(`/api/v1/devices/${props.device.id}`);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title={t("wifi.band", { band: b.band })} labelledBy={`band-${b.band}`}>
      {props.readOnly && <p className="note">{t("wifi.readOnly")}</p>}
      <form onSubmit={submit} data-testid={`wifi-${b.band}`}>
        <fieldset disabled={!editable || busy || !online}>
          <legend className="sr-only">{t("wifi.band", { band: b.band })}</legend>
          <Field label={t("wifi.ssid")} value={ssid} maxLength={32} readOnly={!settable("ssid")} onChange={(e) => setSsid(e.target.value)} />
          {settable("key") && (
            <Field label={t("wifi.key")} type="password" autoComplete="new-password" value={key} maxLength={63} help={t("wifi.keyHelp")} error={keyError} onChange={(e) => setKey(e.target.value)} />
          )}
          {settable("channel") && (
            <Select label={t("wifi.channel")} value={channel} onChange={(e) => setChannel(e.target.value)}>
              <option value="">{t("wifi.channelKeep")}</option>
              <option value="auto">{t("wifi.channelAuto")}</option>
              {(b.channels ?? []).map((c) => (
                <option key={c} value={String(c)}>
                  {c}
                </option>
              ))}
            </Select>
          )}
          {settable("security") && b.security.length > 0 && (
            <Select label={t("wifi.security")} value={security} onChange={(e) => setSecurity(e.target.value)}>
              <option value="">{t("wifi.channelKeep")}</option>
              {b.security.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </Select>
          )}
          {(settable("enabled") || !editable) && (
            <Field label={t("wifi.enabled")} type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          )}
          {editable && (
            <button type="submit" className="btn btn-primary">
              {t("wifi.apply", { band: b.band })}
            </button>
          )}
        </fieldset>
      </form>
      {done && (
        <p className="note note-ok" role="status">
          {done}
        </p>
      )}
      {error ? <ErrorNote error={error} /> : null}
    </Card>
  );
}
