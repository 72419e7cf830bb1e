// Provisioning templates: the list, the editor (Wi-Fi per band as fields, the other settings as JSON with
// the API's refusal shown at its field or line), versions, the diff between two versions and rollback.
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { ApiError } from "../../lib/api";
import { useApp, useQuery } from "../../lib/app";
import { diffDocuments, templateDiffRows } from "../../lib/diff";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { buildQuery, Link, navigate } from "../../lib/router";
import type { Page, Pop } from "../../lib/types";
import { Card } from "../../ui/Card";
import { DiffView } from "../../ui/DiffView";
import { Field, Select, TextArea } from "../../ui/Form";
import { SubNav, type SubNavSection } from "../../ui/SubNav";
import { DataTable, Pager, type Column } from "../../ui/Table";
import { ErrorNote, Loading } from "../../ui/States";
import { ConfirmButton, FormProblem, useAction } from "../alerts/common";
import { HelpButton } from "../help/HelpButton";
import {
  BANDS,
  CHANNEL_WIDTHS,
  emptyTemplate,
  formSettings,
  lineOfPath,
  SECURITY_MODES,
  templateBody,
  templateFormField,
  templateToForm,
  wifiBands,
  type Band,
  type Check,
  type FieldErrors,
  type TemplateDiffRecord,
  type TemplateForm,
  type TemplateRecord,
  type TemplateVersionRecord,
  type TemplateWithVersion,
  type Tri,
  type WifiForm,
} from "./logic";

const LIMIT = 25;
const SECTIONS: SubNavSection[] = [
  { href: "/provisioning", label: "provNav.templates" },
  { href: "/provisioning/rollouts", label: "provNav.rollouts" },
];

export function ProvisioningNav(props: { path: string }) {
  const current = (href: string) => (href === "/provisioning" ? !props.path.startsWith("/provisioning/rollouts") : props.path.startsWith(href));
  return <SubNav label="provNav.label" sections={SECTIONS} current={current} />;
}

/** The form checks' messages in the caller's language (keys `form.*`). */
export function useCheck(): Check {
  const { t } = useI18n();
  return (key, values) => t(`form.${key}` as MessageKey, values);
}

export function matchText(match: TemplateRecord["match"]): string {
  const parts = [match.manufacturer, match.product_class, match.oui && `OUI ${match.oui}`, match.firmware && `fw ${match.firmware}`].filter(Boolean);
  return parts.join(" · ");
}

export function TemplateList(props: { path: string; query: Record<string, string> }) {
  const { t, dateTime, number } = useI18n();
  const { can, online } = useApp();
  const offset = Number(props.query.offset ?? 0) || 0;
  const templates = useQuery<Page<TemplateRecord>>(`/api/v1/provisioning/templates${buildQuery({ limit: LIMIT, offset: offset || undefined })}`);
  const columns: Column<TemplateRecord>[] = [
    { key: "name", label: t("devices.name"), render: (x) => <Link href={`/provisioning/templates/${x.id}`}>{x.name}</Link> },
    { key: "match", label: t("tpl.match"), render: (x) => matchText(x.match) || <span className="muted">{t("tpl.matchAll")}</span> },
    { key: "priority", label: t("tpl.priority"), className: "num", render: (x) => number(x.priority) },
    { key: "version", label: t("tpl.currentVersion"), className: "num", render: (x) => `v${x.current_version}` },
    { key: "updated", label: t("tpl.updated"), render: (x) => dateTime(x.updated_at) },
  ];
  return (
    <>
      <ProvisioningNav path={props.path} />
      <div className="page-head">
        <h1>{t("tpl.title")}</h1>
        <HelpButton module="provisioning" />
        {can("provisioning.write") && (
          <Link className={`btn btn-primary${online ? "" : " disabled"}`} href="/provisioning/templates/new">
            {t("tpl.new")}
          </Link>
        )}
      </div>
      <Card>
        <p className="muted">{t("tpl.intro")}</p>
        {templates.error ? (
          <ErrorNote error={templates.error} retry={templates.reload} />
        ) : !templates.data ? (
          <Loading />
        ) : (
          <>
            <DataTable caption={t("tpl.title")} rows={templates.data.items} rowKey={(x) => x.id} columns={columns} empty={t("tpl.empty")} testId="template-table" />
            {templates.data.total > LIMIT && (
              <Pager offset={offset} limit={LIMIT} total={templates.data.total} onChange={(o) => navigate(`/provisioning${buildQuery({ offset: o || undefined })}`, true)} />
            )}
          </>
        )}
      </Card>
    </>
  );
}

