// Pieces shared by the alert configuration screens: write actions with API errors mapped to fields,
// the scope picker (provider, POP, group or device) and in-place confirmation.
import { useCallback, useState } from "react";
import { ApiError } from "../../lib/api";
import { useApp, useQuery } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import type { Device, DeviceGroup, Page, Pop, Scope } from "../../lib/types";
import { Select } from "../../ui/Form";
import { ErrorNote } from "../../ui/States";
import { formField, SCOPES, type FieldErrors } from "./logic";

/** A write: busy flag, the failure, and the failure's field (API names) for the form to show. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async <T,>(work: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await work();
    } catch (failure) {
      setError(failure);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  const field = error instanceof ApiError && error.status === 400 ? formField(error.field) : undefined;
  return { busy, error, setError, run, field };
}

/** The field errors to show: the form's own checks, else the API's refusal at its field. */
export function fieldErrors(local: FieldErrors, action: { error: unknown; field?: string }): FieldErrors {
  if (Object.keys(local).length) return local;
  if (action.field && action.error instanceof ApiError) return { [action.field]: action.error.message };
  return {};
}

/** The message above a form: what the API refused and where, or that fields need attention. */
export function FormProblem(props: { local: FieldErrors; action: { error: unknown; field?: string }; labels: Record<string, string> }) {
  const { t } = useI18n();
  const { error, field } = props.action;
  if (Object.keys(props.local).length) {
    return (
      <p className="note note-error" role="alert">
        {t("form.fix")}
      </p>
    );
  }
  if (!error) return null;
  if (error instanceof ApiError && error.status === 400) {
    const label = field ? props.labels[field] ?? field : undefined;
    return (
      <p className="note note-error" role="alert" data-testid="form-error">
        {label ? t("form.rejectedField", { field: label, message: error.message }) : t("form.rejected", { message: error.message })}
      </p>
    );
  }
  if (error instanceof ApiError && error.status === 409) {
    return (
      <p className="note note-error" role="alert" data-testid="form-error">
        {t("form.conflict", { message: error.message })}
      </p>
    );
  }
  return <ErrorNote error={error} />;
}

/** Names of POPs, groups and devices for scope pickers and lists. */
export function useScopeNames() {
  const { can } = useApp();
  const pops = useQuery<Page<Pop>>(can("pops.read") ? "/api/v1/pops?limit=500" : null);
  const groups = useQuery<Page<DeviceGroup>>(can("devices.read") ? "/api/v1/device-groups?limit=500" : null);
  const devices = useQuery<Page<Device>>(can("devices.read") ? "/api/v1/devices?limit=500&sort=name" : null);
  const name = (scope: Scope, id: string | null | undefined): string => {
    if (scope === "provider" || !id) return "";
    const list: { id: string; name: string }[] | undefined = scope === "pop" ? pops.data?.items : scope === "group" ? groups.data?.items : devices.data?.items;
    return list?.find((x) => x.id === id)?.name ?? id.slice(0, 8);
  };
  return { pops, groups, devices, name };
}

/** "Provedor inteiro", "POP Centro", "Grupo OLTs", "Dispositivo OLT Centro 01". */
export function ScopeText(props: { scope: Scope; id?: string | null; names: ReturnType<typeof useScopeNames> }) {
  const { t } = useI18n();
  if (props.scope === "provider") return <>{t("scope.provider")}</>;
  return (
    <>
      {t(`scope.${props.scope}` as MessageKey)}: {props.names.name(props.scope, props.id)}
    </>
  );
}

/** Scope and, unless provider-wide, which POP/group/device. */
export function ScopePicker(props: {
  scope: Scope;
  scopeId: string;
  onChange: (scope: Scope, scopeId: string) => void;
  errors: FieldErrors;
  disabled?: boolean;
  names: ReturnType<typeof useScopeNames>;
}) {
  const { t } = useI18n();
  const { pops, groups, devices } = props.names;
  const options: { id: string; name: string }[] =
    props.scope === "pop" ? pops.data?.items ?? [] : props.scope === "group" ? groups.data?.items ?? [] : props.scope === "device" ? devices.data?.items ?? [] : [];
  return (
    <div className="form-row">
      <Select label={t("scope.label")} value={props.scope} disabled={props.disabled} error={props.errors.scope} onChange={(e) => props.onChange(e.target.value as Scope, "")}>
        {SCOPES.map((s) => (
          <option key={s} value={s}>
            {t(`scope.${s}` as MessageKey)}
          </option>
        ))}
      </Select>
      {props.scope !== "provider" && (
        <Select
          label={t(`scope.${props.scope}` as MessageKey)}
          value={props.scopeId}
          disabled={props.disabled}
          error={props.errors.scope_id}
          onChange={(e) => props.onChange(props.scope, e.target.value)}
        >
          <option value="">{t("scope.choose")}</option>
          {options.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </Select>
      )}
    </div>
  );
}

/** A destructive button that asks first, in place (no browser dialog). */
export function ConfirmButton(props: { label: string; question: string; onConfirm: () => void; disabled?: boolean; small?: boolean }) {
  const { t } = useI18n();
  const [asking, setAsking] = useState(false);
  const size = props.small ? " btn-small" : "";
  if (!asking) {
    return (
      <button type="button" className={`btn${size}`} disabled={props.disabled} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <span className="confirm-inline" role="alertdialog" aria-label={props.question}>
      <span>{props.question}</span>
      <button
        type="button"
        className={`btn btn-danger${size}`}
        autoFocus
        disabled={props.disabled}
        onClick={() => {
          setAsking(false);
          props.onConfirm();
        }}
      >
        {t("common.confirm")}
      </button>
      <button type="button" className={`btn${size}`} onClick={() => setAsking(false)}>
        {t("common.cancel")}
      </button>
    </span>
  );
}
