import type { RefusalName } from './consentRefusal.js';
/**
 * Every reason the gateway gives for refusing a request, with its HTTP status and a one-line
 * description. The gateway, its OpenAPI document, docs/api.md and the SDKs all read this table,
 * so a reason means the same thing everywhere. Refusals cost no gas: nothing reaches the chain.
 */
export const rejectionReasons = {
  // --- a reading (or a whole request body) is malformed ---
  invalid_body: {
    status: 400,
    description:
      'The body is not JSON as docs/protocol.md defines it (integers without fraction or exponent, each property once, no __proto__), or not of the documented shape (a reading or { readings: [...] }).',
  },
  payload_malformed: { status: 400, description: 'The payload is not 0x-prefixed, even-length hex.' },
  bad_signature_format: {
    status: 400,
    description:
      'The signature is not 65 bytes of hex r ‖ s ‖ v with v = 27 or 28 (0/1 are refused), or r or s is out of range (0 < r, s < n).',
  },
  high_s_signature: { status: 400, description: 'The signature s is in the upper half of the curve order (EIP-2); sign with low s.' },
  bad_cose: {
    status: 400,
    description:
      'POST /v1/questions: the body is not a COSE_Sign1 (tag 18) over a deterministic-CBOR question payload of the documented shape.',
  },
  wrong_algorithm: { status: 400, description: 'POST /v1/questions: the COSE protected header is not {1: -47} (ES256K).' },
  unknown_question: { status: 400, description: 'POST /v1/questions: the question type is not one this gateway answers.' },
  bad_challenge: { status: 400, description: 'POST /v1/questions: the challenge is missing or not 8 to 32 bytes.' },
  request_expired: {
    status: 400,
    description: 'A signed request (data request, command) is past its expiresAt, or expires further ahead than the gateway allows.',
  },
  invalid_policy: {
    status: 400,
    description: 'PUT /v1/policies/{id}: the document is not a valid policy (docs/policies.md); `errors` lists every problem.',
  },
  invalid_request: {
    status: 400,
    description:
      'The URL or a path parameter is malformed: a device id that is not 20 bytes of hex, a sequence beyond uint64, a parameter over 100 characters, a URL that does not decode; or the request is not valid HTTP.',
  },
  console_token_required: {
    status: 401,
    description:
      'The index routes (/v1/index/...) and the console actions (/v1/console/...) need `Authorization: Bearer <console token>`: the token `pythia up` writes to <data dir>/console-token (0600). Missing or wrong.',
  },
  unknown_command: {
    status: 400,
    description: 'POST /v1/devices/{id}/commands: the command code is not in the command catalogue (docs/protocol.md).',
  },
  command_expired: { status: 400, description: 'A command whose expiresAt is not after the gateway clock; sign a new one.' },
  command_expiry_too_far: {
    status: 400,
    description: "A command's expiresAt is more than 300 s ahead of the gateway clock (the replay window is bounded by it).",
  },
  // --- who signed it ---
  bad_signature: {
    status: 401,
    description: "The signature does not verify against the device's registered key for this chain id and fleet contract.",
  },
  unknown_device: { status: 403, description: 'The device id is not registered in the fleet contract (404 from GET /v1/devices/{id}).' },
  device_suspended: {
    status: 403,
    description: 'The device is suspended on chain; its readings are refused until an operator reinstates it.',
  },
  device_revoked: { status: 403, description: 'The device identity is revoked (banned) on chain, for good.' },
  policy_denied: {
    status: 403,
    description: "The consent's policy (docs/policies.md) does not permit this request; the message names the deciding rule.",
  },
  policy_unavailable: {
    status: 403,
    description:
      'The consent names a policy whose document this gateway does not hold (upload it: PUT /v1/policies/{id}), so it cannot be enforced.',
  },
  topic_mismatch: {
    status: 403,
    description:
      "MQTT: the message names another device than its topic's (pythia/v1/devices/{deviceId}/...); a device publishes only as itself.",
  },
  // --- a command's consent (IConsentRegistry.Refusal, checked at the latest block) ---
  consent_not_yet_valid: { status: 403, description: "The consent's window has not started yet." },
  consent_expired: { status: 403, description: 'The consent has expired.' },
  consent_revoked: { status: 403, description: 'The owner revoked the consent (for good).' },
  device_not_covered: {
    status: 403,
    description: 'The consent does not cover this device (it is a consent for other devices).',
  },
  not_consent_owner: {
    status: 403,
    description:
      "POST /v1/canaries/query: the signer is not the consent's owner; POST /v1/console/consents/{id}/revoke: the consent's owner is not the operator account, whose key the node holds.",
  },
  not_command_party: {
    status: 403,
    description: "POST /v1/commands/{id}/query: the signer is neither the command's recipient nor the device's current owner.",
  },
  insufficient_bond: {
    status: 403,
    description: "The recipient's bond (RecipientBonds) is below the minimum the consent's policy requires to receive data.",
  },
  terms_not_accepted: {
    status: 403,
    description:
      "The consent's policy requires a bond, and its recipient has not accepted the consent's terms (RecipientTerms): no bond is at stake under it yet. The recipient accepts with `pythia consent accept <consentId>`.",
  },
  ownership_changed: { status: 403, description: 'The device changed hands since the consent was granted, which voids it.' },
  wrong_recipient: { status: 403, description: "The signer of the command or data request is not the consent's recipient." },
  stream_not_covered: { status: 403, description: 'A data request: the consent does not cover these data streams.' },
  command_not_covered: { status: 403, description: 'A command: the consent does not cover this command (outside its scope).' },
  // --- lookups ---
  not_found: {
    status: 404,
    description:
      'No such route: also every route of a feature this gateway was not configured for (e.g. commands without a consent registry and access log).',
  },
  unknown_reading: { status: 404, description: 'The gateway holds no reading with this device id and sequence.' },
  unknown_action: { status: 404, description: 'The gateway holds no device action with this id.' },
  unknown_policy: { status: 404, description: 'No such policy version in the PolicyRegistry (or, on GET, no document for it here).' },
  unknown_consent: { status: 404, description: 'A command or data request names a consent id the consent registry does not know.' },
  command_not_found: { status: 404, description: 'GET /v1/commands/{id}: the gateway relayed no command with this id.' },
  // --- the request did not arrive whole ---
  request_timeout: { status: 408, description: 'The request did not arrive in full within the HTTP server’s time limit.' },
  // --- replay ---
  replayed_sequence: {
    status: 409,
    description: 'The sequence is not above every sequence already on chain or queued for the device, or repeats within the request.',
  },
  replayed_request: {
    status: 409,
    description:
      'POST /v1/questions: the question sequence is not above the last one this gateway answered for the device, or the challenge repeats a recent one; POST /v1/data/readings: the nonce was used before by this recipient.',
  },
  stale_epoch: {
    status: 409,
    description:
      "An owner acknowledgement names an ownership epoch that is not the device's current one (the device must ask device_owner again).",
  },
  replayed_nonce: {
    status: 409,
    description: "A firmware report's nonce is not above the device's last report nonce on chain.",
  },
  policy_mismatch: {
    status: 409,
    description: "PUT /v1/policies/{id}: the document's canonical hash is not the content hash of that version on chain.",
  },
  already_acknowledged: { status: 409, description: 'The device has already acknowledged its owner for this ownership epoch.' },
  replayed_command: {
    status: 409,
    description: 'The recipient already sent a command with this nonce (a command is relayed once per recipient and nonce).',
  },
  // --- size ---
  payload_too_large: { status: 413, description: 'The payload is over the 256-byte transport cap.' },
  too_many_readings: { status: 413, description: 'The request holds more readings than the per-request limit.' },
  too_many_devices: {
    status: 413,
    description: 'POST /v1/readings: the request names more distinct devices than the per-request limit (checked before any chain read).',
  },
  body_too_large: { status: 413, description: 'The request body is over the body size limit.' },
  unsupported_media_type: {
    status: 415,
    description: 'The request body is not application/json (or application/cbor for POST /v1/questions).',
  },
  // --- backpressure and dependencies ---
  queue_full: {
    status: 429,
    description: 'The gateway queue is full; nothing was stored. Retry after the Retry-After header (acknowledged data is never dropped).',
  },
  rate_limited: {
    status: 429,
    description:
      'Too many requests from this client (IP address) or for this device within the rate-limit window; nothing was done. Retry after the Retry-After header (seconds).',
  },
  header_too_large: { status: 431, description: 'The request’s headers (the URL included) are over the HTTP server’s limit (16 KiB).' },
  internal_error: { status: 500, description: 'An unexpected gateway fault; nothing was acknowledged.' },
  status_proof_unavailable: {
    status: 404,
    description:
      'GET /v1/devices/{id}/status-proof, GET /v1/chain/headers/{number}: the chain node behind this gateway gives no sealed header (it is not a geth Clique node, e.g. the embedded Anvil; or the block is above its head); ask a gateway on the Clique network.',
  },
  chain_unavailable: {
    status: 503,
    description: 'The chain RPC endpoint cannot be reached, so the device could not be checked; nothing was stored.',
  },
  device_channel_unavailable: {
    status: 503,
    description: 'The gateway has no MQTT channel to devices (or could not publish on it); the command was not sent. Retry the same bytes.',
  },
} as const satisfies Record<string, { status: number; description: string }>;

