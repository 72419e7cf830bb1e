// Pieces shared by the Administração screens: the section's tabs (only those the caller may open),
// the form checks' messages, a secret shown once with its copy button, and a permission picker grouped
// by area.
import { useState } from "react";
import { useApp } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { SubNav, type SubNavSection } from "../../ui/SubNav";
import { PERMISSION_AREAS, PERMISSION_CATALOG, type Check } from "./model";

/** The tabs of the Administração section, filtered by what the caller may read. */
export function AdminNav(props: { path: string }) {
  const { can } = useApp();
  const sections: SubNavSection[] = [];
  if (can("users.read")) sections.push({ href: "/admin/users", label: "admin.nav.users" }, { href: "/admin/roles", label: "admin.nav.roles" });
  if (can("settings.read")) sections.push({ href: "/admin/api-keys", label: "admin.nav.apiKeys" });
  if (can("audit.read")) sections.push({ href: "/admin/audit", label: "admin.nav.audit" });
  if (sections.length === 0) return null;
  return <SubNav label="admin.nav.label" sections={sections} current={(href) => props.path === href} />;
}

/** The landing tab of the section for the caller (the menu entry leads there). */
export function adminHome(can: (p: string) => boolean): string {
  return can("users.read") ? "/admin/users" : can("settings.read") ? "/admin/api-keys" : "/admin/audit";
}

/** The form checks' messages in the caller's language (keys `form.*`). */
export function useAdminCheck(): Check {
  const { t } = useI18n();
  return (key, values) => t(`form.${key}` as MessageKey, values);
}

/** A permission in words under its area's heading: "Ver", "Alterar", or what executing does there
 *  ("Reiniciar e enviar tarefas"); a permission the catalog does not know shows its key. */
export function usePermissionText() {
  const { t } = useI18n();
  return (permission: string) => {
    if (!PERMISSION_CATALOG.includes(permission)) return permission;
    const action = permission.split(".")[1];
    return action === "execute" ? t(`perm.${permission}` as MessageKey) : t(`permAction.${action}` as MessageKey);
  };
}

export function areaName(t: (key: MessageKey) => string, area: string): string {
  return (PERMISSION_AREAS as readonly string[]).includes(area) ? t(`permArea.${area}` as MessageKey) : area;
}

/** A secret the server shows only once: the value, a copy button and the warning. */
export function SecretOnce(props: { label: string; value: string; warning: string; testId: string; onDone: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="secret-once" data-testid={props.testId}>
      <p className="note note-warn" role="alert">
        {props.warning}
      </p>
      <dl className="facts">
        <div>
          <dt>{props.label}</dt>
          <dd>
            <code className="wrap mono" data-testid={`${props.testId}-value`}>
              {props.value}
            </code>
          </dd>
        </div>
      </dl>
      <div className="row row-tight">
        <button type="button" className="btn btn-small" onClick={copy}>
          {copied ? t("admin.copied") : t("admin.copy")}
        </button>
        <button type="button" className="btn btn-small" onClick={props.onDone}>
          {t("admin.secretDone")}
        </button>
      </div>
    </div>
  );
}

/** Checkboxes of permissions grouped by area; `allowed` limits what may be ticked (the rest is shown
 *  disabled), `offered` limits which permissions appear at all. */
export function PermissionPicker(props: {
  legend: string;
  value: string[];
  onChange: (value: string[]) => void;
  allowed?: (permission: string) => boolean;
  offered?: (permission: string) => boolean;
  error?: string;
  testId?: string;
}) {
  const { t } = useI18n();
  const text = usePermissionText();
  const offered = PERMISSION_CATALOG.filter((p) => !props.offered || props.offered(p));
  const areas = PERMISSION_AREAS.filter((a) => offered.some((p) => p.startsWith(`${a}.`)));
  return (
    <fieldset className="perm-picker" data-testid={props.testId} aria-describedby={props.error ? `${props.testId}-error` : undefined}>
      <legend>{props.legend}</legend>
      {props.error && (
        <p className="field-error" role="alert" id={`${props.testId}-error`}>
          {props.error}
        </p>
      )}
      <div className="perm-areas">
        {areas.map((area) => (
          <div key={area} className="perm-area">
            <h3>{areaName(t, area)}</h3>
            {offered
              .filter((p) => p.startsWith(`${area}.`))
              .map((p) => {
                const checked = props.value.includes(p);
                return (
                  <label key={p} className="perm-check">
                    <input
                      type="checkbox"
                      checked={checked}
                      disabled={props.allowed ? !props.allowed(p) && !checked : false}
                      onChange={(e) => props.onChange(e.target.checked ? [...props.value, p].filter((x, i, all) => all.indexOf(x) === i) : props.value.filter((x) => x !== p))}
                      data-permission={p}
                      aria-label={`${areaName(t, area)}: ${text(p)}`}
                    />
                    <span>{text(p)}</span>
                  </label>
                );
              })}
          </div>
        ))}
      </div>
    </fieldset>
  );
}
