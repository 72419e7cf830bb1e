// Pieces shared by the hierarchy screens: the section's tabs, the devices of a POP or customer with
// their assignment, and a customer's fields.
import { useEffect, useState } from "react";
import { useApp, useQuery, useTopics } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { buildQuery, Link } from "../../lib/router";
import type { Device, Page } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Field, Select } from "../../ui/Form";
import { DataTable, type Column } from "../../ui/Table";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { SubNav, type SubNavSection } from "../../ui/SubNav";
import { ConfirmButton, useAction } from "../alerts/common";
import { CUSTOMER_STATUSES, type CustomerForm, type FieldErrors, type PopRecord } from "../setup/model";
import { searchTerm } from "./search";

const SECTIONS: SubNavSection[] = [
  { href: "/network", label: "hierNav.pops" },
  { href: "/network/customers", label: "hierNav.customers" },
];

export function HierarchyNav(props: { path: string }) {
  const current = (href: string) => (href === "/network" ? props.path === "/network" || props.path.startsWith("/network/pops") : props.path.startsWith(href));
  return <SubNav label="hierNav.label" sections={SECTIONS} current={current} />;
}

/**
 * The buttons under a POP's or customer's form: save, then cancel for a new record or delete (asking
 * `deleteQuestion`) for an existing one; the saved notice. Nothing but the notice without `writable`.
 */
export function EditActions(props: { writable: boolean; disabled: boolean; deleteQuestion?: string; onCancel: () => void; onDelete: () => void; saved: boolean }) {
  const { t } = useI18n();
  return (
    <>
      {props.writable && (
        <div className="row row-tight">
          <button type="submit" className="btn btn-primary" disabled={props.disabled}>
            {t("common.save")}
          </button>
          {props.deleteQuestion === undefined ? (
            <button type="button" className="btn" onClick={props.onCancel}>
              {t("common.cancel")}
            </button>
          ) : (
            <span className="push-right">
              <ConfirmButton label={t("common.delete")} question={props.deleteQuestion} disabled={props.disabled} onConfirm={props.onDelete} />
            </span>
          )}
        </div>
      )}
      {props.saved && (
        <p className="note note-ok" role="status">
          {t("hier.saved")}
        </p>
      )}
    </>
  );
}

export function DeviceStatus(props: { status: Device["status"] }) {
  const { t } = useI18n();
  return <Badge tone={props.status}>{t(`status.${props.status}` as MessageKey)}</Badge>;
}

/** A customer's fields (create and edit), with the contracted SLA target. */
export function CustomerFields(props: { form: CustomerForm; onChange: (form: CustomerForm) => void; errors: FieldErrors; pops?: PopRecord[] }) {
  const { t } = useI18n();
  const { form, errors } = props;
  const set = (key: keyof CustomerForm, value: string) => props.onChange({ ...form, [key]: value });
  return (
    <>
      <div className="form-row">
        <Field label={t("cust.name")} value={form.name} onChange={(e) => set("name", e.target.value)} error={errors.name} autoComplete="off" />
        <Field label={t("cust.document")} value={form.document} help={t("cust.documentHelp")} onChange={(e) => set("document", e.target.value)} error={errors.document} />
        <Select label={t("cust.pop")} value={form.pop_id} onChange={(e) => set("pop_id", e.target.value)} error={errors.pop_id}>
          <option value="">{t("common.noPop")}</option>
          {props.pops?.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </Select>
      </div>
      <div className="form-row">
        <Field label={t("cust.email")} type="email" value={form.email} onChange={(e) => set("email", e.target.value)} error={errors.email} />
        <Field label={t("cust.phone")} type="tel" value={form.phone} onChange={(e) => set("phone", e.target.value)} error={errors.phone} />
        <Field label={t("cust.plan")} value={form.plan} onChange={(e) => set("plan", e.target.value)} error={errors.plan} />
      </div>
      <div className="form-row">
        <Field label={t("cust.externalRef")} value={form.external_ref} help={t("cust.externalRefHelp")} onChange={(e) => set("external_ref", e.target.value)} error={errors.external_ref} />
        <Select label={t("cust.status")} value={form.status} onChange={(e) => set("status", e.target.value)} error={errors.status}>
          {CUSTOMER_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`custStatus.${s}` as MessageKey)}
            </option>
          ))}
        </Select>
        <Field
          label={t("cust.sla")}
          inputMode="decimal"
          value={form.sla_target_percent}
          placeholder="99,5"
          help={t("cust.slaHelp")}
          onChange={(e) => set("sla_target_percent", e.target.value)}
          error={errors.sla_target_percent}
        />
      </div>
    </>
  );
}