/** Create a template (`id` absent) or see one: its editor saves a new version; versions, diff, rollback. */
export function TemplateEditor(props: { id?: string; path: string }) {
  const { t } = useI18n();
  const current = useQuery<TemplateWithVersion>(props.id ? `/api/v1/provisioning/templates/${props.id}` : null);
  const [saved, setSaved] = useState<number | null>(null);
  if (props.id && !current.data) return current.error ? <ErrorNote error={current.error} retry={current.reload} /> : <Loading />;
  const data = current.data;
  return (
    <>
      <ProvisioningNav path={props.path} />
      <div className="page-head">
        <p className="crumbs">
          <Link href="/provisioning">{t("tpl.title")}</Link> /
        </p>
        <h1>{data ? data.template.name : t("tpl.new")}</h1>
        {data && <p className="muted">{t("tpl.versionNow", { version: data.template.current_version })}</p>}
      </div>
      {/* Keyed by version: a save or rollback elsewhere starts the form again from the new current version. */}
      <TemplateForm key={data ? `${data.template.id}-${data.version.version}` : "new"} existing={data} onSaved={setSaved} />
      {saved !== null && saved === data?.template.current_version && (
        <p className="note note-ok" role="status" data-testid="template-saved">
          {t("tpl.saved", { version: saved })}
        </p>
      )}
      {data && <Versions template={data.template} />}
    </>
  );
}

