// Alert rules: the list (enabled toggle, severity, scope, condition) with the built-in rules
// installer, and the editor for every condition type with what the rule matches now.
import { useEffect, useState, type FormEvent } from "react";
import { useApp, useQuery, useTopics } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { Link, navigate } from "../../lib/router";
import { DEVICE_KINDS, type Alert, type AlertRule, type AlertRulePreview, type Page } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Field, Select, TextArea } from "../../ui/Form";
import { DataTable } from "../../ui/Table";
import { Badge, ErrorNote, Loading } from "../../ui/States";
import { SeverityBadge, SEVERITIES } from "./AlertsBoard";
import { AlertsNav } from "./AlertsNav";
import { ConfirmButton, fieldErrors, FormProblem, ScopePicker, ScopeText, useAction, useScopeNames } from "./common";
import { AGGREGATIONS, CONDITION_TYPES, conditionSummary, emptyRuleForm, METRICS, OPS, ruleBody, ruleToForm, type FieldErrors, type RuleForm } from "./logic";
import { useCheck } from "./useCheck";

export function RuleList(props: { path: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api, cache, can, online } = useApp();
  useTopics("alerts");
  const rules = useQuery<Page<AlertRule>>("/api/v1/alert-rules?limit=500");
  const names = useScopeNames();
  const action = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const writable = can("alerts.write") && online;
  const installDefaults = async () => {
    setNotice(null);
    const created = await action.run(() => api.post<Page<AlertRule>>("/api/v1/alert-rules/defaults"));
    if (created) {
      cache.invalidate("/api/v1/alert-rules");
      setNotice(t("rules.defaultsInstalled", { count: created.items.length }));
    }
  };
  // The switch moves at once; it goes back if the API refuses.
  const [flipped, setFlipped] = useState<Record<string, boolean>>({});
  const toggle = async (rule: AlertRule) => {
    const enabled = !(flipped[rule.id] ?? rule.enabled);
    setFlipped((f) => ({ ...f, [rule.id]: enabled }));
    const saved = await action.run(() => api.request<AlertRule>("PATCH", `/api/v1/alert-rules/${rule.id}`, { enabled }));
    if (saved) cache.invalidate("/api/v1/alert-rules");
    else setFlipped((f) => ({ ...f, [rule.id]: !enabled }));
  };
  return (
    <>
      <AlertsNav path={props.path} />
      <div className="page-head">
        <h1>{t("rules.title")}</h1>
        {can("alerts.write") && (
          <div className="row row-tight">
            <button type="button" className="btn" disabled={!writable || action.busy} onClick={installDefaults}>
              {t("rules.installDefaults")}
            </button>
            <Link href="/alerts/rules/new" className="btn btn-primary">
              {t("rules.new")}
            </Link>
          </div>
        )}
      </div>
      {notice && (
        <p className="note note-ok" role="status">
          {notice}
        </p>
      )}
      {action.error ? <ErrorNote error={action.error} /> : null}
      <Card>
        {rules.error ? (
          <ErrorNote error={rules.error} retry={rules.reload} />
        ) : !rules.data ? (
          <Loading />
        ) : (
          <DataTable
            caption={t("rules.title")}
            rows={rules.data.items}
            rowKey={(r) => r.id}
            empty={t("rules.empty")}
            testId="rule-table"
            columns={[
              {
                key: "enabled",
                label: t("rules.enabled"),
                render: (r) =>
                  can("alerts.write") ? (
                    <label className="switch">
                      <input type="checkbox" role="switch" checked={flipped[r.id] ?? r.enabled} disabled={!writable} onChange={() => toggle(r)} aria-label={t("rules.enabledFor", { name: r.name })} />
                      <span>{flipped[r.id] ?? r.enabled ? t("common.yes") : t("common.no")}</span>
                    </label>
                  ) : (
                    <Badge tone={r.enabled ? "online" : "disabled"}>{r.enabled ? t("common.yes") : t("common.no")}</Badge>
                  ),
              },
              { key: "severity", label: t("alerts.severity"), render: (r) => <SeverityBadge severity={r.severity} /> },
              {
                key: "name",
                label: t("rules.name"),
                render: (r) => (
                  <>
                    <Link href={`/alerts/rules/${r.id}`}>{r.name}</Link>
                    {r.builtin && <div className="muted">{t("rules.builtin")}</div>}
                  </>
                ),
              },
              { key: "scope", label: t("scope.label"), render: (r) => <ScopeText scope={r.scope} id={r.scope_id} names={names} /> },
              {
                key: "condition",
                label: t("rules.condition"),
                render: (r) => (
                  <>
                    <span className="muted">{t(`condition.${r.condition.type}` as MessageKey)}</span>
                    <div>
                      <code className="summary">{conditionSummary(r.condition, i18n)}</code>
                    </div>
                  </>
                ),
              },
              { key: "kinds", label: t("rules.deviceKinds"), render: (r) => (r.device_kinds?.length ? r.device_kinds.map((k) => t(`kind.${k}` as MessageKey)).join(", ") : t("common.all")) },
            ]}
          />
        )}
      </Card>
    </>
  );
}