export function customerLabels(t: (key: MessageKey) => string): Record<string, string> {
  return {
    name: t("cust.name"),
    document: t("cust.document"),
    pop_id: t("cust.pop"),
    email: t("cust.email"),
    phone: t("cust.phone"),
    plan: t("cust.plan"),
    external_ref: t("cust.externalRef"),
    status: t("cust.status"),
    sla_target_percent: t("cust.sla"),
  };
}

/** The devices of a POP or a customer, each with a way to take it out; and a search to bring one in.
 *  `assign` is the change that puts a device here, `release` the one that takes it out. */
export function AssignedDevices(props: {
  title: string;
  filter: { pop_id?: string; customer_id?: string };
  assign: (device: Device) => Record<string, unknown>;
  release: Record<string, unknown>;
  testId: string;
}) {
  const { t } = useI18n();
  const { api, cache, can, online } = useApp();
  useTopics("devices");
  const url = `/api/v1/devices${buildQuery({ ...props.filter, limit: 100, sort: "name" })}`;
  const devices = useQuery<Page<Device>>(can("devices.read") ? url : null);
  const [search, setSearch] = useState("");
  const [term, setTerm] = useState<string | null>(null);
  useEffect(() => {
    const timer = setTimeout(() => setTerm(searchTerm(search)), 300);
    return () => clearTimeout(timer);
  }, [search]);
  const candidates = useQuery<Page<Device>>(term ? `/api/v1/devices${buildQuery({ q: term, limit: 8, sort: "name" })}` : null);
  const action = useAction();
  const writable = can("devices.write");
  const change = async (device: Device, body: Record<string, unknown>) => {
    const saved = await action.run(() => api.request<Device>("PATCH", `/api/v1/devices/${device.id}`, body));
    if (saved) cache.invalidate("/api/v1/devices");
  };
  if (!can("devices.read")) return null;
  const here = new Set(devices.data?.items.map((d) => d.id));
  const columns: Column<Device>[] = [
    { key: "name", label: t("devices.name"), render: (d) => <Link href={`/devices/${d.id}`}>{d.name}</Link> },
    { key: "status", label: t("devices.status"), render: (d) => <DeviceStatus status={d.status} /> },
    { key: "serial", label: t("device.serial"), render: (d) => <code>{d.serial_number ?? "—"}</code> },
    { key: "ip", label: t("devices.ip"), render: (d) => <code>{d.management_ip ?? "—"}</code> },
  ];
  if (writable) {
    columns.push({
      key: "release",
      label: t("common.actions"),
      render: (d) => (
        <button type="button" className="btn btn-small" disabled={!online || action.busy} onClick={() => change(d, props.release)} aria-label={t("hier.releaseFor", { name: d.name })}>
          {t("hier.release")}
        </button>
      ),
    });
  }
  return (
    <Card title={props.title} labelledBy={`${props.testId}-title`}>
      {action.error ? <ErrorNote error={action.error} /> : null}
      {devices.error ? (
        <ErrorNote error={devices.error} retry={devices.reload} />
      ) : !devices.data ? (
        <Loading />
      ) : (
        <DataTable caption={props.title} rows={devices.data.items} rowKey={(d) => d.id} columns={columns} empty={t("hier.noDevices")} testId={props.testId} />
      )}
      {writable && (
        <div className="assign">
          <div className="field">
            <label htmlFor={`${props.testId}-search`}>{t("hier.assignSearch")}</label>
            <input id={`${props.testId}-search`} type="search" value={search} placeholder={t("devices.searchPlaceholder")} onChange={(e) => setSearch(e.target.value)} />
          </div>
          {term && candidates.data && (
            <ul className="plain-list" data-testid={`${props.testId}-candidates`}>
              {candidates.data.items.length === 0 && <li className="muted">{t("hier.noMatch")}</li>}
              {candidates.data.items.map((d) => (
                <li key={d.id} className="candidate">
                  <span>
                    <strong>{d.name}</strong> <span className="muted mono">{[d.serial_number, d.management_ip].filter(Boolean).join(" · ")}</span>
                  </span>
                  {here.has(d.id) ? (
                    <span className="muted">{t("hier.already")}</span>
                  ) : (
                    <button type="button" className="btn btn-small" disabled={!online || action.busy} onClick={() => change(d, props.assign(d))} aria-label={t("hier.assignFor", { name: d.name })}>
                      {t("hier.assign")}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </Card>
  );
}
