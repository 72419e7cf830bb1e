import { test } from "node:test";
import assert from "node:assert/strict";
import { createTranslator } from "../../src/lib/i18n";
import { localSummary, localTarget, type ToolRun } from "../../src/features/tools/toolRuns";

const speedTest: ToolRun = {
  id: "5d1b0c1e-0000-4000-8000-000000000001",
  tool: "speedtest",
  origin: "cpe",
  device_id: "5d1b0c1e-0000-4000-8000-000000000002",
  target: "upload 2500000 bytes",
  status: "succeeded",
  parameters: { direction: "upload", bytes: 2_500_000 },
  result: { output: { direction: "upload", throughput_mbps: 1590.66, duration_ms: 1234.4 } },
  requested_by: "noc@provedor.example",
  created_at: "2026-12-06T01:00:00Z",
};

test("a speed test's target and summary are written in the reader's language and numbers", () => {
  const ptBR = createTranslator("pt-BR");
  assert.equal(localTarget(speedTest, ptBR), "Upload de 2,5 MB");
  assert.equal(localSummary(speedTest, ptBR), "Upload: 1.590,7 Mbit/s em 1.234 ms");
  const en = createTranslator("en");
  assert.equal(localTarget(speedTest, en), "Upload of 2.5 MB");
  assert.equal(localSummary(speedTest, en), "Upload: 1,590.7 Mbit/s in 1,234 ms");
});

test("other tools keep the server's target; a speed test without its size falls back to it", () => {
  const en = createTranslator("en");
  assert.equal(localTarget({ ...speedTest, tool: "ping", target: "127.0.0.1" }, en), "127.0.0.1");
  assert.equal(localTarget({ ...speedTest, parameters: { direction: "download" } }, en), "upload 2500000 bytes");
});
