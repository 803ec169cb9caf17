import { useState, type FormEvent } from 'react';
import { ApiError, apiError } from '../api/client';
import type { Me } from '../lib/permissions';

/**
 * POST /app/sign-in: the platform's POST /auth/login (cookie, rate limit, lockout, audit), with a
 * refusal answered 200 so a mistyped password is no failed request in the browser's console.
 */
async function signIn(username: string, password: string): Promise<Me> {
  const response = await fetch('/app/sign-in', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const answer = (await response.json().catch(() => ({}))) as { signed_in?: boolean; me?: Me; status?: number; message?: string };
  if (response.ok && answer.signed_in && answer.me) return answer.me;
  throw apiError(answer.status ?? response.status, answer.message ?? `${response.status} ${response.statusText}`, '/app/sign-in');
}

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
      onSignedIn(await signIn(String(form.get('username')), String(form.get('password'))));
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
