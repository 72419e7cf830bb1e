import type { ReactNode } from "react";

export function Card(props: { title?: ReactNode; actions?: ReactNode; children: ReactNode | ReactNode[]; className?: string; labelledBy?: string }) {
  return (
    <section className={`card ${props.className ?? ""}`} aria-labelledby={props.labelledBy}>
      {(props.title || props.actions) && (
        <header className="card-header">
          {props.title && <h2 id={props.labelledBy}>{props.title}</h2>}
          {props.actions && <div className="card-actions">{props.actions}</div>}
        </header>
      )}
      {props.children}
    </section>
  );
}

/** A big number with its label and an optional note, linking somewhere when `href` is given. */
export function StatCard(props: { label: string; value: string; note?: ReactNode; tone?: "ok" | "warn" | "bad" | "neutral"; testId?: string; children?: ReactNode }) {
  return (
    <section className={`card stat tone-${props.tone ?? "neutral"}`} data-testid={props.testId}>
      <h2 className="stat-label">{props.label}</h2>
      <p className="stat-value">{props.value}</p>
      {props.note && <p className="stat-note">{props.note}</p>}
      {props.children}
    </section>
  );
}
