// Create a device, or change or delete one: what POST/PATCH /devices accepts (name, kind, identity,
// management address, POP, customer, notes, tags). The API's 400 is shown at the field it names.
// A lazy chunk: loaded from the device list ("Novo dispositivo") and the device page ("Editar").
import { useEffect, useState, type FormEvent, type KeyboardEvent } from "react";
import { useApp, useQuery } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { buildQuery, navigate } from "../../lib/router";
import { DEVICE_KINDS, type Device, type Page, type Pop } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Field, Select, TextArea } from "../../ui/Form";
import { fieldErrors, FormProblem, useAction } from "../alerts/common";
import type { CustomerRecord } from "../setup/model";
import { EditActions } from "../hierarchy/parts";
import {
  addTags,
  COLLECTORS,
  deviceBody,
  deviceToForm,
  emptyDevice,
  intervalsBody,
  intervalsToForm,
  type DeviceForm,
  type FieldErrors,
  type IntervalForm,
  type SnmpPolling,
} from "./model";

export function deviceLabels(t: (key: MessageKey) => string): Record<string, string> {
  return {
    name: t("devices.name"),
    kind: t("devices.kind"),
    vendor: t("devForm.vendor"),
    model: t("devForm.model"),
    serial_number: t("device.serial"),
    oui: t("device.oui"),
    product_class: t("device.productClass"),
    mac: t("device.mac"),
    management_ip: t("devices.ip"),
    pop_id: t("devices.pop"),
    customer_id: t("hier.customer"),
    notes: t("devForm.notes"),
    tags: t("device.tags"),
  };
}

