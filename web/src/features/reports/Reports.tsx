import { useEffect, useState, type ChangeEvent, type FormEvent } from "react";
import { useApp, useQuery, useTopics } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import type {
  NotificationChannelSummary,
  Page,
  Pop,
  ReportFormat,
  ReportKind,
  ReportPreview,
  ReportRequest,
  ReportRun,
  ReportSchedule,
  ReportScope,
  ReportSettings,
} from "../../lib/types";
import { Card } from "../../ui/Card";
import { Field, Select } from "../../ui/Form";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { DataTable } from "../../ui/Table";

const KINDS: ReportKind[] = ["sla", "bandwidth", "incidents", "optics"];
const SCOPES: ReportScope[] = ["provider", "pop", "customer", "device"];
const FORMATS: ReportFormat[] = ["pdf", "csv_pt_br", "csv"];
const FORMAT_LABEL: Record<ReportFormat, string> = { pdf: "PDF", csv: "CSV", csv_pt_br: "CSV (Excel pt-BR)" };

/** `yyyy-mm-dd` of a date in São Paulo. */
function localDay(date: Date): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "America/Sao_Paulo", year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
}

/** The previous local month, the builder's default period. */
function previousMonth(): { from: string; to: string } {
  const [year, month] = localDay(new Date()).split("-").map(Number);
  const first = new Date(Date.UTC(month === 1 ? year - 1 : year, month === 1 ? 11 : month - 2, 1));
  const last = new Date(Date.UTC(year, month - 1, 0));
  return { from: first.toISOString().slice(0, 10), to: last.toISOString().slice(0, 10) };
}

/** Reports: builder with preview, archive of generated files, and e-mail schedules. */
export function ReportsPage() {
  const { t } = useI18n();
  const { can } = useApp();
  return (
    <>
      <div className="page-head">
        <h1>{t("reports.title")}</h1>
      </div>
      {can("reports.read") && <Builder />}
      <Archive />
      <Schedules />
      {can("reports.read") && <SettingsCard />}
    </>
  );
}

/** Options for the scope's entity: POPs, customers or devices of the provider. */
function ScopeChoice(props: { scope: ReportScope; value: string; onChange: (id: string) => void }) {
  const { t } = useI18n();
  const path = props.scope === "pop" ? "pops" : props.scope === "customer" ? "customers" : props.scope === "device" ? "devices" : null;
  const list = useQuery<Page<Pop>>(path ? `/api/v1/${path}?limit=500` : null);
  if (!path) return null;
  return (
    <Select label={t("reports.scopeId")} value={props.value} onChange={(e) => props.onChange(e.target.value)} data-testid="report-scope-id" required>
      <option value="">—</option>
      {(list.data?.items ?? []).map((item) => (
        <option key={item.id} value={item.id}>
          {item.name}
        </option>
      ))}
    </Select>
  );
}

