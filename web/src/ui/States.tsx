import { ApiError } from "../lib/api";
import { useI18n } from "../lib/i18n";

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="muted" role="status">
      {t("common.loading")}
    </p>
  );
}

/** An API failure in words: 403 and 404 get their own sentence, others the API's message. */
export function ErrorNote(props: { error: unknown; retry?: () => void }) {
  const { t } = useI18n();
  const error = props.error;
  let text: string;
  if (error instanceof ApiError && error.status === 403) text = t("common.forbidden");
  else if (error instanceof ApiError && error.status === 404) text = t("common.notFound");
  else text = t("common.error", { message: error instanceof Error ? error.message : String(error) });
  return (
    <div className="note note-error" role="alert">
      <span>{text}</span>
      {props.retry && !(error instanceof ApiError && (error.status === 403 || error.status === 404)) && (
        <button type="button" className="btn btn-small" onClick={props.retry}>
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}

export function Badge(props: { tone: string; children: string }) {
  return <span className={`badge badge-${props.tone}`}>{props.children}</span>;
}
