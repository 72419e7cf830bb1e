// The help side panel of a module: what the module is for and its set-up checklist. Steps the API
// can tell are ticked from it; the others are ticked here and kept in the person's preferences.
import { useEffect, useRef, useState } from "react";
import { useApp, useQuery } from "../../lib/app";
import { useI18n } from "../../lib/i18n";
import { usePreferences } from "../../lib/preferences";
import { Link } from "../../lib/router";
import { detected, HELP, progress, type HelpModule, type HelpStep } from "./content";

export function HelpPanel(props: { module: HelpModule; onClose: () => void }) {
  const { t, locale } = useI18n();
  const { values, update } = usePreferences();
  const content = HELP[props.module];
  const panel = useRef<HTMLDivElement>(null);
  const ticked = values.help_progress[props.module] ?? [];
  const titleId = `help-title-${props.module}`;
  const [auto, setAuto] = useState<ReadonlySet<string>>(new Set());
  const onDetected = (id: string, done: boolean) =>
    setAuto((before) => {
      if (before.has(id) === done) return before;
      const next = new Set(before);
      if (done) next.add(id);
      else next.delete(id);
      return next;
    });
  const status = progress(content, ticked, auto);

  // Focus moves into the panel; Esc closes it; Tab stays inside while it is open.
  useEffect(() => {
    panel.current?.querySelector<HTMLElement>("button")?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        event.preventDefault();
        props.onClose();
      } else if (event.key === "Tab" && panel.current) {
        const focusable = [...panel.current.querySelectorAll<HTMLElement>("button, a[href], input:not([disabled])")];
        const first = focusable[0];
        const last = focusable[focusable.length - 1];
        if (event.shiftKey && document.activeElement === first) {
          event.preventDefault();
          last?.focus();
        } else if (!event.shiftKey && document.activeElement === last) {
          event.preventDefault();
          first?.focus();
        }
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const toggle = (id: string, on: boolean) => {
    const next = on ? [...ticked.filter((s) => s !== id), id] : ticked.filter((s) => s !== id);
    update({ help_progress: { [props.module]: next } });
  };

  return (
    <>
      <div className="help-backdrop" onClick={props.onClose} aria-hidden="true" />
      <div ref={panel} className="help-panel" role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid="help-panel">
        <header>
          <h2 id={titleId}>{t("help.title", { module: content.title[locale] })}</h2>
          <button type="button" className="btn btn-small" onClick={props.onClose} data-testid="help-close">
            {t("help.close")}
          </button>
        </header>
        <p>{content.intro[locale]}</p>
        <h3 className="form-section">{t("help.steps")}</h3>
        <ul className="help-steps">
          {content.steps.map((step) => (
            <StepRow key={step.id} module={props.module} step={step} ticked={ticked.includes(step.id)} onToggle={toggle} onNavigate={props.onClose} onDetected={onDetected} />
          ))}
        </ul>
        <p className="help-progress" role="status" data-testid="help-progress">
          {t("help.progress", { done: status.count, total: status.total })}
        </p>
        <p className="muted">{t("help.saved")}</p>
      </div>
    </>
  );
}

/** One step: ticked from the API when it can tell (and the caller may read it), by hand otherwise. */
function StepRow(props: {
  module: HelpModule;
  step: HelpStep;
  ticked: boolean;
  onToggle: (id: string, on: boolean) => void;
  onNavigate: () => void;
  onDetected: (id: string, done: boolean) => void;
}) {
  const { t, locale } = useI18n();
  const { can } = useApp();
  const { step } = props;
  const detector = step.detect && can(step.detect.permission) ? step.detect : undefined;
  const answer = useQuery<{ items?: { last_seen_at?: string | null }[]; total?: number }>(detector ? detector.url : null);
  const auto = detector ? detected(detector.test, answer.data) : false;
  useEffect(() => props.onDetected(step.id, auto), [auto]); // eslint-disable-line react-hooks/exhaustive-deps
  const id = `help-${props.module}-${step.id}`;
  return (
    <li data-testid={`help-step-${step.id}`}>
      <label htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          checked={auto || props.ticked}
          disabled={auto}
          onChange={(e) => props.onToggle(step.id, e.target.checked)}
          aria-describedby={auto ? `${id}-auto` : undefined}
        />
        <span>
          {step.title[locale]}
          {step.hint && <span className="muted">{step.hint[locale]}</span>}
          {auto && (
            <span className="muted" id={`${id}-auto`}>
              {t("help.detected")}
            </span>
          )}
        </span>
      </label>
      {step.href && (
        <Link href={step.href} onClick={props.onNavigate} className="help-go">
          {t("help.go")}
        </Link>
      )}
    </li>
  );
}
