// Pieces shared by the set-up and hierarchy screens: the section's tabs, the check messages, and the
// form fields of a POP and of an SNMP credential (used by the checklist and by their own screens).
import { useI18n, type MessageKey } from "../../lib/i18n";
import { Field, Select } from "../../ui/Form";
import { SubNav, type SubNavSection } from "../../ui/SubNav";
import { AUTH_PROTOCOLS, PRIV_PROTOCOLS, type Check, type FieldErrors, type PopForm, type PopRecord, type SnmpCredentialForm } from "./model";

const SECTIONS: SubNavSection[] = [
  { href: "/setup", label: "setupNav.checklist" },
  { href: "/setup/snmp", label: "setupNav.snmp" },
  { href: "/setup/discovery", label: "setupNav.discovery" },
];

/** The tabs of the Configuração section. */
export function SetupNav(props: { path: string }) {
  return <SubNav label="setupNav.label" sections={SECTIONS} current={(href) => props.path === href} />;
}

/** The form checks' messages in the caller's language (keys `form.*`). */
export function useSetupCheck(): Check {
  const { t } = useI18n();
  return (key, values) => t(`form.${key}` as MessageKey, values);
}

/** A POP's fields (create and edit). */
export function PopFields(props: { form: PopForm; onChange: (form: PopForm) => void; errors: FieldErrors }) {
  const { t } = useI18n();
  const { form, errors } = props;
  const set = (key: keyof PopForm, value: string) => props.onChange({ ...form, [key]: value });
  return (
    <>
      <div className="form-row">
        <Field label={t("pop.name")} value={form.name} onChange={(e) => set("name", e.target.value)} error={errors.name} autoComplete="off" />
        <Field label={t("pop.code")} value={form.code} onChange={(e) => set("code", e.target.value)} error={errors.code} autoComplete="off" />
      </div>
      <div className="form-row">
        <Field label={t("pop.city")} value={form.city} onChange={(e) => set("city", e.target.value)} error={errors.city} />
        <Field label={t("pop.state")} value={form.state} onChange={(e) => set("state", e.target.value)} error={errors.state} maxLength={40} />
        <Field label={t("pop.address")} value={form.address} onChange={(e) => set("address", e.target.value)} error={errors.address} />
      </div>
    </>
  );
}

/** An SNMP credential's fields. Editing: version, scope, user and protocols are fixed (the API refuses to
 *  change them) and secret fields start empty: left empty, the stored secret is kept. */
export function SnmpFields(props: { form: SnmpCredentialForm; onChange: (form: SnmpCredentialForm) => void; errors: FieldErrors; editing: boolean; pops?: PopRecord[] }) {
  const { t } = useI18n();
  const { form, errors, editing } = props;
  const set = (key: keyof SnmpCredentialForm, value: string) => props.onChange({ ...form, [key]: value });
  const keep = editing ? t("snmp.secretKeep") : undefined;
  return (
    <>
      <div className="form-row">
        <Field label={t("snmp.name")} value={form.name} onChange={(e) => set("name", e.target.value)} error={errors.name} autoComplete="off" />
        <Select label={t("snmp.version")} value={form.version} disabled={editing} onChange={(e) => set("version", e.target.value)} error={errors.version}>
          <option value="v2c">SNMP v2c</option>
          <option value="v3">SNMP v3</option>
        </Select>
        <Field label={t("snmp.priority")} type="number" min={0} max={10000} value={form.priority} help={t("snmp.priorityHelp")} onChange={(e) => set("priority", e.target.value)} error={errors.priority} />
        {props.pops && (
          <Select label={t("snmp.scope")} value={form.pop_id} disabled={editing} onChange={(e) => set("pop_id", e.target.value)} error={errors.pop_id}>
            <option value="">{t("snmp.scopeAll")}</option>
            {props.pops.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </Select>
        )}
      </div>
      {form.version === "v2c" ? (
        <div className="form-row">
          <Field label={t("snmp.community")} type="password" autoComplete="new-password" value={form.community} help={keep} onChange={(e) => set("community", e.target.value)} error={errors.community} />
        </div>
      ) : (
        <>
          <div className="form-row">
            <Field label={t("snmp.user")} value={form.v3_user} disabled={editing} onChange={(e) => set("v3_user", e.target.value)} error={errors.v3_user} autoComplete="off" />
            <Field label={t("snmp.context")} value={form.context_name} onChange={(e) => set("context_name", e.target.value)} error={errors.context_name} autoComplete="off" />
          </div>
          <div className="form-row">
            <Select label={t("snmp.authProtocol")} value={form.auth_protocol} disabled={editing} onChange={(e) => set("auth_protocol", e.target.value)} error={errors.auth_protocol}>
              <option value="">{t("snmp.none")}</option>
              {AUTH_PROTOCOLS.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </Select>
            {form.auth_protocol && (
              <Field label={t("snmp.authKey")} type="password" autoComplete="new-password" value={form.auth_key} help={keep} onChange={(e) => set("auth_key", e.target.value)} error={errors.auth_key} />
            )}
          </div>
          <div className="form-row">
            <Select label={t("snmp.privProtocol")} value={form.priv_protocol} disabled={editing} onChange={(e) => set("priv_protocol", e.target.value)} error={errors.priv_protocol}>
              <option value="">{t("snmp.none")}</option>
              {PRIV_PROTOCOLS.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </Select>
            {form.priv_protocol && (
              <Field label={t("snmp.privKey")} type="password" autoComplete="new-password" value={form.priv_key} help={keep} onChange={(e) => set("priv_key", e.target.value)} error={errors.priv_key} />
            )}
          </div>
        </>
      )}
    </>
  );
}

/** The labels of a form's fields, for the message above it naming what the API refused. */
export function snmpLabels(t: (key: MessageKey) => string): Record<string, string> {
  return {
    name: t("snmp.name"),
    version: t("snmp.version"),
    priority: t("snmp.priority"),
    pop_id: t("snmp.scope"),
    device_id: t("snmp.scope"),
    community: t("snmp.community"),
    v3_user: t("snmp.user"),
    auth_protocol: t("snmp.authProtocol"),
    auth_key: t("snmp.authKey"),
    priv_protocol: t("snmp.privProtocol"),
    priv_key: t("snmp.privKey"),
    context_name: t("snmp.context"),
  };
}

export function popLabels(t: (key: MessageKey) => string): Record<string, string> {
  return { name: t("pop.name"), code: t("pop.code"), city: t("pop.city"), state: t("pop.state"), address: t("pop.address"), notes: t("pop.notes") };
}
