// Differences as a list: each row with its marker (+ added, − removed, ~ changed) and colour, the key,
// and the value before and after. Used by template versions and a device's dry run.
import { useI18n } from "../lib/i18n";
import { DIFF_MARKER, diffSummary, type DiffRow } from "../lib/diff";

export function DiffView(props: { rows: DiffRow[]; caption: string; empty: string; testId?: string }) {
  const { t } = useI18n();
  const counts = diffSummary(props.rows);
  if (!props.rows.length) {
    return (
      <p className="muted" data-testid={props.testId}>
        {props.empty}
      </p>
    );
  }
  return (
    <div data-testid={props.testId}>
      <p className="diff-summary" aria-live="polite">
        {t("diff.summary", { added: counts.added, removed: counts.removed, changed: counts.changed })}
      </p>
      <ul className="diff" aria-label={props.caption}>
        {props.rows.map((row) => (
          <li key={row.key} className={`diff-row diff-${row.kind}`} data-kind={row.kind}>
            <span className="diff-marker" aria-hidden="true">
              {DIFF_MARKER[row.kind]}
            </span>
            <span className="sr-only">{t(`diff.${row.kind}`)}: </span>
            <code className="diff-key">{row.key}</code>
            <span className="diff-values">
              {row.before !== null && (
                <del>
                  <span className="sr-only">{t("diff.before")} </span>
                  {row.before}
                </del>
              )}
              {row.before !== null && row.after !== null && <span aria-hidden="true"> → </span>}
              {row.after !== null && (
                <ins>
                  <span className="sr-only">{t("diff.after")} </span>
                  {row.after}
                </ins>
              )}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