/** API field → the label shown at it, for the message above the form. */
function ruleLabels(t: (k: MessageKey) => string): Record<string, string> {
  return {
    name: t("rules.name"),
    scope_id: t("scope.target"),
    device_kinds: t("rules.deviceKinds"),
    for_seconds: t("rules.for"),
    keep_firing_for_seconds: t("rules.keepFiring"),
    labels: t("rules.labels"),
    condition: t("rules.condition"),
    "condition.metric": t("rules.metric"),
    "condition.labels": t("rules.labels"),
    "condition.window_seconds": t("rules.window"),
    "condition.value": t("rules.value"),
    "condition.clear": t("rules.clear"),
    "condition.multiplier": t("rules.multiplier"),
    "condition.delta": t("rules.delta"),
  };
}

/** New rule (`id` absent) or an existing one; saving goes back to the list. */
export function RuleEditor(props: { id?: string; path: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api, cache, can, online } = useApp();
  const existing = useQuery<AlertRule>(props.id ? `/api/v1/alert-rules/${props.id}` : null);
  const [form, setForm] = useState<RuleForm | null>(props.id ? null : emptyRuleForm());
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const check = useCheck();
  const names = useScopeNames();
  useEffect(() => {
    if (props.id && existing.data && !form) setForm(ruleToForm(existing.data));
  }, [props.id, existing.data, form]);
  if (props.id && !form) return existing.error ? <ErrorNote error={existing.error} retry={existing.reload} /> : <Loading />;
  if (!form) return <Loading />;
  const writable = can("alerts.write") && online;
  const readOnly = !can("alerts.write");
  const set = <K extends keyof RuleForm>(key: K, value: RuleForm[K]) => setForm({ ...form, [key]: value });
  const errors = fieldErrors(local, action);
  const labels = ruleLabels(t);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors } = ruleBody(form, check);
    setLocal(errors);
    action.setError(null);
    if (!body) return;
    const saved = await action.run(() =>
      props.id ? api.request<AlertRule>("PATCH", `/api/v1/alert-rules/${props.id}`, body) : api.post<AlertRule>("/api/v1/alert-rules", body),
    );
    if (saved) {
      cache.invalidate("/api/v1/alert-rules");
      navigate("/alerts/rules");
    }
  };
  const remove = async () => {
    if (!props.id) return;
    const done = await action.run(async () => {
      await api.request("DELETE", `/api/v1/alert-rules/${props.id}`);
      return true;
    });
    if (done) {
      cache.invalidate("/api/v1/alert-rules");
      navigate("/alerts/rules");
    }
  };
  const metricType = form.type === "threshold" || form.type === "no_data" || form.type === "change";
  return (
    <>
      <AlertsNav path={props.path} />
      <div className="page-head">
        <p className="crumbs">
          <Link href="/alerts/rules">{t("rules.title")}</Link> /
        </p>
        <h1>{props.id ? existing.data?.name ?? "" : t("rules.new")}</h1>
      </div>
      <div className="grid editor">
        <Card>
          <form onSubmit={submit} noValidate data-testid="rule-form">
            <FormProblem local={local} action={action} labels={labels} />
            <fieldset disabled={readOnly || action.busy}>
              <div className="form-row">
                <Field label={t("rules.name")} value={form.name} onChange={(e) => set("name", e.target.value)} error={errors.name} required className="grow" />
                <Select label={t("alerts.severity")} value={form.severity} onChange={(e) => set("severity", e.target.value as RuleForm["severity"])}>
                  {SEVERITIES.map((s) => (
                    <option key={s} value={s}>
                      {t(`severity.${s}` as MessageKey)}
                    </option>
                  ))}
                </Select>
              </div>
              <TextArea label={t("rules.description")} rows={2} value={form.description} onChange={(e) => set("description", e.target.value)} />
              <Field label={t("rules.enabled")} type="checkbox" checked={form.enabled} onChange={(e) => set("enabled", e.target.checked)} />

              <h2 className="form-section">{t("rules.condition")}</h2>
              <Select label={t("rules.conditionType")} value={form.type} onChange={(e) => set("type", e.target.value as RuleForm["type"])} help={t(`condition.${form.type}.help` as MessageKey)}>
                {CONDITION_TYPES.map((c) => (
                  <option key={c} value={c}>
                    {t(`condition.${c}` as MessageKey)}
                  </option>
                ))}
              </Select>
              {metricType && (
                <div className="form-row">
                  <Field label={t("rules.metric")} value={form.metric} list="metric-names" onChange={(e) => set("metric", e.target.value)} error={errors["condition.metric"]} />
                  <datalist id="metric-names">
                    {METRICS.map((m) => (
                      <option key={m} value={m} />
                    ))}
                  </datalist>
                  <Field label={t("rules.window")} inputMode="decimal" value={form.window_minutes} onChange={(e) => set("window_minutes", e.target.value)} error={errors["condition.window_seconds"]} />
                </div>
              )}
              {form.type === "threshold" && (
                <>
                  <Field label={t("rules.labels")} value={form.labels} placeholder="scope=onu" help={t("rules.labelsHelp")} onChange={(e) => set("labels", e.target.value)} error={errors["condition.labels"]} />
                  <div className="form-row">
                    <Select label={t("rules.aggregation")} value={form.aggregation} onChange={(e) => set("aggregation", e.target.value as RuleForm["aggregation"])}>
                      {AGGREGATIONS.map((a) => (
                        <option key={a} value={a}>
                          {t(`aggregation.${a}` as MessageKey)}
                        </option>
                      ))}
                    </Select>
                    <Select label={t("rules.op")} value={form.op} onChange={(e) => set("op", e.target.value as RuleForm["op"])}>
                      {OPS.map((o) => (
                        <option key={o} value={o}>
                          {o}
                        </option>
                      ))}
                    </Select>
                    <Field label={t("rules.value")} inputMode="decimal" value={form.value} onChange={(e) => set("value", e.target.value)} error={errors["condition.value"]} />
                    <Field label={t("rules.clear")} inputMode="decimal" value={form.clear} help={t("rules.clearHelp")} onChange={(e) => set("clear", e.target.value)} error={errors["condition.clear"]} />
                  </div>
                </>
              )}
              {form.type === "reachability" && (
                <Field label={t("rules.includeSnmpFailing")} type="checkbox" checked={form.include_snmp_failing} onChange={(e) => set("include_snmp_failing", e.target.checked)} />
              )}
              {form.type === "not_informing" && (
                <Field label={t("rules.multiplier")} inputMode="decimal" value={form.multiplier} help={t("rules.multiplierHelp")} onChange={(e) => set("multiplier", e.target.value)} error={errors["condition.multiplier"]} />
              )}
              {form.type === "change" && (
                <Field label={t("rules.delta")} inputMode="decimal" value={form.delta} help={t("rules.deltaHelp")} onChange={(e) => set("delta", e.target.value)} error={errors["condition.delta"]} />
              )}

              <h2 className="form-section">{t("rules.where")}</h2>
              <ScopePicker scope={form.scope} scopeId={form.scope_id} names={names} errors={errors} onChange={(scope, scope_id) => setForm({ ...form, scope, scope_id })} />
              <fieldset className="checks">
                <legend>{t("rules.deviceKinds")}</legend>
                <p className="field-help">{t("rules.deviceKindsHelp")}</p>
                {DEVICE_KINDS.map((k) => (
                  <label key={k} className="check">
                    <input
                      type="checkbox"
                      checked={form.device_kinds.includes(k)}
                      onChange={(e) => set("device_kinds", e.target.checked ? [...form.device_kinds, k] : form.device_kinds.filter((x) => x !== k))}
                    />
                    {t(`kind.${k}` as MessageKey)}
                  </label>
                ))}
                {errors.device_kinds && <p className="field-error">{errors.device_kinds}</p>}
              </fieldset>
              <Field label={t("rules.includeCpe")} type="checkbox" checked={form.include_cpe} onChange={(e) => set("include_cpe", e.target.checked)} />

              <h2 className="form-section">{t("rules.timing")}</h2>
              <div className="form-row">
                <Field label={t("rules.for")} inputMode="decimal" value={form.for_minutes} help={t("rules.forHelp")} onChange={(e) => set("for_minutes", e.target.value)} error={errors.for_seconds} />
                <Field label={t("rules.keepFiring")} inputMode="decimal" value={form.keep_firing_minutes} help={t("rules.keepFiringHelp")} onChange={(e) => set("keep_firing_minutes", e.target.value)} error={errors.keep_firing_for_seconds} />
              </div>
            </fieldset>
            {can("alerts.write") && (
              <div className="row">
                <button type="submit" className="btn btn-primary" disabled={!writable || action.busy}>
                  {t("common.save")}
                </button>
                <Link href="/alerts/rules" className="btn">
                  {t("common.cancel")}
                </Link>
                {props.id && (
                  <span className="push-right">
                    <ConfirmButton label={t("rules.delete")} question={t("rules.deleteConfirm", { name: form.name })} disabled={!writable || action.busy} onConfirm={remove} />
                  </span>
                )}
              </div>
            )}
          </form>
        </Card>
        <RulePreview id={props.id} form={form} />
      </div>
    </>
  );
}

