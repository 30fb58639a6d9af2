import type { Profile } from '../../src/protocol/profile.js';

/**
 * The console's access to the node: the indexer's query API (/v1/index/..., the console token as a
 * bearer token) and the public device route (its effective profile). Same origin only: the page's
 * Content-Security-Policy allows no other.
 */

const TOKEN_KEY = 'pythia-console-token';

export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** A refusal of the API, with its reason (docs/api.md, "Reasons"). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

// The index's rows and the query API's answers as the server defines them; type-only, so that no
// server code lands in the bundle.
export type { IndexEventAnswer, IndexPage, MapDevice, TownMapAnswer } from '../../src/gateway/indexQueries/indexAnswers.js';
export type { ConsentVoid, IndexedDevice, IndexedReading, IndexedStatusChange } from '../../src/indexer/indexedRows.js';

/** The node refused the console token: the page sends the user back to the login. */
export const isRefused = (error: unknown): boolean => error instanceof ApiError && error.status === 401;

/** The effective profile as GET /v1/devices/{id} reads it from the chain: the protocol's Profile, its version, and whose it is. */
export type EffectiveProfile = Profile & { version: number; own: boolean };

export type PublicDevice = { device: string; status: string; classId: number; profile: EffectiveProfile };

async function answer<T>(response: Response): Promise<T> {
  if (response.ok) return (await response.json()) as T;
  let reason = `http_${response.status}`;
  let message = response.statusText;
  try {
    const body = (await response.json()) as { error?: string; message?: string };
    reason = body.error ?? reason;
    message = body.message ?? message;
  } catch {
    // Not JSON: the status says it.
  }
  throw new ApiError(response.status, reason, message);
}

/** GET a route of the index API with the console token. */
export async function indexGet<T>(path: string, token = tokenStore.get() ?? ''): Promise<T> {
  return answer<T>(await fetch(path, { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' }));
}

/** POST JSON to a console route with the console token. */
export async function consolePost<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(
    await fetch(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenStore.get() ?? ''}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}

/** GET a public route (no token). */
export async function publicGet<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { cache: 'no-store' }));
}

export type StreamMessage = { event: string; data: unknown };

/**
 * Follows GET /v1/index/stream (server-sent events) until `signal` aborts. EventSource cannot send
 * an Authorization header, so the stream is read with fetch and parsed here; it reconnects after a
 * break, and `onState` tells the page whether it is live.
 */
export async function followIndexStream(
  onMessage: (message: StreamMessage) => void,
  onState: (live: boolean) => void,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const response = await fetch('/v1/index/stream', {
        headers: { authorization: `Bearer ${tokenStore.get() ?? ''}`, accept: 'text/event-stream' },
        signal,
      });
      if (!response.ok || !response.body) throw await answer<never>(response).catch((error: unknown) => error);
      onState(true);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const message = parseServerSentEvent(buffer.slice(0, end));
          if (message) onMessage(message);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && error.status === 401) {
        onState(false);
        throw error;
      }
    }
    onState(false);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** One event of a text/event-stream ("event:" and "data:" lines; comments ignored); undefined for a comment alone. */
export function parseServerSentEvent(block: string): StreamMessage | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (data.length === 0) return undefined;
  try {
    return { event, data: JSON.parse(data.join('\n')) };
  } catch {
    return undefined;
  }
}
