import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useCallback, useEffect, useState, type ReactNode } from 'react';
import { Link, Route, Router, Switch } from 'wouter';
import { api, setCsrfToken, unwrap, whenSignedOut } from './api/client';
import { ErrorNote } from './components/QueryState';
import { deskTimeZone, deskZoneLabel, deskZoneShort } from './lib/format';
import { roleLabel, type Me } from './lib/permissions';
import { Overview } from './pages/Overview';
import { SignIn } from './pages/SignIn';
import { SessionContext } from './session';

// Pages with charts load on first visit, so the first load stays small.
const MarketData = lazy(() => import('./pages/MarketData'));
const Models = lazy(() => import('./pages/Models'));
const Risk = lazy(() => import('./pages/Risk'));
const Fleet = lazy(() => import('./pages/Fleet'));
const Strategies = lazy(() => import('./pages/Strategies'));
const Signals = lazy(() => import('./pages/Signals'));
const Orders = lazy(() => import('./pages/Orders'));
const Pnl = lazy(() => import('./pages/Pnl'));
const LivePrices = lazy(() => import('./pages/LivePrices'));
const Alerts = lazy(() => import('./pages/Alerts'));
const Research = lazy(() => import('./pages/Research'));
// Not in the navigation: the benchmark's page (generated series drawn by the same chart components).
const ChartBench = lazy(() => import('./pages/ChartBench'));

const pages: { path: string; label: string; page: () => ReactNode }[] = [
  { path: '/', label: 'Overview', page: () => <Overview /> },
  { path: '/strategies', label: 'Strategies', page: () => <Strategies /> },
  { path: '/signals', label: 'Signals', page: () => <Signals /> },
  { path: '/orders', label: 'Orders & positions', page: () => <Orders /> },
  { path: '/pnl', label: 'P&L', page: () => <Pnl /> },
  { path: '/risk', label: 'Risk', page: () => <Risk /> },
  { path: '/research', label: 'Research', page: () => <Research /> },
  { path: '/market-data', label: 'Market data', page: () => <MarketData /> },
  { path: '/models', label: 'Models', page: () => <Models /> },
  { path: '/prices', label: 'Live prices', page: () => <LivePrices /> },
  { path: '/alerts', label: 'Alerts', page: () => <Alerts /> },
  { path: '/fleet', label: 'Fleet', page: () => <Fleet /> },
];

const signedInHint = 'closecross.signed-in';

type SessionState = { state: 'checking' } | { state: 'signed-out'; reason?: string } | { state: 'signed-in'; me: Me } | { state: 'failed'; error: unknown };

export function App() {
  const [session, setSession] = useState<SessionState>({ state: 'checking' });
  const queries = useQueryClient();

  const signedIn = useCallback((me: Me) => {
    setCsrfToken(me.csrf_token);
    localStorage.setItem(signedInHint, '1');
    setSession({ state: 'signed-in', me });
  }, []);

  useEffect(() => {
    whenSignedOut(() => {
      setCsrfToken(undefined);
      localStorage.removeItem(signedInHint);
      queries.clear();
      setSession({ state: 'signed-out', reason: 'Your session ended: sign in again.' });
    });
    // The session cookie is HttpOnly: a hint tells whether asking /auth/me can succeed, so a first
    // visit shows the sign-in page without a request the browser would log as a failed 401.
    if (localStorage.getItem(signedInHint) !== '1') {
      setSession({ state: 'signed-out' });
      return;
    }
    api
      .GET('/auth/me')
      .then(({ data, response }) => {
        if (response.status === 401) {
          localStorage.removeItem(signedInHint);
          setSession({ state: 'signed-out' });
        } else if (data) signedIn(data);
        else setSession({ state: 'failed', error: new Error(`GET /auth/me answered ${response.status}`) });
      })
      .catch((error: unknown) => setSession({ state: 'failed', error }));
  }, [queries, signedIn]);

  const signOut = async () => {
    await unwrap(api.POST('/auth/logout')).catch(() => undefined);
    setCsrfToken(undefined);
    localStorage.removeItem(signedInHint);
    queries.clear();
    setSession({ state: 'signed-out' });
  };

  if (session.state === 'checking')
    return (
      <p role="status" className="muted page-pad">
        Loading…
      </p>
    );
  if (session.state === 'failed')
    return (
      <main className="page-pad">
        <ErrorNote error={session.error} />
      </main>
    );
  if (session.state === 'signed-out') return <SignIn onSignedIn={signedIn} {...(session.reason ? { notice: session.reason } : {})} />;
  const { me } = session;
  return (
    <SessionContext.Provider value={me}>
      <Router base="/app">
        <header className="top">
          <span className="brand">Closecross</span>
          <nav aria-label="Pages">
            {pages.map((page) => (
              <Link key={page.path} href={page.path} className={(active) => (active ? 'active' : '')}>
                {page.label}
              </Link>
            ))}
          </nav>
          <span className="muted zone" data-testid="desk-zone">
            Times in{' '}
            <abbr title={`Every time on these pages is in the desk's time zone: ${deskZoneLabel()}`} data-zone={deskTimeZone()}>
              {deskZoneShort()}
            </abbr>
          </span>
          <span className="who">
            <span data-testid="user">{me.name}</span>{' '}
            <span className="role" data-testid="role">
              {roleLabel(me)}
            </span>
            <button type="button" className="link" onClick={signOut}>
              Sign out
            </button>
          </span>
        </header>
        <main>
          <Suspense
            fallback={
              <p role="status" className="muted">
                Loading…
              </p>
            }
          >
            <Switch>
              {pages.map((page) => (
                <Route key={page.path} path={page.path}>
                  {page.page()}
                </Route>
              ))}
              <Route path="/risk/analysis">
                <Risk view="analysis" />
              </Route>
              <Route path="/research/walk-forwards">
                <Research view="walk-forwards" />
              </Route>
              <Route path="/research/lookahead">
                <Research view="lookahead" />
              </Route>
              <Route path="/_bench/charts">
                <ChartBench />
              </Route>
              <Route>
                <h1>Not found</h1>
                <p>
                  No page here. <Link href="/">Overview</Link>
                </p>
              </Route>
            </Switch>
          </Suspense>
        </main>
      </Router>
    </SessionContext.Provider>
  );
}
