// The tools page: pick a tool, where it runs (platform, a POP's agent, a CPE) and the target; the run's
// output streams in below; the history of runs is listed with a CSV export.
import { useState, type FormEvent } from "react";
import { ApiError } from "../../lib/api";
import { useApp, useQuery } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import type { Page, Pop } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Field, Select } from "../../ui/Form";
import { Badge } from "../../ui/States";
import { RunOutput } from "./RunOutput";
import { CPE_ONLY, localSummary, localTarget, runBody, TOOLS, type SpeedDirection, type ToolKind, type ToolOrigin, type ToolRun } from "./toolRuns";
import { HelpButton } from "../help/HelpButton";

const PLACEHOLDER: Record<ToolKind, string> = {
  ping: "203.0.113.7",
  traceroute: "203.0.113.7",
  mtr: "203.0.113.7",
  port_scan: "203.0.113.7",
  ip_scan: "203.0.113.0/24",
  dns: "example.com",
  http: "https://example.com/",
  speedtest: "",
};

export function ToolsPage(props: { theme: string; query: Record<string, string> }) {
  const { t, dateTime, number } = useI18n();
  const { api, can, cache } = useApp();
  const [tool, setTool] = useState<ToolKind>("ping");
  const [origin, setOrigin] = useState<ToolOrigin>("platform");
  const [target, setTarget] = useState("");
  const [popId, setPopId] = useState("");
  const [deviceId, setDeviceId] = useState(props.query.device_id ?? "");
  const [ports, setPorts] = useState("1-1024");
  const [recordType, setRecordType] = useState("A");
  const [server, setServer] = useState("");
  const [direction, setDirection] = useState<SpeedDirection>("download");
  const [megabytes, setMegabytes] = useState("10");
  const cpeOnly = CPE_ONLY.includes(tool);
  const where: ToolOrigin = cpeOnly ? "cpe" : origin;
  const [error, setError] = useState<{ field?: string; message: string } | null>(null);
  const [current, setCurrent] = useState<string | null>(props.query.run ?? null);
  const pops = useQuery<Page<Pop>>(can("pops.read") ? "/api/v1/pops?limit=500" : null);
  const history = useQuery<Page<ToolRun>>("/api/v1/tool-runs?limit=20");

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const body = runBody(tool, target.trim(), where, {
        popId: popId || undefined,
        deviceId: deviceId || undefined,
        ports,
        recordType,
        server: server || undefined,
        direction,
        megabytes: Number(megabytes) || 10,
      });
      const run = await api.post<ToolRun>("/api/v1/tool-runs", body);
      setCurrent(run.id);
      cache.invalidate("/api/v1/tool-runs");
    } catch (failure) {
      if (failure instanceof ApiError) setError({ field: failure.field, message: failure.message });
      else setError({ message: String(failure) });
    }
  }

  return (
    <>
      <div className="page-head">
        <h1>{t("tools.title")}</h1>
        <HelpButton module="tools" />
      </div>
      {can("tools.execute") && (
        <Card title={t("tools.new")}>
          <form className="tool-form" onSubmit={submit} data-testid="tool-form">
            <Select label={t("tools.tool")} value={tool} onChange={(e) => setTool(e.target.value as ToolKind)}>
              {TOOLS.map((name) => (
                <option key={name} value={name}>
                  {t(`tools.tool.${name}` as MessageKey)}
                </option>
              ))}
            </Select>
            <Select label={t("tools.origin")} value={where} onChange={(e) => setOrigin(e.target.value as ToolOrigin)}>
              {((cpeOnly ? ["cpe"] : ["platform", "pop", "cpe"]) as ToolOrigin[]).map((name) => (
                <option key={name} value={name}>
                  {t(`tools.origin.${name}` as MessageKey)}
                </option>
              ))}
            </Select>
            {where === "pop" && (
              <Select label={t("tools.pop")} value={popId} onChange={(e) => setPopId(e.target.value)}>
                <option value="">{t("common.none")}</option>
                {(pops.data?.items ?? []).map((pop) => (
                  <option key={pop.id} value={pop.id}>
                    {pop.name}
                  </option>
                ))}
              </Select>
            )}
            {where === "cpe" && <Field label={t("tools.device")} value={deviceId} required={cpeOnly} onChange={(e) => setDeviceId(e.target.value)} />}
            {!cpeOnly && (
              <Field
                label={t(tool === "ip_scan" ? "tools.cidr" : tool === "dns" ? "tools.name" : tool === "http" ? "tools.url" : "tools.target")}
                value={target}
                placeholder={PLACEHOLDER[tool]}
                required
                onChange={(e) => setTarget(e.target.value)}
                error={error?.field && /target|cidr|url|name/.test(error.field) ? error.message : undefined}
              />
            )}
            {tool === "speedtest" && (
              <>
                <Select label={t("tools.direction")} value={direction} onChange={(e) => setDirection(e.target.value as SpeedDirection)}>
                  {(["download", "upload"] as SpeedDirection[]).map((name) => (
                    <option key={name} value={name}>
                      {t(`tools.direction.${name}` as MessageKey)}
                    </option>
                  ))}
                </Select>
                <Field
                  label={t("tools.megabytes")}
                  value={megabytes}
                  inputMode="decimal"
                  onChange={(e) => setMegabytes(e.target.value)}
                  error={error?.field === "speedtest.bytes" ? error.message : undefined}
                />
                <p className="note">{t("tools.speed.cpeOnly")}</p>
              </>
            )}
            {tool === "port_scan" && <Field label={t("tools.ports")} value={ports} onChange={(e) => setPorts(e.target.value)} />}
            {tool === "dns" && (
              <>
                <Select label={t("tools.recordType")} value={recordType} onChange={(e) => setRecordType(e.target.value)}>
                  {["A", "AAAA", "MX", "TXT", "NS", "SOA", "CNAME", "PTR", "CAA"].map((type) => (
                    <option key={type}>{type}</option>
                  ))}
                </Select>
                <Field label={t("tools.server")} value={server} placeholder="192.0.2.53" onChange={(e) => setServer(e.target.value)} />
              </>
            )}
            <button type="submit" className="btn btn-primary">
              {t("tools.run")}
            </button>
            {error && !(error.field && /target|cidr|url|name|speedtest\.bytes/.test(error.field)) && (
              <p className="field-error" role="alert">
                {error.field ? `${error.field}: ` : ""}
                {error.message}
              </p>
            )}
          </form>
        </Card>
      )}
      {current && (
        <Card title={t("tools.output")}>
          <RunOutput id={current} theme={props.theme} />
        </Card>
      )}
      <Card
        title={t("tools.history")}
        actions={
          <button type="button" className="btn btn-small" onClick={() => downloadCSV(api).catch(() => undefined)}>
            CSV
          </button>
        }
      >
        <div className="table-wrap">
          <table className="table" data-testid="tool-history">
            <caption className="sr-only">{t("tools.history")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("tools.when")}</th>
                <th scope="col">{t("tools.tool")}</th>
                <th scope="col">{t("tools.origin")}</th>
                <th scope="col">{t("tools.target")}</th>
                <th scope="col">{t("tools.result")}</th>
                <th scope="col">{t("tools.by")}</th>
              </tr>
            </thead>
            <tbody>
              {(history.data?.items ?? []).map((run) => (
                <tr key={run.id} onClick={() => setCurrent(run.id)} className="clickable">
                  <td data-label={t("tools.when")}>{dateTime(run.created_at)}</td>
                  <td data-label={t("tools.tool")}>{t(`tools.tool.${run.tool}` as MessageKey)}</td>
                  <td data-label={t("tools.origin")}>{t(`tools.origin.${run.origin}` as MessageKey)}</td>
                  <td className="mono" data-label={t("tools.target")}>{localTarget(run, { t, number })}</td>
                  <td data-label={t("tools.result")}>
                    <Badge tone={run.status === "succeeded" ? "ok" : run.status === "failed" ? "bad" : "neutral"}>{t(`tools.status.${run.status}` as MessageKey)}</Badge>{" "}
                    {localSummary(run, { t, number }) ?? ""}
                  </td>
                  <td data-label={t("tools.by")}>{run.requested_by}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
    </>
  );
}

/** Saves the CSV export of the history. */
async function downloadCSV(api: ReturnType<typeof useApp>["api"]) {
  const text = await api.text("/api/v1/tool-runs/export");
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = "tool-runs.csv";
  link.click();
  URL.revokeObjectURL(url);
}