/** Tags as removable chips and an input where Enter, comma or the button adds what was typed. */
export function TagEditor(props: { tags: string[]; onChange: (tags: string[]) => void; error?: string; disabled?: boolean }) {
  const { t } = useI18n();
  const [typed, setTyped] = useState("");
  const add = () => {
    if (!typed.trim()) return;
    props.onChange(addTags(props.tags, typed));
    setTyped("");
  };
  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();
      add();
    } else if (event.key === "Backspace" && !typed && props.tags.length) {
      props.onChange(props.tags.slice(0, -1));
    }
  };
  return (
    <div className="field tag-editor">
      <label htmlFor="device-tag-input">{t("device.tags")}</label>
      <ul className="chips" data-testid="tag-chips" aria-label={t("device.tags")}>
        {props.tags.map((tag) => (
          <li key={tag} className="chip">
            <span>{tag}</span>
            <button type="button" className="chip-remove" aria-label={t("devForm.removeTag", { tag })} disabled={props.disabled} onClick={() => props.onChange(props.tags.filter((x) => x !== tag))}>
              ×
            </button>
          </li>
        ))}
      </ul>
      <div className="row row-tight">
        <input
          id="device-tag-input"
          value={typed}
          placeholder={t("devForm.tagPlaceholder")}
          aria-describedby="device-tag-help"
          aria-invalid={props.error ? true : undefined}
          onChange={(e) => setTyped(e.target.value)}
          onKeyDown={onKey}
          onBlur={add}
        />
        <button type="button" className="btn btn-small" onClick={add} disabled={props.disabled || !typed.trim()}>
          {t("devForm.addTag")}
        </button>
      </div>
      <p id="device-tag-help" className="field-help">
        {t("devForm.tagHelp")}
      </p>
      {props.error && (
        <p className="field-error" role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}

/** The device form and, for an SNMP-monitored device, its poll intervals. */
export function DeviceEditorWithPolling(props: { existing?: Device; initialPop?: string; onDone: (saved?: Device) => void }) {
  const { can } = useApp();
  return (
    <>
      <DeviceEditor {...props} />
      {props.existing && can("monitoring.read") && <PollingCard deviceId={props.existing.id} />}
    </>
  );
}

/** Per-device poll intervals (PATCH /devices/{id}/snmp); nothing when the device is not polled by SNMP. */
function PollingCard(props: { deviceId: string }) {
  const { t } = useI18n();
  const { api, cache, can, online } = useApp();
  const url = `/api/v1/devices/${props.deviceId}/snmp`;
  const polling = useQuery<SnmpPolling>(url);
  const check = (key: string, values?: Record<string, string | number>) => t(`form.${key}` as MessageKey, values);
  const [enabled, setEnabled] = useState(true);
  const [form, setForm] = useState<IntervalForm | null>(null);
  const [local, setLocal] = useState<FieldErrors>({});
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const writable = can("monitoring.write");
  useEffect(() => {
    if (polling.data && !form) {
      setForm(intervalsToForm(polling.data));
      setEnabled(polling.data.enabled);
    }
  }, [polling.data]);
  if (!polling.data || !form) return null;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors } = intervalsBody(enabled, form, check);
    setLocal(errors);
    setSaved(false);
    action.setError(null);
    if (!body) return;
    const result = await action.run(() => api.request<SnmpPolling>("PATCH", url, body));
    if (result) {
      setSaved(true);
      cache.invalidate(url);
    }
  };
  const labels = Object.fromEntries(COLLECTORS.map((c) => [c, t(`poll.collector.${c}` as MessageKey)]));
  return (
    <Card title={t("poll.title")} labelledBy="polling-title">
      <form onSubmit={submit} noValidate data-testid="polling-form">
        <FormProblem local={local} action={action} labels={{ ...labels, intervals: t("poll.title") }} />
        <fieldset disabled={!writable || action.busy}>
          <Field label={t("poll.enabled")} type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          <p className="field-help polling-help">{t("poll.help")}</p>
          <div className="form-row">
            {COLLECTORS.map((c) => (
              <Field
                key={c}
                label={labels[c]}
                inputMode="numeric"
                value={form[c]}
                placeholder={String(Math.round((polling.data!.intervals[c] ?? 300) / 60))}
                onChange={(e) => setForm({ ...form, [c]: e.target.value })}
                error={local[c]}
              />
            ))}
          </div>
        </fieldset>
        {writable && (
          <button type="submit" className="btn btn-primary" disabled={!online || action.busy}>
            {t("common.save")}
          </button>
        )}
        {saved && (
          <p className="note note-ok" role="status">
            {t("hier.saved")}
          </p>
        )}
      </form>
    </Card>
  );
}

