import { useEffect, useState } from 'react';
import { describeError } from '../ui/errors.ts';
import { Messenger } from './Messenger.tsx';
import { SignUp } from './SignUp.tsx';
import { restoreSession, type Session } from './session.ts';

/** Reopens this browser's device if it has one; otherwise offers sign-up. */
export function MessengerApp() {
  const [session, setSession] = useState<Session | undefined>();
  const [phase, setPhase] = useState<'loading' | 'signup' | 'ready'>('loading');
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    let cancelled = false;
    restoreSession()
      .then((restored) => {
        if (cancelled) return;
        setSession(restored);
        setPhase(restored ? 'ready' : 'signup');
      })
      .catch((caught) => {
        if (cancelled) return;
        setError(`This browser's device could not be reopened: ${describeError(caught)}`);
        setPhase('signup');
      });
    return () => {
      cancelled = true;
    };
  }, []);

  if (phase === 'loading') {
    return (
      <main id="main">
        <p role="status">Opening your device…</p>
      </main>
    );
  }
  if (phase === 'signup' || !session) {
    return (
      <SignUp
        initialError={error}
        onSignedUp={(created) => {
          setSession(created);
          setPhase('ready');
        }}
      />
    );
  }
  return <Messenger session={session} />;
}
