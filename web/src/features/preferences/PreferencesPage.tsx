// Preferências: theme, language, density, time zone, default POP and the person's own notifications.
// Every change applies at once and is saved to the person's account (PATCH /api/v1/me/preferences),
// so it follows them to any browser they sign in on.
import { useApp, useQuery } from "../../lib/app";
import { DEFAULT_TIME_ZONE, useI18n, type Locale, type MessageKey } from "../../lib/i18n";
import { usePreferences, type Density, type Theme } from "../../lib/preferences";
import type { Page, Pop } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Select } from "../../ui/Form";
import { ErrorNote } from "../../ui/States";
import { EmailOptIn } from "../alerts/EmailOptIn";
import { PushOptIn } from "../alerts/PushOptIn";
import { HelpButton } from "../help/HelpButton";

/** Brazil's zones first (most providers are there), then every zone this browser knows. */
const BRAZIL = [
  "America/Sao_Paulo", "America/Manaus", "America/Cuiaba", "America/Campo_Grande", "America/Porto_Velho", "America/Boa_Vista",
  "America/Rio_Branco", "America/Eirunepe", "America/Belem", "America/Santarem", "America/Fortaleza", "America/Recife",
  "America/Maceio", "America/Bahia", "America/Araguaina", "America/Noronha",
];

function knownZones(): string[] {
  const supported = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  const all = supported ? supported("timeZone") : [];
  return ["UTC", ...all.filter((zone) => !BRAZIL.includes(zone) && zone !== "UTC")];
}

export function PreferencesPage() {
  const { t, dateTime } = useI18n();
  const { can, me, api } = useApp();
  const { values, update, saveError, saving } = usePreferences();
  const pops = useQuery<Page<Pop>>(can("pops.read") && (!me.global_admin || api.providerId) ? "/api/v1/pops?limit=500" : null);
  const zones = knownZones();
  const zone = values.time_zone ?? "";
  return (
    <>
      <div className="page-head">
        <h1>{t("prefs.title")}</h1>
        <HelpButton module="home" />
        <p className="muted" role="status" data-testid="prefs-status">
          {saving ? t("prefs.saving") : saveError ? "" : t("prefs.saved")}
        </p>
      </div>
      <p className="muted">{t("prefs.intro")}</p>
      {saveError ? <ErrorNote error={saveError} /> : null}
      <Card title={t("prefs.appearance")}>
        <div className="prefs-grid">
          <Select label={t("shell.theme")} value={values.theme} onChange={(e) => update({ theme: e.target.value as Theme })} data-testid="prefs-theme">
            {(["system", "light", "dark"] as const).map((theme) => (
              <option key={theme} value={theme}>
                {t(`shell.theme.${theme}` as MessageKey)}
              </option>
            ))}
          </Select>
          <Select label={t("shell.language")} value={values.locale} onChange={(e) => update({ locale: e.target.value as Locale })} data-testid="prefs-locale">
            <option value="pt-BR" lang="pt-BR">
              Português (BR)
            </option>
            <option value="en" lang="en">
              English
            </option>
          </Select>
          <Select
            label={t("prefs.density")}
            value={values.density}
            onChange={(e) => update({ density: e.target.value as Density })}
            help={t("prefs.densityHelp")}
            data-testid="prefs-density"
          >
            <option value="comfortable">{t("prefs.density.comfortable")}</option>
            <option value="compact">{t("prefs.density.compact")}</option>
          </Select>
        </div>
      </Card>
      <Card title={t("prefs.region")}>
        <div className="prefs-grid">
          <Select
            label={t("prefs.timeZone")}
            value={zone}
            onChange={(e) => update({ time_zone: e.target.value || null })}
            help={t("prefs.timeZoneHelp", { now: dateTime(Date.now()) })}
            data-testid="prefs-zone"
          >
            <option value="">{t("prefs.timeZoneDefault", { zone: DEFAULT_TIME_ZONE })}</option>
            <optgroup label={t("prefs.zonesBrazil")}>
              {BRAZIL.map((z) => (
                <option key={z} value={z}>
                  {z.replace("America/", "").replace(/_/g, " ")} ({z})
                </option>
              ))}
            </optgroup>
            <optgroup label={t("prefs.zonesOther")}>
              {zones.map((z) => (
                <option key={z} value={z}>
                  {z}
                </option>
              ))}
            </optgroup>
          </Select>
          {pops.data ? (
            <Select
              label={t("prefs.defaultPop")}
              value={values.default_pop_id ?? ""}
              onChange={(e) => update({ default_pop_id: e.target.value || null })}
              help={t("prefs.defaultPopHelp")}
              data-testid="prefs-pop"
            >
              <option value="">{t("prefs.defaultPopNone")}</option>
              {pops.data.items.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </Select>
          ) : pops.error ? (
            <ErrorNote error={pops.error} />
          ) : null}
        </div>
      </Card>
      {can("alerts.read") && (!me.global_admin || api.providerId) ? (
        <section aria-labelledby="prefs-notifications">
          <h2 id="prefs-notifications" className="section-title">
            {t("prefs.notifications")}
          </h2>
          <PushOptIn />
          <EmailOptIn />
        </section>
      ) : null}
    </>
  );
}
