// The set-up checklist: provider → POP → CPE credential (with the ACS address and the user name and
// password to configure in CPEs) → SNMP credential. Each step's state comes from the API, so the page is
// both the first-run wizard of a new Global Admin and the set-up module's contextual help afterwards.
import { useState, type FormEvent, type ReactNode } from "react";
import { useApp, useQuery } from "../../lib/app";
import { useI18n, type MessageKey } from "../../lib/i18n";
import { Link, navigate } from "../../lib/router";
import type { Page } from "../../lib/types";
import { Card } from "../../ui/Card";
import { Field } from "../../ui/Form";
import { Badge } from "../../ui/States";
import { fieldErrors, FormProblem, useAction } from "../alerts/common";
import {
  acsUrl,
  checklist,
  cwmpCredentialBody,
  emptyPop,
  emptySnmpCredential,
  generatePassword,
  popBody,
  providerBody,
  slugify,
  snmpCredentialBody,
  type CwmpCredentialRecord,
  type FieldErrors,
  type PopRecord,
  type ProviderRecord,
  type SnmpCredentialRecord,
  type StepKey,
  type StepState,
} from "./model";
import { PopFields, popLabels, SetupNav, SnmpFields, snmpLabels, useSetupCheck } from "./parts";

const randomBytes = (buffer: Uint8Array) => crypto.getRandomValues(buffer);

export function SetupChecklist(props: { path: string; onProvider: (id: string) => void }) {
  const { t, number } = useI18n();
  const { api, me, can } = useApp();
  const hasProvider = Boolean(api.providerId ?? me.provider_id);
  const providers = useQuery<Page<ProviderRecord>>(me.global_admin ? "/api/v1/providers?limit=500" : null);
  const own = useQuery<ProviderRecord>(!me.global_admin && me.provider_id && can("providers.read") ? `/api/v1/providers/${me.provider_id}` : null);
  const provider = me.global_admin ? providers.data?.items.find((p) => p.id === api.providerId) : own.data;
  const pops = useQuery<Page<PopRecord>>(hasProvider && can("pops.read") ? "/api/v1/pops?limit=500" : null);
  const cpe = useQuery<Page<CwmpCredentialRecord>>(hasProvider && can("settings.read") ? "/api/v1/acs/credentials?limit=200" : null);
  const snmp = useQuery<Page<SnmpCredentialRecord>>(hasProvider && can("monitoring.read") ? "/api/v1/snmp/credentials?limit=200" : null);
  const steps = checklist({
    provider: hasProvider,
    pops: pops.data?.total,
    // Credentials bound to one device are made by the ACS itself; the step wants a provider-wide one.
    cpeCredentials: cpe.data?.items.filter((c) => !c.device_id).length,
    snmpCredentials: snmp.data?.total,
  });
  const done = steps.filter((s) => s.state === "done").length;
  const state = (key: StepKey) => steps.find((s) => s.key === key)!.state;
  return (
    <>
      <SetupNav path={props.path} />
      <div className="page-head">
        <h1>{t("setup.title")}</h1>
        <p className="muted" data-testid="setup-progress">
          {t("setup.progress", { done: number(done), total: number(steps.length) })}
        </p>
      </div>
      <p className="muted setup-intro">{t("setup.intro")}</p>
      <ol className="steps" data-testid="setup-steps">
        <Step n={1} step="provider" state={state("provider")}>
          <ProviderStep provider={provider} onProvider={props.onProvider} />
        </Step>
        <Step n={2} step="pop" state={state("pop")}>
          <PopStep pops={pops.data?.items} />
        </Step>
        <Step n={3} step="cpe" state={state("cpe")}>
          <CpeStep provider={provider} credentials={cpe.data?.items} />
        </Step>
        <Step n={4} step="snmp" state={state("snmp")}>
          <SnmpStep credentials={snmp.data?.items} />
        </Step>
      </ol>
      {hasProvider && (
        <Card title={t("setup.next")} labelledBy="setup-next">
          <ul className="plain-list">
            {can("monitoring.read") && (
              <li>
                <Link href="/setup/discovery">{t("setup.next.discovery")}</Link>
              </li>
            )}
            {can("devices.read") && (
              <li>
                <Link href="/devices?status=pending">{t("setup.next.pending")}</Link>
              </li>
            )}
            {(can("pops.read") || can("customers.read")) && (
              <li>
                <Link href="/network">{t("setup.next.network")}</Link>
              </li>
            )}
          </ul>
        </Card>
      )}
    </>
  );
}

const TONES: Record<StepState, string> = { done: "online", todo: "pending", blocked: "disabled", unknown: "disabled" };

