import { useI18n, type MessageKey } from "../../lib/i18n";
import { Link } from "../../lib/router";
import { parseSuppression } from "./suppressionReason";

/** What holds an alert back, in words and linked to it: the root-cause alert, the silences or the
 * maintenance windows; any other text as stored. */
export function SuppressedBy({ value }: { value: string }) {
  const { t } = useI18n();
  const suppression = parseSuppression(value);
  if (suppression.kind === "other") return <>{suppression.text}</>;
  return <Link href={suppression.href}>{t(`suppression.${suppression.kind}` as MessageKey)}</Link>;
}