export type RejectionReason = keyof typeof rejectionReasons;

/** Reasons that refuse one reading of a request (they appear in `errors[].reason`). */
export const readingRejectionReasons = [
  'invalid_body',
  'payload_malformed',
  'bad_signature_format',
  'high_s_signature',
  'bad_signature',
  'unknown_device',
  'device_suspended',
  'device_revoked',
  'replayed_sequence',
  'payload_too_large',
] as const satisfies readonly RejectionReason[];

export type ReadingRejectionReason = (typeof readingRejectionReasons)[number];

export function statusOfReason(reason: RejectionReason): number {
  return rejectionReasons[reason].status;
}

export function isRejectionReason(value: unknown): value is RejectionReason {
  return typeof value === 'string' && Object.hasOwn(rejectionReasons, value);
}

/**
 * Why the contract flagged a reading: bit positions of `reasons` in ReadingFlagged
 * (IPythiaFleet.sol). A flagged reading is on chain; it is evidence, not a refusal.
 */
export const flagReasonBits = [
  { bit: 1, name: 'OutOfRange', description: 'A metric is outside the profile min/max.' },
  { bit: 2, name: 'ExcessiveChange', description: 'A metric changed more than the profile maxDelta since the last reading.' },
  { bit: 4, name: 'TooFrequent', description: 'The reading came sooner than the profile minInterval after the last one.' },
  { bit: 8, name: 'PayloadSize', description: 'The payload is smaller than the metrics or larger than the profile maxPayloadBytes.' },
  { bit: 16, name: 'ClockSkew', description: 'The device timestamp runs further ahead of block time than maxClockSkew.' },
] as const;

