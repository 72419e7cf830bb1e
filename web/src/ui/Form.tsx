import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from "react";

/** A labelled input; `help` and `error` are tied to it for screen readers. */
export function Field(props: InputHTMLAttributes<HTMLInputElement> & { label: string; help?: string; error?: string }) {
  const { label, help, error, ...input } = props;
  const id = useId();
  const described = [help ? `${id}-help` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div className={`field ${input.type === "checkbox" ? "field-check" : ""}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-describedby={described} aria-invalid={error ? true : undefined} {...input} />
      {help && (
        <p id={`${id}-help`} className="field-help">
          {help}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export function Select(props: SelectHTMLAttributes<HTMLSelectElement> & { label: string; children: ReactNode; inline?: boolean }) {
  const { label, children, inline, ...select } = props;
  const id = useId();
  return (
    <div className={`field ${inline ? "field-inline" : ""}`}>
      <label htmlFor={id}>{label}</label>
      <select id={id} {...select}>
        {children}
      </select>
    </div>
  );
}
