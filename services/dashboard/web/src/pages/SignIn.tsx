import { useState, type FormEvent } from 'react';
import { api, ApiError, unwrap } from '../api/client';
import type { Me } from '../lib/permissions';

/** The platform's sign-in: POST /auth/login sets the session cookie and answers the CSRF token. */
export function SignIn({ onSignedIn, notice }: { onSignedIn: (me: Me) => void; notice?: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const me = await unwrap(api.POST('/auth/login', { body: { username: String(form.get('username')), password: String(form.get('password')) } }));
      onSignedIn(me as unknown as Me);
    } catch (failure) {
      setError(failure instanceof ApiError && failure.status === 401 ? 'Wrong username or password.' : (failure as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <h1>Closecross</h1>
      <form onSubmit={submit} aria-label="Sign in">
        {notice && <p className="muted">{notice}</p>}
        <label>
          Username
          <input name="username" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
