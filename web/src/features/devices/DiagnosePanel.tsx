// "Diagnose": ping or traceroute the same target from the CPE itself (TR-069 diagnostics) and from
// its POP's agent, side by side, each streaming its output; and the CPE's speed test (TR-143) toward
// the platform's file server.
import { useState, type FormEvent } from "react";
import { ApiError } from "../../lib/api";
import { useApp } from "../../lib/app";
import { useI18n } from "../../lib/i18n";
import type { Device } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Field } from "../../ui/Form";
import { RunOutput } from "../tools/RunOutput";
import { runBody, type SpeedDirection, type ToolKind, type ToolRun } from "../tools/toolRuns";

export function DiagnosePanel(props: { device: Device; theme: string }) {
  const { t } = useI18n();
  const { api, can } = useApp();
  const [target, setTarget] = useState("");
  const [runs, setRuns] = useState<{ cpe?: string; pop?: string }>({});
  const [errors, setErrors] = useState<{ cpe?: string; pop?: string }>({});
  if (!can("tools.execute")) return <p className="note">{t("common.forbidden")}</p>;

  async function start(tool: ToolKind, event?: FormEvent, direction?: SpeedDirection) {
    event?.preventDefault();
    const device = props.device;
    const sides: ("cpe" | "pop")[] = device.pop_id && tool !== "speedtest" ? ["cpe", "pop"] : ["cpe"];
    const next: { cpe?: string; pop?: string } = {};
    const failed: { cpe?: string; pop?: string } = {};
    await Promise.all(
      sides.map(async (side) => {
        const body = runBody(tool, target.trim(), side, {
          deviceId: device.id,
          popId: side === "pop" ? device.pop_id : undefined,
          count: 5,
          rounds: tool === "mtr" ? 10 : undefined,
          direction,
        });
        try {
          next[side] = (await api.post<ToolRun>("/api/v1/tool-runs", body)).id;
        } catch (error) {
          failed[side] = error instanceof ApiError ? (error.field ? `${error.field}: ${error.message}` : error.message) : String(error);
        }
      }),
    );
    setRuns(next);
    setErrors(failed);
  }

  return (
    <Card title={t("diagnose.title")}>
      <form className="tool-form" onSubmit={(e) => start("ping", e)} data-testid="diagnose-form">
        <Field label={t("tools.target")} value={target} placeholder="8.8.8.8" required onChange={(e) => setTarget(e.target.value)} />
        <button type="submit" className="btn btn-primary">
          {t("tools.tool.ping")}
        </button>
        <button type="button" className="btn" onClick={() => start("traceroute")}>
          {t("tools.tool.traceroute")}
        </button>
        <button type="button" className="btn" onClick={() => start("speedtest", undefined, "download")} data-testid="diagnose-download">
          {t("diagnose.download")}
        </button>
        <button type="button" className="btn" onClick={() => start("speedtest", undefined, "upload")}>
          {t("diagnose.upload")}
        </button>
      </form>
      {!props.device.pop_id && <p className="note">{t("diagnose.noPop")}</p>}
      <div className="diagnose-sides">
        {(["cpe", "pop"] as const).map((side) => (
          <section key={side} aria-label={t(`diagnose.${side}`)} data-testid={`diagnose-${side}`}>
            <h3>{t(`diagnose.${side}`)}</h3>
            {errors[side] && <p className="field-error">{errors[side]}</p>}
            {runs[side] && <RunOutput id={runs[side] as string} theme={props.theme} compact />}
          </section>
        ))}
      </div>
    </Card>
  );
}
