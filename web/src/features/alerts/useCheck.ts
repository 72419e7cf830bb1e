import { useI18n, type MessageKey } from "../../lib/i18n";

/** The form checks' messages in the caller's language (see logic.ts). */
export function useCheck() {
  const { t } = useI18n();
  return (key: string, values?: Record<string, string | number>) => t(`form.${key}` as MessageKey, values);
}
