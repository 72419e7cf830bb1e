import { useState, type FormEvent } from "react";
import { ApiError, type ApiClient } from "../../lib/api";
import { useI18n } from "../../lib/i18n";
import { Field } from "../../ui/Form";

/** E-mail and password, then the authenticator code when the API asks for it. */
export function SignIn(props: { api: ApiClient; onSignedIn: () => void; notice?: string; initialEmail?: string; languageSwitch: JSX.Element }) {
  const { t } = useI18n();
  const [email, setEmail] = useState(props.initialEmail ?? "");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [step, setStep] = useState<"credentials" | "totp">("credentials");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await props.api.login(email, password, step === "totp" ? code : undefined);
      if (result.kind === "totp") {
        setStep("totp");
      } else {
        props.onSignedIn();
      }
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 401) setError(step === "totp" ? t("auth.totpFailed") : t("auth.failed"));
      else setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin" id="main">
      <div className="signin-top">{props.languageSwitch}</div>
      <form className="card signin-card" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <img src="/icons/icon.svg" alt="" width={56} height={56} className="signin-logo" />
        <h1 id="signin-title">{t("auth.title")}</h1>
        <p className="muted">{t("auth.subtitle")}</p>
        {props.notice && !error && (
          <p className="note" role="status">
            {props.notice}
          </p>
        )}
        {step === "credentials" ? (
          <>
            <Field label={t("auth.email")} type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
            <Field label={t("auth.password")} type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          </>
        ) : (
          <Field
            label={t("auth.totp")}
            help={t("auth.totpHelp")}
            name="totp"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]*"
            maxLength={8}
            required
            value={code}
            onChange={(e) => setCode(e.target.value.trim())}
            autoFocus
          />
        )}
        {error && (
          <p className="note note-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {step === "totp" ? t("auth.verify") : t("auth.submit")}
        </button>
        {step === "totp" && (
          <button
            type="button"
            className="btn btn-link"
            onClick={() => {
              setStep("credentials");
              setCode("");
              setError(null);
            }}
          >
            {t("auth.back")}
          </button>
        )}
      </form>
    </main>
  );
}