function Step(props: { n: number; step: StepKey; state: StepState; children: ReactNode }) {
  const { t } = useI18n();
  const id = `step-${props.step}`;
  return (
    <li className={`card step step-${props.state}`} aria-labelledby={id} data-testid={id}>
      <header className="step-head">
        <span className="step-n" aria-hidden="true">
          {props.state === "done" ? "✓" : props.n}
        </span>
        <h2 id={id}>{t(`setup.step.${props.step}` as MessageKey)}</h2>
        <span className="push-right" data-testid={`${id}-state`}>
          <Badge tone={TONES[props.state]}>{t(`setup.state.${props.state}` as MessageKey)}</Badge>
        </span>
      </header>
      <p className="muted">{t(`setup.step.${props.step}.help` as MessageKey)}</p>
      {props.state === "blocked" ? null : props.children}
    </li>
  );
}

function ProviderStep(props: { provider?: ProviderRecord; onProvider: (id: string) => void }) {
  const { t } = useI18n();
  const { api, me, online } = useApp();
  const check = useSetupCheck();
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ name: "", slug: "", document: "" });
  const [slugTouched, setSlugTouched] = useState(false);
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const errors = fieldErrors(local, action);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: found } = providerBody(form, check);
    setLocal(found);
    action.setError(null);
    if (!body) return;
    const created = await action.run(() => api.post<ProviderRecord>("/api/v1/providers", body));
    if (created) {
      // The new provider is the one worked in from now on; the checklist goes on with its POP.
      navigate("/setup", true);
      props.onProvider(created.id);
    }
  };
  const current = props.provider ? (
    <p data-testid="setup-provider">
      {t("setup.provider.current", { name: props.provider.name })} <code>{props.provider.slug}</code>
    </p>
  ) : null;
  // Only a Global Admin creates providers.
  if (!me.global_admin) return current;
  const showForm = !api.providerId || open;
  return (
    <>
      {current}
      {!showForm ? (
        <button type="button" className="btn btn-small" onClick={() => setOpen(true)}>
          {t("setup.provider.another")}
        </button>
      ) : (
        <form onSubmit={submit} noValidate data-testid="provider-form">
          <FormProblem local={local} action={action} labels={{ name: t("setup.provider.name"), slug: t("setup.provider.slug"), document: t("setup.provider.document") }} />
          <fieldset disabled={action.busy}>
            <div className="form-row">
              <Field
                label={t("setup.provider.name")}
                value={form.name}
                autoComplete="organization"
                onChange={(e) => setForm({ ...form, name: e.target.value, slug: slugTouched ? form.slug : slugify(e.target.value) })}
                error={errors.name}
              />
              <Field
                label={t("setup.provider.slug")}
                value={form.slug}
                help={t("setup.provider.slugHelp")}
                onChange={(e) => (setSlugTouched(true), setForm({ ...form, slug: e.target.value }))}
                error={errors.slug}
                autoComplete="off"
              />
              <Field label={t("setup.provider.document")} value={form.document} onChange={(e) => setForm({ ...form, document: e.target.value })} error={errors.document} />
            </div>
          </fieldset>
          <div className="row row-tight">
            <button type="submit" className="btn btn-primary" disabled={!online || action.busy}>
              {t("setup.provider.create")}
            </button>
            {api.providerId && (
              <button type="button" className="btn" onClick={() => setOpen(false)}>
                {t("common.cancel")}
              </button>
            )}
          </div>
        </form>
      )}
    </>
  );
}

function PopStep(props: { pops?: PopRecord[] }) {
  const { t } = useI18n();
  const { api, cache, can, online } = useApp();
  const check = useSetupCheck();
  const [form, setForm] = useState(emptyPop);
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const errors = fieldErrors(local, action);
  if (!can("pops.read")) return <p className="muted">{t("setup.noRead")}</p>;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: found } = popBody(form, check);
    setLocal(found);
    action.setError(null);
    if (!body) return;
    const created = await action.run(() => api.post<PopRecord>("/api/v1/pops", body));
    if (created) {
      setForm(emptyPop());
      cache.invalidate("/api/v1/pops");
    }
  };
  if (props.pops?.length) {
    return (
      <p data-testid="setup-pops">
        {props.pops
          .slice(0, 5)
          .map((p) => p.name)
          .join(", ")}
        {props.pops.length > 5 ? "…" : ""} · <Link href="/network">{t("setup.pop.manage")}</Link>
      </p>
    );
  }
  if (!can("pops.write")) return null;
  return (
    <form onSubmit={submit} noValidate data-testid="pop-form">
      <FormProblem local={local} action={action} labels={popLabels(t)} />
      <fieldset disabled={action.busy}>
        <PopFields form={form} onChange={setForm} errors={errors} />
      </fieldset>
      <button type="submit" className="btn btn-primary" disabled={!online || action.busy}>
        {t("setup.pop.create")}
      </button>
    </form>
  );
}