export type FlagReason = (typeof flagReasonBits)[number]['name'];

export function flagReasonNames(bits: number): FlagReason[] {
  return flagReasonBits.filter((f) => (bits & f.bit) !== 0).map((f) => f.name);
}

/** Why the contract skipped a batch item without recording it (SkipReason enum order). */
export const skipReasonNames = ['BadSignature', 'Replayed', 'UnknownDevice', 'DeviceSuspended', 'DeviceRevoked'] as const;

export type SkipReason = (typeof skipReasonNames)[number];

export function skipReasonName(index: number): SkipReason | `Unknown(${number})` {
  return skipReasonNames[index] ?? `Unknown(${index})`;
}

/** DeviceStatus enum order in IPythiaFleet.sol. */
export const deviceStatusNames = ['none', 'active', 'suspended', 'revoked'] as const;

export type DeviceStatusName = (typeof deviceStatusNames)[number];

export const consentRefusalReasons = {
  'unknown-consent': 'unknown_consent',
  'not-yet-valid': 'consent_not_yet_valid',
  expired: 'consent_expired',
  revoked: 'consent_revoked',
  'device-not-covered': 'device_not_covered',
  'ownership-changed': 'ownership_changed',
  'wrong-recipient': 'wrong_recipient',
  'stream-not-covered': 'stream_not_covered',
  'command-not-covered': 'command_not_covered',
} as const satisfies Record<Exclude<RefusalName, 'none'>, RejectionReason>;

export type ConsentRefusalReason = (typeof consentRefusalReasons)[keyof typeof consentRefusalReasons];
