import { useState } from 'react';
import { consolePost, isRefused } from './api.js';

/**
 * One signed console action (POST /v1/console/...) as every action of the console sends it: busy
 * while the node signs, the node's answer once sent, its refusal in words, and a refused token
 * sent back to the login.
 */
export function useConsoleAction<T>(onRefused: () => void) {
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<T>();
  const [error, setError] = useState<string>();
  /** Sends the action; true once the node answered with its transaction. */
  const send = async (path: string, body: unknown): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      setSent(await consolePost<T>(path, body));
      return true;
    } catch (e) {
      if (isRefused(e)) onRefused();
      setError((e as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, sent, error, setError, send };
}
