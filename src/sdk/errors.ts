/** The gateway refused a request for a reason retrying cannot fix (4xx other than 429). */
export class GatewayRejection extends Error {
  override readonly name = 'GatewayRejection';
  /** The gateway's machine-readable reason (src/protocol/reasons.ts), e.g. 'replayed_sequence'. */
  readonly reason: string;
  readonly status: number;
  /** The parsed response body (a batch lists per-reading errors in it). */
  readonly body: unknown;
  /** Which attempt got this answer (> 1 when earlier attempts failed with a network error, 429 or 5xx). */
  readonly attempt: number;
  constructor({
    reason,
    status,
    body,
    message,
    attempt = 1,
  }: { reason: string; status: number; body: unknown; message?: string; attempt?: number }) {
    super(message ? `gateway refused: ${reason} (${status}): ${message}` : `gateway refused: ${reason} (${status})`);
    this.reason = reason;
    this.status = status;
    this.body = body;
    this.attempt = attempt;
  }
}

/** Every attempt failed with a network error, 429 or 5xx. Nothing was acknowledged. */
export class GatewayUnavailable extends Error {
  override readonly name = 'GatewayUnavailable';
  constructor(
    readonly attempts: number,
    /** HTTP status of the last attempt, undefined when it was a network error. */
    readonly status: number | undefined,
    /** The gateway's reason of the last attempt (e.g. 'queue_full'), or 'network_error'. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`gateway unavailable after ${attempts} attempt(s): ${reason}${status === undefined ? '' : ` (${status})`}`, options);
  }
}