/** What the rule matches now: a dry run of the form as it stands (nothing is saved), and the saved
 * rule's active alerts. */
function RulePreview(props: { id?: string; form: RuleForm }) {
  const i18n = useI18n();
  const { t, relative, number } = i18n;
  const { api } = useApp();
  useTopics("alerts");
  const alerts = useQuery<Page<Alert>>(props.id ? `/api/v1/alerts?limit=50&rule_id=${props.id}&state=active` : null);
  const check = useCheck();
  const { body } = ruleBody(props.form, () => "x");
  const condition = body?.condition as AlertRule["condition"] | undefined;
  const dryRun = useAction();
  const [result, setResult] = useState<AlertRulePreview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const test = async () => {
    setResult(null);
    // The name is not part of what a rule matches: a rule not yet named can be tried.
    const { body, errors } = ruleBody({ ...props.form, name: props.form.name.trim() || "preview" }, check);
    const first = Object.values(errors)[0];
    setProblem(body ? null : first ?? t("rules.previewFix"));
    if (!body) return;
    // The name is not part of what a rule matches.
    const { name: _name, ...rest } = body as Record<string, unknown>;
    const answer = await dryRun.run(() => api.post<AlertRulePreview>("/api/v1/alert-rules/preview", rest));
    if (answer) setResult(answer);
  };
  return (
    <Card title={t("rules.preview")} labelledBy="rule-preview">
      {condition && (
        <p>
          <code className="summary" data-testid="rule-summary">{conditionSummary(condition, i18n)}</code>
        </p>
      )}
      <div className="row">
        <button type="button" className="btn" onClick={test} disabled={dryRun.busy}>
          {t("rules.previewRun")}
        </button>
        {dryRun.busy && <Loading />}
      </div>
      <p className="muted">{t("rules.previewRunHelp")}</p>
      {problem && <p className="field-error">{problem}</p>}
      {dryRun.error ? <ErrorNote error={dryRun.error} /> : null}
      {result && (
        <div data-testid="rule-dry-run" aria-live="polite">
          <p>
            {t("rules.previewResult", { targets: number(result.targets), breaching: number(result.breaching), noData: number(result.no_data) })}
          </p>
          {result.matches.length > 0 && (
            <ul className="plain-list">
              {result.matches.map((m) => (
                <li key={`${m.device_id ?? ""}|${m.target}`}>
                  {m.device_id ? <Link href={`/devices/${m.device_id}`}>{m.device_name ?? m.target}</Link> : m.target}{" "}
                  <Badge tone={m.state === "breach" ? "state-firing" : "state-pending"}>{t(m.state === "breach" ? "rules.previewBreach" : "rules.previewNoData")}</Badge>{" "}
                  {m.value != null && <span className="muted">{number(m.value)}</span>}
                </li>
              ))}
            </ul>
          )}
          {result.truncated && <p className="muted">{t("rules.previewTruncated", { count: number(result.matches.length) })}</p>}
        </div>
      )}
      <h3 className="form-section">{t("rules.previewActive")}</h3>
      {!props.id ? (
        <p className="note">{t("rules.previewNew")}</p>
      ) : alerts.error ? (
        <ErrorNote error={alerts.error} retry={alerts.reload} />
      ) : !alerts.data ? (
        <Loading />
      ) : alerts.data.items.length === 0 ? (
        <p className="note note-ok">{t("rules.previewNone")}</p>
      ) : (
        <>
          <p>
            {t("rules.previewCount", { count: number(alerts.data.total) })} <Link href={`/alerts?rule_id=${props.id}`}>{t("rules.previewBoard")}</Link>
          </p>
          <ul className="plain-list" data-testid="rule-preview-alerts">
            {alerts.data.items.map((a) => (
              <li key={a.id}>
                <Link href={`/alerts/${a.id}`}>{a.device_name ?? a.target}</Link> <Badge tone={`state-${a.state}`}>{t(`alertState.${a.state}` as MessageKey)}</Badge>{" "}
                <span className="muted">{relative(a.fired_at ?? a.started_at)}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </Card>
  );
}
