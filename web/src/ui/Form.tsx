import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from "react";

/** Help and error lines under a control, tied to it for screen readers. */
function described(id: string, help?: string, error?: string) {
  return [help ? `${id}-help` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
}

function Notes(props: { id: string; help?: string; error?: string }) {
  return (
    <>
      {props.help && (
        <p id={`${props.id}-help`} className="field-help">
          {props.help}
        </p>
      )}
      {props.error && (
        <p id={`${props.id}-error`} className="field-error" role="alert">
          {props.error}
        </p>
      )}
    </>
  );
}

/** A labelled input; `help` and `error` are tied to it for screen readers. */
export function Field(props: InputHTMLAttributes<HTMLInputElement> & { label: string; help?: string; error?: string }) {
  const { label, help, error, ...input } = props;
  const id = useId();
  return (
    <div className={`field ${input.type === "checkbox" ? "field-check" : ""}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-describedby={described(id, help, error)} aria-invalid={error ? true : undefined} {...input} />
      <Notes id={id} help={help} error={error} />
    </div>
  );
}

export function Select(props: SelectHTMLAttributes<HTMLSelectElement> & { label: string; children: ReactNode; inline?: boolean; help?: string; error?: string }) {
  const { label, children, inline, help, error, ...select } = props;
  const id = useId();
  return (
    <div className={`field ${inline ? "field-inline" : ""}`}>
      <label htmlFor={id}>{label}</label>
      <select id={id} aria-describedby={described(id, help, error)} aria-invalid={error ? true : undefined} {...select}>
        {children}
      </select>
      <Notes id={id} help={help} error={error} />
    </div>
  );
}

export function TextArea(props: TextareaHTMLAttributes<HTMLTextAreaElement> & { label: string; help?: string; error?: string }) {
  const { label, help, error, ...area } = props;
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} aria-describedby={described(id, help, error)} aria-invalid={error ? true : undefined} {...area} />
      <Notes id={id} help={help} error={error} />
    </div>
  );
}
