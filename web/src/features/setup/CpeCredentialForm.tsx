// The CPE credential form of the set-up checklist and of the CPE credentials screen: a user name and a
// generated password. The API keeps only a hash, so the caller shows the password once after saving.
import { useState, type FormEvent } from "react";
import { useApp } from "../../lib/app";
import { useI18n } from "../../lib/i18n";
import { Field } from "../../ui/Form";
import { fieldErrors, FormProblem, useAction } from "../alerts/common";
import { cwmpCredentialBody, generatePassword, type CwmpCredentialRecord, type FieldErrors } from "./model";
import { useSetupCheck } from "./parts";

/** A fresh password from the browser's cryptographic generator. */
export const newPassword = () => generatePassword((buffer: Uint8Array) => crypto.getRandomValues(buffer));

export interface CreatedCredential {
  username: string;
  password: string;
}

/** Creates a provider-wide CPE credential; `onSaved` gets the user name and the password as typed. */
export function CpeCredentialForm(props: { testId: string; onSaved: (created: CreatedCredential) => void; onCancel?: () => void }) {
  const { t } = useI18n();
  const { api, cache, online } = useApp();
  const check = useSetupCheck();
  const [form, setForm] = useState(() => ({ username: "cpe", password: newPassword() }));
  const [local, setLocal] = useState<FieldErrors>({});
  const action = useAction();
  const errors = fieldErrors(local, action);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: found } = cwmpCredentialBody(form, check);
    setLocal(found);
    action.setError(null);
    if (!body) return;
    const saved = await action.run(() => api.post<CwmpCredentialRecord>("/api/v1/acs/credentials", body));
    if (saved) {
      cache.invalidate("/api/v1/acs/credentials");
      props.onSaved({ username: saved.username, password: form.password });
      setForm({ username: "cpe", password: newPassword() });
    }
  };
  return (
    <form onSubmit={submit} noValidate data-testid={props.testId}>
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
        <button type="button" className="btn" onClick={() => setForm({ ...form, password: newPassword() })}>
          {t("setup.cpe.generate")}
        </button>
        {props.onCancel && (
          <button type="button" className="btn" onClick={props.onCancel}>
            {t("common.cancel")}
          </button>
        )}
      </div>
    </form>
  );
}