function Builder() {
  const { t } = useI18n();
  const { api, can, cache, online } = useApp();
  const defaults = previousMonth();
  const [kind, setKind] = useState<ReportKind>("sla");
  const [scope, setScope] = useState<ReportScope>("provider");
  const [scopeId, setScopeId] = useState("");
  const [from, setFrom] = useState(defaults.from);
  const [to, setTo] = useState(defaults.to);
  const [formats, setFormats] = useState<ReportFormat[]>(["pdf", "csv_pt_br"]);
  const [language, setLanguage] = useState<"pt-BR" | "en">("pt-BR");
  const [preview, setPreview] = useState<ReportPreview | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const request = (): ReportRequest => ({
    kind,
    from,
    to,
    formats,
    language,
    ...(scope === "provider" ? {} : { scope, scope_id: scopeId }),
  });
  const run = async (action: "preview" | "generate", event?: FormEvent) => {
    event?.preventDefault();
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      if (action === "preview") {
        setPreview(await api.post<ReportPreview>("/api/v1/reports/preview", { ...request(), formats: undefined, top: 20 }));
      } else {
        await api.post<ReportRun>("/api/v1/reports", request());
        cache.invalidate("/api/v1/reports");
        setNotice(t("reports.queued"));
      }
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Card title={t("reports.builder")}>
        <form className="report-form" onSubmit={(e) => run("generate", e)} data-testid="report-builder">
          <Select label={t("reports.kind")} value={kind} onChange={(e) => setKind(e.target.value as ReportKind)} data-testid="report-kind">
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`reports.kind.${k}` as MessageKey)}
              </option>
            ))}
          </Select>
          <Select
            label={t("reports.scope")}
            value={scope}
            onChange={(e) => {
              setScope(e.target.value as ReportScope);
              setScopeId("");
            }}
            data-testid="report-scope"
          >
            {SCOPES.map((s) => (
              <option key={s} value={s}>
                {t(`reports.scope.${s}` as MessageKey)}
              </option>
            ))}
          </Select>
          <ScopeChoice scope={scope} value={scopeId} onChange={setScopeId} />
          <Field label={t("reports.from")} type="date" value={from} onChange={(e) => setFrom(e.target.value)} required data-testid="report-from" />
          <Field label={t("reports.to")} type="date" value={to} onChange={(e) => setTo(e.target.value)} required data-testid="report-to" />
          <Select label={t("reports.language")} value={language} onChange={(e) => setLanguage(e.target.value as "pt-BR" | "en")}>
            <option value="pt-BR">Português (BR)</option>
            <option value="en">English</option>
          </Select>
          <fieldset className="field">
            <legend>{t("reports.formats")}</legend>
            {FORMATS.map((f) => (
              <label key={f} className="check">
                <input
                  type="checkbox"
                  checked={formats.includes(f)}
                  onChange={(e) => setFormats(e.target.checked ? [...formats, f] : formats.filter((x) => x !== f))}
                />{" "}
                {FORMAT_LABEL[f]}
              </label>
            ))}
          </fieldset>
          <div className="row">
            <button type="button" className="btn" disabled={busy || !online} onClick={() => run("preview")} data-testid="report-preview">
              {t("reports.preview")}
            </button>
            {can("reports.execute") && (
              <button type="submit" className="btn btn-primary" disabled={busy || !online || formats.length === 0} data-testid="report-generate">
                {t("reports.generate")}
              </button>
            )}
          </div>
        </form>
        {notice && <p className="note" role="status">{notice}</p>}
        {error ? <ErrorNote error={error} /> : null}
      </Card>
      {preview && <PreviewView preview={preview} />}
    </>
  );
}

