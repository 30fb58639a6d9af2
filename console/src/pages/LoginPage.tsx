import { type FormEvent, useState } from 'react';
import { ApiError, indexGet } from '../api.js';

/** The console token is checked against the node (GET /v1/index/status) before it is kept. */
export function LoginPage({ onLogin, notice }: { onLogin: (token: string) => void; notice?: string | undefined }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(notice);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await indexGet('/v1/index/status', token.trim());
      onLogin(token.trim());
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 401
          ? 'The node refused this console token: use the one `pythia up` printed (or <data dir>/console-token).'
          : `The node did not answer: ${(e as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login">
      <h1>Pythia council console</h1>
      <form onSubmit={submit}>
        <label>
          Console token
          <input
            name="token"
            type="password"
            autoComplete="off"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder="64 hex digits from <data dir>/console-token"
          />
        </label>
        <button type="submit" disabled={busy || token.trim() === ''}>
          Log in
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <p className="hint">
        <code>pythia up</code> prints the console&apos;s address with the token; the token stays in this tab only.
      </p>
    </main>
  );
}
