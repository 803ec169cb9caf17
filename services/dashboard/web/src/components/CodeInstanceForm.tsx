import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, unwrap } from '../api/client';
import { apiErrorsFor, type FieldErrors } from '../lib/field-errors';
import { codeInstanceFromForm, parameterFields } from '../lib/strategy-code';
import { Field, FormError } from './Field';
import { ErrorNote } from './QueryState';

/**
 * A new instance of a strategy code (a built-in or a module of STRATEGIES_DIR, as GET
 * /trading/strategy-code lists them): its parameters rendered from the code's schema, with the
 * universe, bar interval, mode (scheduled scans or live on prices), approval and allocation.
 */
export function CodeInstanceForm({ onSaved }: { onSaved: (message: string) => void }) {
  const client = useQueryClient();
  const codes = useQuery({ queryKey: ['strategy-code'], queryFn: () => unwrap(api.GET('/trading/strategy-code')) });
  const [chosen, setChosen] = useState<string | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const listed = codes.data?.strategies ?? [];
  // A user's own module first: that is what this form is for; the built-ins follow.
  const ordered = [...listed.filter((code) => code.origin === 'user'), ...listed.filter((code) => code.origin === 'builtin')];
  const code = ordered.find((candidate) => candidate.name === chosen) ?? ordered[0];
  const fields = code ? parameterFields(code) : [];
  const inputNames = ['name', 'universe', 'interval', 'mode', 'approval', 'allocation', ...fields.map((field) => `parameters.${field.name}`)];
  const save = useMutation({
    mutationFn: (body: NonNullable<ReturnType<typeof codeInstanceFromForm>['value']>) => unwrap(api.POST('/trading/strategies', { body: body as never })),
    onSuccess: (strategy) => (setErrors({}), onSaved(`Created ${strategy.name} (${strategy.code}).`)),
    // The API names a parameter as "body/parameters/fast: ...": under that parameter's input.
    onError: (error) => setErrors(apiErrorsFor(error instanceof ApiError ? error.message : String(error), inputNames)),
    onSettled: () => client.invalidateQueries({ queryKey: ['strategies'] }),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!code) return;
    const { value, errors: found } = codeInstanceFromForm(new FormData(event.currentTarget), code);
    setErrors(found);
    if (value) save.mutate(value);
  };
  if (codes.isError) return <ErrorNote error={codes.error} />;
  const refused = codes.data?.refused ?? [];
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="new-code-instance" noValidate data-testid="new-code-instance">
      <h2 id="new-code-instance">New instance of a strategy code</h2>
      {refused.map((file) => (
        <p key={file.file} role="alert" className="error">
          {file.file} in the strategies folder is not usable: {file.error}
        </p>
      ))}
      <div className="row">
        <Field label="Code" name="code" errors={errors} hint={code?.description}>
          {(props) => (
            <select {...props} value={code?.name ?? ''} onChange={(event) => (setChosen(event.target.value), setErrors({}))}>
              {ordered.map((candidate) => (
                <option key={candidate.name} value={candidate.name}>
                  {candidate.name} ({candidate.origin === 'user' ? 'your module' : 'built-in'})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Name" name="name" errors={errors}>
          {(props) => <input {...props} maxLength={120} />}
        </Field>
        <Field label="Universe" name="universe" errors={errors} className="wide" hint="symbols, separated by commas or spaces">
          {(props) => <input {...props} placeholder="AAPL, MSFT, BTC-PERP" />}
        </Field>
      </div>
      <div className="row" key={code?.name}>
        {fields.map((field) =>
          field.kind === 'boolean' ? (
            <label className="inline" key={field.name}>
              <input name={`parameters.${field.name}`} type="checkbox" defaultChecked={field.default === true} /> {field.name}
            </label>
          ) : (
            <Field key={field.name} label={field.name} name={`parameters.${field.name}`} errors={errors} hint={field.hint}>
              {(props) =>
                field.choices ? (
                  <select {...props} defaultValue={String(field.default ?? field.choices[0])}>
                    {field.choices.map((choice) => (
                      <option key={choice}>{choice}</option>
                    ))}
                  </select>
                ) : (
                  <input
                    {...props}
                    inputMode={field.kind === 'integer' ? 'numeric' : field.kind === 'number' ? 'decimal' : 'text'}
                    placeholder={field.default !== undefined ? String(field.default) : ''}
                  />
                )
              }
            </Field>
          ),
        )}
      </div>
      <div className="row">
        <Field label="Bar interval" name="interval" errors={errors} hint="1d: daily bars; 1m, 5m: the live prices' bars">
          {(props) => <input {...props} defaultValue="1m" />}
        </Field>
        <Field label="Mode" name="mode" errors={errors}>
          {(props) => (
            <select {...props} defaultValue="live">
              <option value="live">live (on live prices)</option>
              <option value="scheduled">scheduled scans (daily bars)</option>
            </select>
          )}
        </Field>
        <Field label="Approval" name="approval" errors={errors}>
          {(props) => (
            <select {...props} defaultValue="manual">
              <option value="manual">manual (signals wait)</option>
              <option value="auto">auto (signals become orders)</option>
            </select>
          )}
        </Field>
        <Field label="Allocation" name="allocation" errors={errors} hint="capital given to the strategy">
          {(props) => <input {...props} inputMode="decimal" defaultValue={100_000} />}
        </Field>
        <button type="submit" disabled={save.isPending || !code}>
          Create instance
        </button>
      </div>
      <FormError errors={errors} />
    </form>
  );
}
