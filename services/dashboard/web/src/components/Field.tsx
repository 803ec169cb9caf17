import { useId, type ReactNode } from 'react';
import type { FieldErrors } from '../lib/field-errors';

export interface FieldInputProps {
  id: string;
  name: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
}

/**
 * A labelled input with its hint and its validation message beneath it; the input is marked
 * invalid and described by both, so a screen reader reads why it was refused.
 */
export function Field({
  label,
  name,
  errors,
  hint,
  className,
  children,
}: {
  label: ReactNode;
  name: string;
  errors: FieldErrors;
  hint?: string | undefined;
  className?: string;
  children: (props: FieldInputProps) => ReactNode;
}) {
  const id = useId();
  const error = errors[name];
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, name, 'aria-invalid': !!error, 'aria-describedby': described })}
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

/** A form's errors about no single field (a conflict, a missing strategy), shown once above its buttons. */
export function FormError({ errors }: { errors: FieldErrors }) {
  const count = Object.keys(errors).length;
  if (count === 0) return null;
  return (
    <p role="alert" className="error">
      {errors[''] ?? `${count === 1 ? 'One field needs' : `${count} fields need`} a change: see the messages under them.`}
    </p>
  );
}
