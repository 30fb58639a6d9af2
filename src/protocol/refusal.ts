import { statusOfReason, type RejectionReason } from './reasons.js';

/** One failure of a refused request: for POST /v1/readings (and its MQTT topic), a reading by its index. */
export type RefusalItem = { index: number; reason: string; message: string };

/**
 * Every refusal of the gateway, over HTTP and MQTT, for every route and every cause (a body that
 * is not JSON, a route that does not exist, the framework's own errors): `error` is the reason of
 * the (first) failure, `message` says why, and `errors` lists the failures of single readings by
 * index; it is empty when the request failed as a whole.
 */
export type RefusalBody = { error: RejectionReason; message: string; errors: RefusalItem[] };

/** No refusal message is longer: a refusal never grows with what it refuses. */
export const MAX_REFUSAL_MESSAGE = 1_000;

const bounded = (message: string) => (message.length <= MAX_REFUSAL_MESSAGE ? message : `${message.slice(0, MAX_REFUSAL_MESSAGE - 1)}…`);

/** The body of a refusal (docs/protocol.md, "Refusals"). */
export function refusalBody(error: RejectionReason, message: string, errors: readonly RefusalItem[] = []): RefusalBody {
  return {
    error,
    message: bounded(message),
    errors: errors.map((e) => ({ index: e.index, reason: e.reason, message: bounded(e.message) })),
  };
}

export { statusOfReason };
