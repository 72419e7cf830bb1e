// The page an invitation e-mail links to (`/invite#<token>`): who invited whom, then the person
// chooses a password and the account becomes active. The token stays in the URL's fragment, which
// the browser never sends to a server; it goes to the API in a request body only.
import { useEffect, useState, type FormEvent } from "react";
import { ApiError, type ApiClient } from "../../lib/api";
import { useI18n } from "../../lib/i18n";
import { Field } from "../../ui/Form";
import { Loading } from "../../ui/States";

interface InvitationDetails {
  email: string;
  name: string;
  provider_name: string;
  locale: "pt-BR" | "en";
  expires_at: string;
}

export function AcceptInvitation(props: { api: ApiClient; token: string; languageSwitch: JSX.Element; onAccepted: (email: string) => void }) {
  const { t, dateTime } = useI18n();
  const [details, setDetails] = useState<InvitationDetails | null>(null);
  const [gone, setGone] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<{ password?: string; confirm?: string }>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    props.api.anonymous<InvitationDetails>("/api/v1/auth/invitation", { token: props.token }).then(
      (found) => !cancelled && setDetails(found),
      (error) => {
        if (cancelled) return;
        if (error instanceof ApiError && (error.status === 404 || error.status === 400)) setGone(true);
        else setFailure(error instanceof Error ? error.message : String(error));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [props.api, props.token]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found: typeof errors = {};
    if (password.length < 10) found.password = t("invite.tooShort");
    else if (password !== confirm) found.confirm = t("invite.mismatch");
    setErrors(found);
    setFailure(null);
    if (found.password || found.confirm) return;
    setBusy(true);
    try {
      const accepted = await props.api.anonymous<{ email: string }>("/api/v1/auth/invitation/accept", { token: props.token, password });
      props.onAccepted(accepted.email);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) setGone(true);
      else if (error instanceof ApiError && error.field === "password") setErrors({ password: error.message });
      else setFailure(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin" id="main">
      <div className="signin-top">{props.languageSwitch}</div>
      <form className="card signin-card" onSubmit={submit} aria-labelledby="invite-title" noValidate data-testid="invitation">
        <img src="/icons/icon.svg" alt="" width={56} height={56} className="signin-logo" />
        <h1 id="invite-title">{t("invite.title")}</h1>
        {gone ? (
          <p className="note note-error" role="alert">
            {t("invite.gone")}
          </p>
        ) : !details ? (
          failure ? (
            <p className="note note-error" role="alert">
              {failure}
            </p>
          ) : (
            <Loading />
          )
        ) : (
          <>
            <p>{t("invite.intro", { provider: details.provider_name, email: details.email })}</p>
            <p className="muted">{t("invite.expires", { time: dateTime(details.expires_at) })}</p>
            {/* The account's name for password managers. */}
            <input type="email" name="email" autoComplete="username" value={details.email} readOnly hidden />
            <Field label={t("invite.password")} type="password" autoComplete="new-password" required value={password}
                   onChange={(e) => setPassword(e.target.value)} help={t("invite.passwordHelp")} error={errors.password} autoFocus />
            <Field label={t("invite.confirm")} type="password" autoComplete="new-password" required value={confirm}
                   onChange={(e) => setConfirm(e.target.value)} error={errors.confirm} />
            {failure && (
              <p className="note note-error" role="alert">
                {failure}
              </p>
            )}
            <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
              {t("invite.submit")}
            </button>
          </>
        )}
      </form>
    </main>
  );
}