/** Create a device, or change one (`existing`, which may also be deleted after a confirmation). */
export function DeviceEditor(props: { existing?: Device; initialPop?: string; onDone: (saved?: Device) => void }) {
  const { t } = useI18n();
  const { api, cache, can, online } = useApp();
  const check = (key: string, values?: Record<string, string | number>) => t(`form.${key}` as MessageKey, values);
  const [form, setForm] = useState<DeviceForm>(() => (props.existing ? deviceToForm(props.existing) : emptyDevice(props.initialPop)));
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const errors = fieldErrors(local, action);
  const writable = can("devices.write");
  const [saved, setSaved] = useState(false);
  const pops = useQuery<Page<Pop>>(can("pops.read") ? "/api/v1/pops?limit=500" : null);
  const customers = useQuery<Page<CustomerRecord>>(
    can("customers.read") ? `/api/v1/customers${buildQuery({ pop_id: form.pop_id || undefined, limit: 200 })}` : null,
  );
  const set = (key: keyof DeviceForm, value: string) => setForm({ ...form, [key]: value });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: found } = deviceBody(form, check);
    setLocal(found);
    action.setError(null);
    setSaved(false);
    if (!body) return;
    const result = await action.run(() =>
      props.existing ? api.request<Device>("PATCH", `/api/v1/devices/${props.existing.id}`, body) : api.post<Device>("/api/v1/devices", body),
    );
    if (result) {
      setSaved(Boolean(props.existing));
      cache.invalidate("/api/v1/devices", "/api/v1/dashboard/summary", "/api/v1/device-groups");
      props.onDone(result);
    }
  };
  const remove = async () => {
    if (!props.existing) return;
    const done = await action.run(async () => {
      await api.request("DELETE", `/api/v1/devices/${props.existing!.id}`);
      return true;
    });
    if (done) {
      cache.invalidate("/api/v1/devices", "/api/v1/dashboard/summary", "/api/v1/device-groups");
      navigate("/devices");
    }
  };
  // A customer chosen before the POP changed stays listed even when it is not under the new POP.
  const customerItems = customers.data?.items ?? [];
  return (
    <Card title={props.existing ? t("devForm.editTitle") : t("devForm.new")} labelledBy="device-editor">
      <form onSubmit={submit} noValidate data-testid="device-form">
        <FormProblem local={local} action={action} labels={deviceLabels(t)} />
        <fieldset disabled={!writable || action.busy}>
          <div className="form-row">
            <Field label={t("devices.name")} value={form.name} onChange={(e) => set("name", e.target.value)} error={errors.name} autoComplete="off" />
            <Select label={t("devices.kind")} value={form.kind} onChange={(e) => set("kind", e.target.value)} error={errors.kind}>
              {DEVICE_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`kind.${k}` as MessageKey)}
                </option>
              ))}
            </Select>
            <Field label={t("devices.ip")} value={form.management_ip} help={t("devForm.ipHelp")} onChange={(e) => set("management_ip", e.target.value)} error={errors.management_ip} inputMode="text" />
          </div>
          <div className="form-row">
            <Field label={t("device.serial")} value={form.serial_number} onChange={(e) => set("serial_number", e.target.value)} error={errors.serial_number} autoComplete="off" />
            <Field label={t("device.oui")} value={form.oui} help={t("devForm.ouiHelp")} onChange={(e) => set("oui", e.target.value)} error={errors.oui} autoComplete="off" />
            <Field label={t("device.mac")} value={form.mac} onChange={(e) => set("mac", e.target.value)} error={errors.mac} autoComplete="off" />
          </div>
          <div className="form-row">
            <Field label={t("devForm.vendor")} value={form.vendor} onChange={(e) => set("vendor", e.target.value)} error={errors.vendor} />
            <Field label={t("devForm.model")} value={form.model} onChange={(e) => set("model", e.target.value)} error={errors.model} />
            <Field label={t("device.productClass")} value={form.product_class} onChange={(e) => set("product_class", e.target.value)} error={errors.product_class} />
          </div>
          <div className="form-row">
            {can("pops.read") && (
              <Select label={t("devices.pop")} value={form.pop_id} onChange={(e) => set("pop_id", e.target.value)} error={errors.pop_id}>
                <option value="">{t("common.noPop")}</option>
                {pops.data?.items.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </Select>
            )}
            {can("customers.read") && (
              <Select label={t("hier.customer")} value={form.customer_id} onChange={(e) => set("customer_id", e.target.value)} error={errors.customer_id}>
                <option value="">{t("devForm.noCustomer")}</option>
                {form.customer_id && !customerItems.some((c) => c.id === form.customer_id) && <option value={form.customer_id}>…</option>}
                {customerItems.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </Select>
            )}
          </div>
          <TagEditor tags={form.tags} onChange={(tags) => setForm({ ...form, tags })} error={errors.tags} disabled={!writable || action.busy} />
          <TextArea label={t("devForm.notes")} rows={2} value={form.notes} onChange={(e) => set("notes", e.target.value)} error={errors.notes} />
        </fieldset>
        <EditActions
          writable={writable}
          disabled={!online || action.busy}
          deleteQuestion={props.existing && t("devForm.deleteConfirm", { name: props.existing.name })}
          onCancel={() => props.onDone()}
          onDelete={remove}
          saved={saved}
        />
      </form>
    </Card>
  );
}

export default DeviceEditorWithPolling;