function TemplateForm(props: { existing?: TemplateWithVersion; onSaved: (version: number | null) => void }) {
  const { t } = useI18n();
  const { api, cache, can, online } = useApp();
  const check = useCheck();
  const writable = can("provisioning.write");
  const pops = useQuery<Page<Pop>>(can("pops.read") ? "/api/v1/pops?limit=500" : null);
  const [form, setForm] = useState<TemplateForm>(() => (props.existing ? templateToForm(props.existing) : emptyTemplate()));
  const [local, setLocal] = useState<FieldErrors>({});
  const [sentBands, setSentBands] = useState<Band[]>([]);
  const action = useAction();
  const create = !props.existing;
  // The API's refusal at its field: a Wi-Fi field, or a line of the JSON editor.
  const apiError = action.error instanceof ApiError && action.error.status === 400 ? action.error : undefined;
  const mapped = templateFormField(apiError?.field, sentBands);
  const errors: FieldErrors = { ...local };
  if (!Object.keys(local).length && apiError && mapped) {
    if (mapped.field === "other" && mapped.path) {
      const line = lineOfPath(form.other, mapped.path);
      errors.other = line ? t("tpl.jsonAt", { line, path: mapped.path, message: apiError.message }) : t("tpl.jsonPath", { path: mapped.path, message: apiError.message });
    } else errors[mapped.field] = apiError.message;
  }
  const changes = useMemo(() => {
    if (!props.existing) return null;
    const next = formSettings(form);
    return next ? diffDocuments(props.existing.version.settings, next) : null;
  }, [form, props.existing]);
  // Once a submit found problems, they follow the edits (a fixed field stops being marked).
  const set = <K extends keyof TemplateForm>(key: K, value: TemplateForm[K]) => {
    const next = { ...form, [key]: value };
    setForm(next);
    if (Object.keys(local).length) setLocal(templateBody(next, check, create).errors);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    props.onSaved(null);
    const { body, errors: found } = templateBody(form, check, create);
    setLocal(found);
    action.setError(null);
    if (!body) return;
    setSentBands(wifiBands(form));
    const result = await action.run(() =>
      create ? api.post<TemplateWithVersion>("/api/v1/provisioning/templates", body) : api.post<TemplateWithVersion>(`/api/v1/provisioning/templates/${props.existing!.template.id}/versions`, body),
    );
    if (!result) return;
    cache.invalidate("/api/v1/provisioning/templates");
    if (create) navigate(`/provisioning/templates/${result.template.id}`);
    else props.onSaved(result.version.version);
  };
  const archive = async () => {
    const done = await action.run(() => api.request("DELETE", `/api/v1/provisioning/templates/${props.existing!.template.id}`));
    if (done !== undefined) {
      cache.invalidate("/api/v1/provisioning/templates");
      navigate("/provisioning");
    }
  };
  return (
    <form onSubmit={submit} noValidate data-testid="template-form">
      {/* The field is shown at its own place in the form, so the note does not name it. */}
      <FormProblem local={local} action={{ error: action.error }} labels={{}} />
      {!writable && <p className="note">{t("tpl.readOnly")}</p>}
      <fieldset disabled={!writable || action.busy} className="plain-fieldset">
        <Card title={t("tpl.matchTitle")} labelledBy="tpl-match">
          <div className="form-row">
            <Field label={t("devices.name")} value={form.name} disabled={!create} onChange={(e) => set("name", e.target.value)} error={errors.name} autoComplete="off" />
            <Field label={t("tpl.priority")} type="number" value={form.priority} help={t("tpl.priorityHelp")} onChange={(e) => set("priority", e.target.value)} error={errors.priority} />
            {create && pops.data && (
              <Select label={t("devices.pop")} value={form.pop_id} onChange={(e) => set("pop_id", e.target.value)} error={errors.pop_id}>
                <option value="">{t("tpl.popAll")}</option>
                {pops.data.items.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </Select>
            )}
          </div>
          <div className="form-row">
            <Field label={t("tpl.manufacturer")} value={form.manufacturer} placeholder="Huawei*" onChange={(e) => set("manufacturer", e.target.value)} error={errors.manufacturer} />
            <Field label={t("tpl.productClass")} value={form.product_class} placeholder="EG8145*" onChange={(e) => set("product_class", e.target.value)} error={errors.product_class} />
            <Field label={t("device.oui")} value={form.oui} onChange={(e) => set("oui", e.target.value)} error={errors.oui} />
            <Field label={t("device.firmware")} value={form.firmware} onChange={(e) => set("firmware", e.target.value)} error={errors.firmware} />
          </div>
          <p className="field-help">{t("tpl.globHelp")}</p>
        </Card>
        <div className="grid two">
          {BANDS.map((band) => (
            <WifiFields key={band} band={band} form={form.wifi[band]} errors={errors} onChange={(wifi) => set("wifi", { ...form.wifi, [band]: wifi })} />
          ))}
        </div>
        <Card title={t("tpl.policies")} labelledBy="tpl-policies">
          <fieldset className="checks">
            <legend>{t("tpl.allowedSecurity")}</legend>
            {SECURITY_MODES.map((mode) => (
              <label key={mode} className="check">
                <input
                  type="checkbox"
                  checked={form.allowed_security.includes(mode)}
                  onChange={(e) => set("allowed_security", e.target.checked ? [...form.allowed_security, mode] : form.allowed_security.filter((m) => m !== mode))}
                />{" "}
                {t(`sec.${mode}` as MessageKey)}
              </label>
            ))}
          </fieldset>
          <div className="form-row">
            <Field label={t("tpl.wpsOff")} type="checkbox" checked={form.wps_off} onChange={(e) => set("wps_off", e.target.checked)} />
            <Field label={t("tpl.informInterval")} type="number" value={form.inform_interval} help={t("tpl.informHelp")} onChange={(e) => set("inform_interval", e.target.value)} error={errors.inform_interval} />
          </div>
        </Card>
        <Card title={t("tpl.other")} labelledBy="tpl-other">
          <TextArea
            label={t("tpl.otherJson")}
            rows={10}
            spellCheck={false}
            className="mono"
            value={form.other}
            help={t("tpl.otherHelp")}
            onChange={(e) => set("other", e.target.value)}
            error={errors.other}
            data-testid="template-json"
          />
          <Field label={t("tpl.note")} value={form.note} onChange={(e) => set("note", e.target.value)} error={errors.note} />
        </Card>
      </fieldset>
      {changes && (
        <Card title={t("tpl.unsaved")} labelledBy="tpl-unsaved">
          <DiffView rows={changes} caption={t("tpl.unsaved")} empty={t("tpl.noUnsaved")} testId="unsaved-diff" />
        </Card>
      )}
      {writable && (
        <div className="row">
          <button type="submit" className="btn btn-primary" disabled={!online || action.busy}>
            {create ? t("tpl.create") : t("tpl.saveVersion")}
          </button>
          {!create && (
            <span className="push-right">
              <ConfirmButton label={t("tpl.archive")} question={t("tpl.archiveConfirm", { name: props.existing!.template.name })} disabled={!online || action.busy} onConfirm={archive} />
            </span>
          )}
        </div>
      )}
    </form>
  );
}

function TriSelect(props: { label: string; value: Tri; onChange: (value: Tri) => void; error?: string }) {
  const { t } = useI18n();
  return (
    <Select label={props.label} value={props.value} onChange={(e) => props.onChange(e.target.value as Tri)} error={props.error}>
      <option value="">{t("tpl.keep")}</option>
      <option value="on">{t("tpl.on")}</option>
      <option value="off">{t("tpl.off")}</option>
    </Select>
  );
}

function WifiFields(props: { band: Band; form: WifiForm; errors: FieldErrors; onChange: (form: WifiForm) => void }) {
  const { t } = useI18n();
  const { band, form, errors } = props;
  const set = <K extends keyof WifiForm>(key: K, value: WifiForm[K]) => props.onChange({ ...form, [key]: value });
  const at = (name: string) => errors[`wifi.${band}.${name}`];
  const id = `wifi-${band.replace(".", "")}`;
  return (
    <Card title={t("tpl.wifiBand", { band })} labelledBy={id}>
      <Field label={t("tpl.wifiSet", { band })} type="checkbox" checked={form.present} onChange={(e) => set("present", e.target.checked)} error={at("band")} />
      {form.present && (
        <>
          <div className="form-row">
            <TriSelect label={t("tpl.radio", { band })} value={form.enabled} onChange={(v) => set("enabled", v)} error={at("enabled")} />
            <Field label={t("tpl.ssid", { band })} value={form.ssid} placeholder="Acme-{{device.serial}}" onChange={(e) => set("ssid", e.target.value)} error={at("ssid")} autoComplete="off" />
          </div>
          <div className="form-row">
            <Field
              label={t("tpl.key", { band })}
              type="password"
              autoComplete="new-password"
              value={form.key}
              help={t("tpl.keyHelp")}
              onChange={(e) => set("key", e.target.value)}
              error={at("key")}
            />
            <Select label={t("tpl.security", { band })} value={form.security} onChange={(e) => set("security", e.target.value)} error={at("security")}>
              <option value="">{t("tpl.keep")}</option>
              {SECURITY_MODES.map((mode) => (
                <option key={mode} value={mode}>
                  {t(`sec.${mode}` as MessageKey)}
                </option>
              ))}
            </Select>
          </div>
          <div className="form-row">
            <Field label={t("tpl.channel", { band })} value={form.channel} placeholder="auto" help={t("tpl.channelHelp")} onChange={(e) => set("channel", e.target.value)} error={at("channel")} />
            <Select label={t("tpl.width", { band })} value={form.channel_width} onChange={(e) => set("channel_width", e.target.value)} error={at("channel_width")}>
              <option value="">{t("tpl.keep")}</option>
              {CHANNEL_WIDTHS.map((w) => (
                <option key={w} value={w}>
                  {w === "auto" ? t("wifi.channelAuto") : w}
                </option>
              ))}
            </Select>
          </div>
          <div className="form-row">
            <TriSelect label={t("tpl.hidden", { band })} value={form.hidden} onChange={(v) => set("hidden", v)} error={at("hidden")} />
            <TriSelect label={t("tpl.wps", { band })} value={form.wps} onChange={(v) => set("wps", v)} error={at("wps")} />
          </div>
        </>
      )}
    </Card>
  );
}

/** The versions (paged), a diff between two of them, and rollback to an older one after confirmation. */
function Versions(props: { template: TemplateRecord }) {
  const { t, dateTime } = useI18n();
  const { api, cache, can, online } = useApp();
  const id = props.template.id;
  const latest = props.template.current_version;
  const [offset, setOffset] = useState(0);
  const [from, setFrom] = useState(Math.max(1, latest - 1));
  const [to, setTo] = useState(latest);
  // A new version (saved or rolled back): compare it with the one before.
  useEffect(() => {
    setFrom(Math.max(1, latest - 1));
    setTo(latest);
  }, [latest]);
  const versions = useQuery<Page<TemplateVersionRecord>>(`/api/v1/provisioning/templates/${id}/versions${buildQuery({ limit: LIMIT, offset: offset || undefined })}`);
  const diff = useQuery<TemplateDiffRecord>(latest > 1 && from !== to ? `/api/v1/provisioning/templates/${id}/diff${buildQuery({ from, to })}` : null);
  const action = useAction();
  const [rolledBack, setRolledBack] = useState<{ from: number; to: number } | null>(null);
  const rollback = async (version: number) => {
    setRolledBack(null);
    const result = await action.run(() => api.post<TemplateWithVersion>(`/api/v1/provisioning/templates/${id}/rollback`, { version }));
    if (result) {
      setRolledBack({ from: version, to: result.version.version });
      cache.invalidate("/api/v1/provisioning/templates");
    }
  };
  // Newest first; the API lists them in version order.
  const rows = [...(versions.data?.items ?? [])].sort((a, b) => b.version - a.version);
  const numbers = Array.from({ length: latest }, (_, i) => latest - i);
  return (
    <>
      <Card title={t("tpl.versions")} labelledBy="tpl-versions">
        {action.error ? <ErrorNote error={action.error} /> : null}
        {rolledBack && (
          <p className="note note-ok" role="status" data-testid="rollback-done">
            {t("tpl.rolledBack", { from: rolledBack.from, to: rolledBack.to })}
          </p>
        )}
        {versions.error ? (
          <ErrorNote error={versions.error} retry={versions.reload} />
        ) : !versions.data ? (
          <Loading />
        ) : (
          <>
            <DataTable
              caption={t("tpl.versions")}
              rows={rows}
              rowKey={(v) => String(v.version)}
              testId="version-table"
              columns={[
                {
                  key: "version",
                  label: t("tpl.version"),
                  render: (v) => (
                    <>
                      <strong>v{v.version}</strong>
                      {v.version === latest && <span className="muted"> · {t("tpl.current")}</span>}
                    </>
                  ),
                },
                {
                  key: "note",
                  label: t("tpl.note"),
                  render: (v) => (v.source_version ? t("tpl.rollbackOf", { version: v.source_version }) : v.note || "—"),
                },
                { key: "by", label: t("tpl.by"), render: (v) => v.created_by ?? "—" },
                { key: "at", label: t("tasks.created"), render: (v) => dateTime(v.created_at) },
                {
                  key: "actions",
                  label: t("common.actions"),
                  render: (v) =>
                    v.version !== latest && can("provisioning.write") ? (
                      <ConfirmButton
                        small
                        label={t("tpl.rollback", { version: v.version })}
                        question={t("tpl.rollbackConfirm", { version: v.version, next: latest + 1 })}
                        disabled={!online || action.busy}
                        onConfirm={() => rollback(v.version)}
                      />
                    ) : (
                      "—"
                    ),
                },
              ]}
            />
            {versions.data.total > LIMIT && <Pager offset={offset} limit={LIMIT} total={versions.data.total} onChange={setOffset} />}
          </>
        )}
      </Card>
      <Card title={t("tpl.diff")} labelledBy="tpl-diff">
        {latest < 2 ? (
          <p className="muted">{t("tpl.diffOne")}</p>
        ) : (
          <>
            <div className="form-row">
              <Select label={t("tpl.diffFrom")} value={String(from)} onChange={(e) => setFrom(Number(e.target.value))}>
                {numbers.map((n) => (
                  <option key={n} value={n}>
                    v{n}
                  </option>
                ))}
              </Select>
              <Select label={t("tpl.diffTo")} value={String(to)} onChange={(e) => setTo(Number(e.target.value))}>
                {numbers.map((n) => (
                  <option key={n} value={n}>
                    v{n}
                  </option>
                ))}
              </Select>
            </div>
            {from === to ? (
              <p className="muted">{t("tpl.diffSame")}</p>
            ) : diff.error ? (
              <ErrorNote error={diff.error} retry={diff.reload} />
            ) : !diff.data ? (
              <Loading />
            ) : (
              <DiffView rows={templateDiffRows(diff.data.changes)} caption={t("tpl.diffCaption", { from, to })} empty={t("tpl.diffNone")} testId="version-diff" />
            )}
          </>
        )}
      </Card>
    </>
  );
}
