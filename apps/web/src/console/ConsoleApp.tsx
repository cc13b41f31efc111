// The moderator console at /console: sign in with a staff token (kept in sessionStorage only, so it
// goes with the tab), then the queue, cases, the audit log and transparency figures. Built for the
// people doing the work: a visible session timer with a break reminder, greyscale media by default,
// nothing autoplays, everything reachable by keyboard and usable at phone width.
import { type FormEvent, useCallback, useEffect, useMemo, useState } from 'react';
import { AuditView } from './AuditView.tsx';
import { StaffApi } from './api.ts';
import { CaseView } from './CaseView.tsx';
import { ErrorAlert, pathOfRoute, type Route, routeFromPath } from './common.tsx';
import { clock } from './format.ts';
import { QueueView } from './QueueView.tsx';
import { TransparencyView } from './TransparencyView.tsx';

const TOKEN_KEY = 'safelight.console.staffToken';
const STARTED_KEY = 'safelight.console.sessionStartedAt';
const GREYSCALE_KEY = 'safelight.console.greyscale';
/** A gentle reminder after 50 minutes of work, and again every 50 minutes after a dismissal. */
export const BREAK_AFTER_MS = 50 * 60_000;

function readSession(): { token: string; startedAt: number } | undefined {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return undefined;
  const startedAt = Number(sessionStorage.getItem(STARTED_KEY)) || Date.now();
  return { token, startedAt };
}

export function ConsoleApp() {
  const [session, setSession] = useState(readSession);

  const signIn = (token: string) => {
    const startedAt = Date.now();
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(STARTED_KEY, String(startedAt));
    setSession({ token, startedAt });
  };
  const signOut = () => {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(STARTED_KEY);
    setSession(undefined);
  };

  if (!session) return <SignIn onSignedIn={signIn} />;
  return <Console token={session.token} startedAt={session.startedAt} onSignOut={signOut} />;
}

function SignIn({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = token.trim();
    if (!trimmed) return;
    setBusy(true);
    try {
      // The token is checked by a harmless call before it is kept.
      await new StaffApi(trimmed).cases('open');
      onSignedIn(trimmed);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <>
      <header className="app-header">
        <p className="brand">Safelight moderator console</p>
      </header>
      <main id="main" className="console-main signin">
        <h1>Sign in</h1>
        <form className="panel" onSubmit={(e) => void submit(e)}>
          <label htmlFor="staff-token">Staff token</label>
          <input
            id="staff-token"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-describedby="staff-token-hint"
            required
          />
          <p id="staff-token-hint" className="hint">
            Kept for this browser tab only and sent only to this server.
          </p>
          <ErrorAlert error={error} />
          <button type="submit" disabled={busy}>
            Sign in
          </button>
        </form>
      </main>
    </>
  );
}

function usePreference(key: string, initial: boolean): [boolean, (value: boolean) => void] {
  const [value, setValue] = useState(() => {
    const stored = localStorage.getItem(key);
    return stored === null ? initial : stored === 'true';
  });
  const set = useCallback(
    (next: boolean) => {
      localStorage.setItem(key, String(next));
      setValue(next);
    },
    [key],
  );
  return [value, set];
}

function SessionTimer({ startedAt }: { startedAt: number }) {
  const [now, setNow] = useState(() => Date.now());
  const [snoozedUntil, setSnoozedUntil] = useState(startedAt + BREAK_AFTER_MS);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const elapsed = now - startedAt;
  return (
    <div className="session">
      <span className="session-timer">Session {clock(elapsed)}</span>
      <div role="status" className="break-status">
        {now >= snoozedUntil ? (
          <div className="notice break-reminder">
            You have been moderating for {Math.floor(elapsed / 60_000)} minutes. A short break away from the
            screen helps.{' '}
            <button type="button" className="secondary" onClick={() => setSnoozedUntil(now + BREAK_AFTER_MS)}>
              Remind me later
            </button>
          </div>
        ) : null}
      </div>
    </div>
  );
}

const NAV: ReadonlyArray<{ view: 'queue' | 'audit' | 'transparency'; label: string }> = [
  { view: 'queue', label: 'Queue' },
  { view: 'audit', label: 'Audit log' },
  { view: 'transparency', label: 'Transparency' },
];

function Console({
  token,
  startedAt,
  onSignOut,
}: {
  token: string;
  startedAt: number;
  onSignOut: () => void;
}) {
  const api = useMemo(() => new StaffApi(token), [token]);
  const [route, setRoute] = useState<Route>(() => routeFromPath(window.location.pathname));
  const [greyscale, setGreyscale] = usePreference(GREYSCALE_KEY, true);

  useEffect(() => {
    const onPop = () => setRoute(routeFromPath(window.location.pathname));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const go = useCallback((next: Route) => {
    const path = pathOfRoute(next);
    if (window.location.pathname !== path) window.history.pushState(null, '', path);
    setRoute(next);
  }, []);

  const current = route.view === 'case' ? 'queue' : route.view;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header console-header">
        <p className="brand">Safelight moderator console</p>
        <SessionTimer startedAt={startedAt} />
        <div className="row">
          <label className="inline">
            <input type="checkbox" checked={greyscale} onChange={(e) => setGreyscale(e.target.checked)} />
            Greyscale media
          </label>
          <button type="button" className="secondary" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <nav className="console-nav" aria-label="Console">
        <ul>
          {NAV.map((item) => (
            <li key={item.view}>
              <a
                href={pathOfRoute({ view: item.view })}
                aria-current={current === item.view ? 'page' : undefined}
                onClick={(e) => {
                  if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                  e.preventDefault();
                  go({ view: item.view });
                }}
              >
                {item.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="console-main">
        {route.view === 'queue' ? (
          <QueueView api={api} onOpen={(caseId) => go({ view: 'case', caseId })} />
        ) : route.view === 'case' ? (
          <CaseView
            key={route.caseId}
            api={api}
            caseId={route.caseId}
            greyscale={greyscale}
            onBack={() => go({ view: 'queue' })}
          />
        ) : route.view === 'audit' ? (
          <AuditView api={api} />
        ) : (
          <TransparencyView api={api} />
        )}
      </main>
    </>
  );
}