function CpeStep(props: { provider?: ProviderRecord; credentials?: CwmpCredentialRecord[] }) {
  const { t } = useI18n();
  const { api, cache, can, online } = useApp();
  const check = useSetupCheck();
  const [form, setForm] = useState(() => ({ username: "cpe", password: generatePassword(randomBytes) }));
  const [open, setOpen] = useState(false);
  const [created, setCreated] = useState<{ username: string; password: string } | null>(null);
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const errors = fieldErrors(local, action);
  const url = props.provider ? acsUrl(window.location, props.provider.slug) : null;
  const providerWide = props.credentials?.filter((c) => !c.device_id) ?? [];
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: found } = cwmpCredentialBody(form, check);
    setLocal(found);
    action.setError(null);
    if (!body) return;
    const saved = await action.run(() => api.post<CwmpCredentialRecord>("/api/v1/acs/credentials", body));
    if (saved) {
      // The API keeps only hashes: this is the one moment the password can be shown.
      setCreated({ username: saved.username, password: form.password });
      setForm({ username: "cpe", password: generatePassword(randomBytes) });
      setOpen(false);
      cache.invalidate("/api/v1/acs/credentials");
    }
  };
  return (
    <>
      {url && (
        <dl className="facts acs-facts" data-testid="acs-url">
          <div>
            <dt>{t("setup.cpe.url")}</dt>
            <dd>
              <code className="wrap">{url}</code>
            </dd>
          </div>
          {created ? (
            <>
              <div>
                <dt>{t("setup.cpe.username")}</dt>
                <dd>
                  <code data-testid="created-username">{created.username}</code>
                </dd>
              </div>
              <div>
                <dt>{t("setup.cpe.password")}</dt>
                <dd>
                  <code className="wrap" data-testid="created-password">
                    {created.password}
                  </code>
                </dd>
              </div>
            </>
          ) : null}
        </dl>
      )}
      {url && <p className="field-help">{t("setup.cpe.urlHelp")}</p>}
      {created && (
        <p className="note note-ok" role="status" data-testid="created-once">
          {t("setup.cpe.once")}
        </p>
      )}
      {!can("settings.read") ? (
        <p className="muted">{t("setup.noRead")}</p>
      ) : providerWide.length > 0 ? (
        <p data-testid="setup-cpe-credentials">{t("setup.cpe.existing", { users: providerWide.map((c) => c.username).join(", ") })}</p>
      ) : null}
      {can("settings.write") &&
        (providerWide.length > 0 && !open ? (
          <button type="button" className="btn btn-small" onClick={() => setOpen(true)}>
            {t("setup.cpe.another")}
          </button>
        ) : (
          <form onSubmit={submit} noValidate data-testid="cpe-form">
            <FormProblem local={local} action={action} labels={{ username: t("setup.cpe.username"), password: t("setup.cpe.password") }} />
            <fieldset disabled={action.busy}>
              <div className="form-row">
                <Field label={t("setup.cpe.username")} value={form.username} autoComplete="off" onChange={(e) => setForm({ ...form, username: e.target.value })} error={errors.username} />
                <Field
                  label={t("setup.cpe.password")}
                  value={form.password}
                  className="mono"
                  autoComplete="off"
                  spellCheck={false}
                  help={t("setup.cpe.passwordHelp")}
                  onChange={(e) => setForm({ ...form, password: e.target.value })}
                  error={errors.password}
                />
              </div>
            </fieldset>
            <div className="row row-tight">
              <button type="submit" className="btn btn-primary" disabled={!online || action.busy}>
                {t("setup.cpe.create")}
              </button>
              <button type="button" className="btn" onClick={() => setForm({ ...form, password: generatePassword(randomBytes) })}>
                {t("setup.cpe.generate")}
              </button>
              {providerWide.length > 0 && (
                <button type="button" className="btn" onClick={() => setOpen(false)}>
                  {t("common.cancel")}
                </button>
              )}
            </div>
          </form>
        ))}
    </>
  );
}

function SnmpStep(props: { credentials?: SnmpCredentialRecord[] }) {
  const { t } = useI18n();
  const { api, cache, can, online } = useApp();
  const check = useSetupCheck();
  const [form, setForm] = useState(emptySnmpCredential);
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const errors = fieldErrors(local, action);
  if (!can("monitoring.read")) return <p className="muted">{t("setup.noRead")}</p>;
  if (props.credentials?.length) {
    return (
      <p data-testid="setup-snmp">
        {props.credentials.map((c) => `${c.name} (${c.version})`).join(", ")} · <Link href="/setup/snmp">{t("setup.snmp.manage")}</Link>
      </p>
    );
  }
  if (!can("monitoring.write")) return null;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: found } = snmpCredentialBody(form, check);
    setLocal(found);
    action.setError(null);
    if (!body) return;
    const saved = await action.run(() => api.post<SnmpCredentialRecord>("/api/v1/snmp/credentials", body));
    if (saved) {
      setForm(emptySnmpCredential());
      cache.invalidate("/api/v1/snmp/credentials");
    }
  };
  return (
    <form onSubmit={submit} noValidate data-testid="snmp-form">
      <FormProblem local={local} action={action} labels={snmpLabels(t)} />
      <fieldset disabled={action.busy}>
        <SnmpFields form={form} onChange={setForm} errors={errors} editing={false} />
      </fieldset>
      <button type="submit" className="btn btn-primary" disabled={!online || action.busy}>
        {t("setup.snmp.create")}
      </button>
    </form>
  );
}