function PreviewView(props: { preview: ReportPreview }) {
  const { t } = useI18n();
  const { preview } = props;
  return (
    <Card title={`${t("reports.previewTitle")}: ${preview.title} — ${preview.scope} — ${preview.period}`}>
      <dl className="figures" data-testid="report-figures">
        {preview.figures.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {preview.tables.map((table) => (
        <section key={table.title} className="preview-table">
          <h3>{table.title}</h3>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  {table.columns.map((c) => (
                    <th key={c} scope="col">
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {table.rows.map((row, index) => (
                  <tr key={index} className={table.highlighted.includes(index) ? "breach" : undefined}>
                    {row.map((cell, column) => (
                      <td key={column}>{cell}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted">{t("reports.rowsShown", { shown: table.rows.length, total: table.total })}</p>
        </section>
      ))}
    </Card>
  );
}

function RunStatus(props: { run: ReportRun }) {
  const { t } = useI18n();
  const { run } = props;
  const tone = run.status === "done" ? "online" : run.status === "failed" ? "offline" : "pending";
  return <Badge tone={tone}>{t(`reports.status.${run.status}` as MessageKey, { progress: run.progress })}</Badge>;
}

function Archive() {
  const { t, dateTime } = useI18n();
  const { api } = useApp();
  useTopics("reports");
  const runs = useQuery<Page<ReportRun>>("/api/v1/reports?limit=50");
  const [error, setError] = useState<unknown>(null);
  const download = async (run: ReportRun, file: ReportRun["files"][number]) => {
    try {
      const blob = await api.blob(`/api/v1/reports/${run.id}/files/${file.format}`);
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = file.name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <Card title={t("reports.archive")}>
      {error ? <ErrorNote error={error} /> : null}
      {runs.error ? (
        <ErrorNote error={runs.error} retry={runs.reload} />
      ) : !runs.data ? (
        <Loading />
      ) : (
        <DataTable
          caption={t("reports.archive")}
          testId="report-archive"
          rows={runs.data.items}
          rowKey={(r) => r.id}
          empty={t("reports.empty")}
          columns={[
            { key: "kind", label: t("reports.kind"), render: (r) => t(`reports.kind.${r.kind}` as MessageKey) },
            { key: "period", label: t("reports.period"), render: (r) => `${r.request.from ?? ""} – ${r.request.to ?? ""}` },
            { key: "status", label: t("reports.status"), render: (r) => <RunStatus run={r} /> },
            { key: "created", label: t("reports.created"), render: (r) => `${dateTime(r.created_at)} · ${r.created_by}` },
            {
              key: "files",
              label: t("reports.files"),
              render: (r) => (
                <span className="row-inline">
                  {r.files.map((f) => (
                    <button key={f.format} type="button" className="btn btn-small" onClick={() => download(r, f)}>
                      {t("reports.download", { format: FORMAT_LABEL[f.format] })}
                    </button>
                  ))}
                </span>
              ),
            },
          ]}
        />
      )}
    </Card>
  );
}

function Schedules() {
  const { t, dateTime } = useI18n();
  const { api, can, cache, online } = useApp();
  const schedules = useQuery<Page<ReportSchedule>>("/api/v1/report-schedules?limit=100");
  const channels = useQuery<Page<NotificationChannelSummary>>(can("reports.write") ? "/api/v1/notification-channels?limit=100" : null);
  const email = (channels.data?.items ?? []).filter((c) => c.channel.type === "email");
  const [name, setName] = useState("");
  const [kind, setKind] = useState<ReportKind>("sla");
  const [cadence, setCadence] = useState<ReportSchedule["cadence"]>("monthly");
  const [cron, setCron] = useState("0 7 * * 1");
  const [channel, setChannel] = useState("");
  const [recipients, setRecipients] = useState("");
  const [error, setError] = useState<unknown>(null);
  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await api.post("/api/v1/report-schedules", {
        name,
        request: { kind, formats: ["pdf", "csv_pt_br"] },
        cadence,
        ...(cadence === "cron" ? { cron } : {}),
        channel_id: channel || email[0]?.id,
        recipients: recipients.split(",").map((r) => r.trim()).filter(Boolean),
      });
      setName("");
      cache.invalidate("/api/v1/report-schedules");
    } catch (failure) {
      setError(failure);
    }
  };
  const remove = async (id: string) => {
    try {
      await api.request("DELETE", `/api/v1/report-schedules/${id}`);
      cache.invalidate("/api/v1/report-schedules");
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <Card title={t("reports.schedules")}>
      {schedules.data ? (
        <DataTable
          caption={t("reports.schedules")}
          testId="report-schedules"
          rows={schedules.data.items}
          rowKey={(s) => s.id}
          empty={t("reports.schedule.empty")}
          columns={[
            { key: "name", label: t("reports.schedule.name"), render: (s) => s.name },
            { key: "kind", label: t("reports.kind"), render: (s) => t(`reports.kind.${s.request.kind}` as MessageKey) },
            { key: "cadence", label: t("reports.schedule.cadence"), render: (s) => (s.cadence === "cron" ? s.cron ?? "" : t(`reports.schedule.cadence.${s.cadence}` as MessageKey)) },
            { key: "recipients", label: t("reports.schedule.recipients"), render: (s) => s.recipients.join(", ") },
            { key: "next", label: t("reports.schedule.next"), render: (s) => (s.enabled ? dateTime(s.next_run_at) : "—") },
            {
              key: "actions",
              label: "",
              render: (s) =>
                can("reports.write") ? (
                  <button type="button" className="btn btn-small" disabled={!online} onClick={() => remove(s.id)}>
                    {t("reports.schedule.delete")}
                  </button>
                ) : null,
            },
          ]}
        />
      ) : schedules.error ? (
        <ErrorNote error={schedules.error} retry={schedules.reload} />
      ) : (
        <Loading />
      )}
      {can("reports.write") &&
        (channels.data && email.length === 0 ? (
          <p className="note">{t("reports.schedule.noChannel")}</p>
        ) : (
          <form className="report-form" onSubmit={create} data-testid="schedule-form">
            <Field label={t("reports.schedule.name")} value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
            <Select label={t("reports.kind")} value={kind} onChange={(e) => setKind(e.target.value as ReportKind)}>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`reports.kind.${k}` as MessageKey)}
                </option>
              ))}
            </Select>
            <Select label={t("reports.schedule.cadence")} value={cadence} onChange={(e) => setCadence(e.target.value as ReportSchedule["cadence"])}>
              {(["daily", "weekly", "monthly", "cron"] as const).map((c) => (
                <option key={c} value={c}>
                  {t(`reports.schedule.cadence.${c}` as MessageKey)}
                </option>
              ))}
            </Select>
            {cadence === "cron" && <Field label={t("reports.schedule.cron")} value={cron} onChange={(e) => setCron(e.target.value)} required />}
            <Select label={t("reports.schedule.channel")} value={channel} onChange={(e) => setChannel(e.target.value)}>
              {email.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </Select>
            <Field label={t("reports.schedule.recipients")} value={recipients} onChange={(e) => setRecipients(e.target.value)} required />
            <div className="row">
              <button type="submit" className="btn btn-primary" disabled={!online}>
                {t("reports.schedule.create")}
              </button>
            </div>
          </form>
        ))}
      {error ? <ErrorNote error={error} /> : null}
    </Card>
  );
}

/** Brazil's zones of the tz database, offered first; any other zone of the database may be typed. */
const BRAZIL_ZONES = [
  "America/Sao_Paulo",
  "America/Bahia",
  "America/Fortaleza",
  "America/Recife",
  "America/Maceio",
  "America/Belem",
  "America/Araguaina",
  "America/Santarem",
  "America/Manaus",
  "America/Cuiaba",
  "America/Campo_Grande",
  "America/Porto_Velho",
  "America/Boa_Vista",
  "America/Rio_Branco",
  "America/Eirunepe",
  "America/Noronha",
];

function kibibytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The provider's report time zone and cover logo: shown to whoever reads reports, changed with `settings.write`. */
function SettingsCard() {
  const { t } = useI18n();
  const { api, can, cache, online } = useApp();
  const settings = useQuery<ReportSettings>("/api/v1/report-settings");
  const editable = can("settings.write");
  const [zone, setZone] = useState<string | null>(null);
  const [logoUrl, setLogoUrl] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<MessageKey | null>(null);
  const hash = settings.data?.logo?.sha256 ?? null;
  // The stored logo as a data: URL (the route needs the session, so no plain <img src>; the page's
  // policy allows data: images, not blob: ones).
  useEffect(() => {
    if (!hash) {
      setLogoUrl(null);
      return undefined;
    }
    let cancelled = false;
    api
      .blob("/api/v1/report-settings/logo")
      .then(
        (blob) =>
          new Promise<string>((resolve, reject) => {
            const reader = new FileReader();
            reader.onload = () => resolve(String(reader.result));
            reader.onerror = () => reject(reader.error);
            reader.readAsDataURL(blob);
          }),
      )
      .then((url) => {
        if (!cancelled) setLogoUrl(url);
      })
      .catch(() => {
        if (!cancelled) setLogoUrl(null);
      });
    return () => {
      cancelled = true;
    };
  }, [api, hash]);
  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await work();
      cache.invalidate("/api/v1/report-settings");
      setNotice("reports.settings.saved");
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    void act(async () => {
      await api.request<ReportSettings>("PATCH", "/api/v1/report-settings", { time_zone: (zone ?? settings.data?.time_zone ?? "").trim() });
      setZone(null);
    });
  };
  const upload = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (file) void act(() => api.request("PUT", "/api/v1/report-settings/logo", file.type ? file : new Blob([file], { type: "image/png" })));
  };
  const remove = () => void act(() => api.request("DELETE", "/api/v1/report-settings/logo"));
  if (settings.error) {
    return (
      <Card title={t("reports.settings")}>
        <ErrorNote error={settings.error} retry={settings.reload} />
      </Card>
    );
  }
  if (!settings.data) {
    return (
      <Card title={t("reports.settings")}>
        <Loading />
      </Card>
    );
  }
  const logo = settings.data.logo;
  return (
    <Card title={t("reports.settings")}>
      <form className="report-form" onSubmit={save} data-testid="report-settings">
        <Field
          label={t("reports.settings.timeZone")}
          help={t("reports.settings.timeZoneHelp")}
          value={zone ?? settings.data.time_zone}
          onChange={(e) => setZone(e.target.value)}
          list="report-time-zones"
          required
          maxLength={64}
          readOnly={!editable}
          data-testid="report-time-zone"
        />
        <datalist id="report-time-zones">
          {BRAZIL_ZONES.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        {editable && (
          <div className="row">
            <button type="submit" className="btn btn-primary" disabled={busy || !online}>
              {t("reports.settings.save")}
            </button>
          </div>
        )}
      </form>
      <div className="report-logo" data-testid="report-logo">
        {logo && logoUrl ? (
          <figure>
            <img src={logoUrl} alt={t("reports.settings.logo")} width={96} height={Math.round((96 * logo.height) / Math.max(logo.width, 1))} />
            <figcaption>{t("reports.settings.logoSize", { width: logo.width, height: logo.height, size: kibibytes(logo.bytes) })}</figcaption>
          </figure>
        ) : (
          <p className="note">{t("reports.settings.logoNone")}</p>
        )}
        {editable ? (
          <div className="row">
            <Field label={t("reports.settings.logo")} type="file" accept="image/png" onChange={upload} disabled={busy || !online} data-testid="report-logo-file" />
            {logo && (
              <button type="button" className="btn" onClick={remove} disabled={busy || !online} data-testid="report-logo-remove">
                {t("reports.settings.logoRemove")}
              </button>
            )}
          </div>
        ) : (
          <p className="note">{t("reports.settings.readOnly")}</p>
        )}
      </div>
      {notice && <p className="note" role="status">{t(notice)}</p>}
      {error ? <ErrorNote error={error} /> : null}
    </Card>
  );
}
