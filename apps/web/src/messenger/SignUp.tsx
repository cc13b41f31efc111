import { type FormEvent, useId, useState } from 'react';
import { describeError } from '../ui/errors.ts';
import { type Session, signUp } from './session.ts';

/** Sign-up: a handle and a date of birth (the server derives the age band and its defaults). */
export function SignUp(props: { onSignedUp: (session: Session) => void; initialError?: string | undefined }) {
  const [handle, setHandle] = useState('');
  const [dateOfBirth, setDateOfBirth] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(props.initialError);
  const handleHint = useId();
  const dobHint = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      props.onSignedUp(await signUp({ handle: handle.trim(), dateOfBirth }));
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="panel" style={{ maxWidth: '32rem', margin: '2rem auto' }}>
      <h1>Create your Safelight account</h1>
      <p className="hint">
        Your messages are end-to-end encrypted: the key is made in this browser and never leaves it.
      </p>
      <form onSubmit={submit}>
        <label htmlFor="handle">Handle</label>
        <input
          id="handle"
          name="handle"
          value={handle}
          onChange={(e) => setHandle(e.target.value)}
          required
          pattern="[a-z0-9_]{3,32}"
          autoComplete="username"
          aria-describedby={handleHint}
        />
        <p id={handleHint} className="hint">
          3–32 lower-case letters, digits or _.
        </p>
        <label htmlFor="dob">Date of birth</label>
        <input
          id="dob"
          name="dob"
          type="date"
          value={dateOfBirth}
          onChange={(e) => setDateOfBirth(e.target.value)}
          required
          aria-describedby={dobHint}
        />
        <p id={dobHint} className="hint">
          Sets your age band and its safety defaults. Accounts are for people aged 13 and over.
        </p>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
    </main>
  );
}
