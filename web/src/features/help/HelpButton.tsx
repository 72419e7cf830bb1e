// The "?" of a page header: opens the module's help panel (its own chunk, loaded on first use).
// Mount it in any page header: <HelpButton module="provisioning" />.
import { lazy, Suspense, useRef, useState } from "react";
import { useI18n } from "../../lib/i18n";
import type { HelpModule } from "./content";

const HelpPanel = lazy(() => import("./HelpPanel").then((m) => ({ default: m.HelpPanel })));

export function HelpButton(props: { module: HelpModule }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  return (
    <>
      <button
        ref={button}
        type="button"
        className="help-button"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-label={t("help.open")}
        title={t("help.open")}
        onClick={() => setOpen(true)}
        data-testid="help-button"
      >
        ?
      </button>
      {open && (
        <Suspense fallback={null}>
          <HelpPanel
            module={props.module}
            onClose={() => {
              setOpen(false);
              button.current?.focus();
            }}
          />
        </Suspense>
      )}
    </>
  );
}
