import { MAX_PAYLOAD_BYTES } from '../../protocol/payload.js';
import { signatureProblem } from '../../protocol/signature.js';
import { quoteInput } from '../../protocol/quoteInput.js';
import type { ReadingRejectionReason } from '../../protocol/reasons.js';
import type { Address, Hex } from 'viem';

/**
 * Static checks of a reading as it arrives in JSON: everything that needs neither the chain nor
 * the queue. Pure functions; the JSON schemas below document the same rules in the OpenAPI file.
 */

export const MAX_READINGS_PER_REQUEST = 1000;
export const UINT64_MAX = (1n << 64n) - 1n;

export const uint64JsonSchema = {
  description: 'uint64, as a JSON integer (up to 2^53 - 1) or a decimal string (any uint64).',
  anyOf: [
    { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    { type: 'string', pattern: '^(0|[1-9][0-9]{0,19})$' },
  ],
} as const;

export const deviceIdJsonSchema = {
  type: 'string',
  pattern: '^0x[0-9a-fA-F]{40}$',
  description: 'Device id: the Ethereum address of the device public key (any letter case).',
  examples: ['0x5b38da6a701c568545dcfcb03fcb875f56beddc4'],
} as const;

export const readingJsonSchema = {
  $id: 'Reading',
  type: 'object',
  description: 'A device-signed reading (docs/protocol.md). Unknown properties are refused.',
  required: ['device', 'sequence', 'timestamp', 'payload', 'signature'],
  additionalProperties: false,
  properties: {
    device: deviceIdJsonSchema,
    sequence: {
      ...uint64JsonSchema,
      description: 'Per-device sequence, strictly above every earlier one. ' + uint64JsonSchema.description,
    },
    timestamp: { ...uint64JsonSchema, description: 'Device clock, Unix seconds. ' + uint64JsonSchema.description },
    payload: {
      type: 'string',
      pattern: '^0x([0-9a-fA-F]{2})*$',
      maxLength: 2 + 2 * MAX_PAYLOAD_BYTES,
      description: `Metric values, big-endian int16 each, as 0x hex; at most ${MAX_PAYLOAD_BYTES} bytes.`,
    },
    signature: {
      type: 'string',
      pattern: '^0x[0-9a-fA-F]{130}$',
      description: 'EIP-712 signature r ‖ s ‖ v (65 bytes, v = 27 or 28, low s).',
    },
  },
} as const;

export const readingsRequestJsonSchema = {
  description: `One reading, or up to ${MAX_READINGS_PER_REQUEST} readings as { readings: [...] }. All or nothing.`,
  oneOf: [
    { $ref: 'Reading#' },
    {
      type: 'object',
      required: ['readings'],
      additionalProperties: false,
      properties: {
        readings: { type: 'array', minItems: 1, maxItems: MAX_READINGS_PER_REQUEST, items: { $ref: 'Reading#' } },
      },
    },
  ],
} as const;

/** A reading that passed the static checks, in the forms the hot path needs. */
export type ParsedReading = {
  /** Lowercase 0x address: the key of the device everywhere in the gateway. */
  device: Address;
  sequence: bigint;
  timestamp: bigint;
  /** Lowercase 0x hex. */
  payload: Hex;
  payloadBytes: Uint8Array;
  /** r ‖ s (64 bytes), as libsecp256k1 takes it. */
  signature64: Uint8Array;
  /** 0 or 1 (v - 27). */
  recoveryId: 0 | 1;
};

export type ReadingProblem = { reason: ReadingRejectionReason; message: string };
export type IndexedReadingProblem = ReadingProblem & { index: number };

export type RequestShape =
  | { ok: true; items: unknown[]; batch: boolean }
  | { ok: false; reason: 'invalid_body' | 'too_many_readings'; message: string };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Tells a single reading from a { readings: [...] } batch and bounds the batch size. */
export function readingsOfBody(body: unknown, maxReadings = MAX_READINGS_PER_REQUEST): RequestShape {
  if (!isPlainObject(body)) return { ok: false, reason: 'invalid_body', message: 'body must be a JSON object' };
  if (!('readings' in body)) return { ok: true, items: [body], batch: false };
  const keys = Object.keys(body);
  if (keys.length !== 1) {
    return { ok: false, reason: 'invalid_body', message: 'a batch body holds only "readings"' };
  }
  const { readings } = body;
  if (!Array.isArray(readings)) return { ok: false, reason: 'invalid_body', message: '"readings" must be an array' };
  if (readings.length === 0) return { ok: false, reason: 'invalid_body', message: '"readings" must not be empty' };
  if (readings.length > maxReadings) {
    return { ok: false, reason: 'too_many_readings', message: `at most ${maxReadings} readings per request, got ${readings.length}` };
  }
  return { ok: true, items: readings, batch: true };
}

const READING_KEYS = new Set(['device', 'sequence', 'timestamp', 'payload', 'signature']);
const DEVICE_RE = /^0x[0-9a-fA-F]{40}$/;
const HEX_RE = /^0x[0-9a-fA-F]*$/;
const SIGNATURE_RE = /^0x[0-9a-fA-F]{130}$/;
const DECIMAL_RE = /^(0|[1-9][0-9]{0,19})$/;

/** A uint64 from a JSON integer or a decimal string; undefined if it is neither. */
export function parseUint64(value: unknown): bigint | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : undefined;
  }
  if (typeof value === 'string' && DECIMAL_RE.test(value)) {
    const n = BigInt(value);
    return n <= UINT64_MAX ? n : undefined;
  }
  return undefined;
}

export function isDeviceId(value: unknown): value is Address {
  return typeof value === 'string' && DEVICE_RE.test(value);
}

/**
 * Shape, payload and signature-format checks of one reading. The first problem wins, in the
 * order: shape (invalid_body), payload (payload_malformed, payload_too_large), signature format
 * (bad_signature_format, high_s_signature).
 */
export function parseReading(item: unknown): ParsedReading | ReadingProblem {
  if (!isPlainObject(item)) return { reason: 'invalid_body', message: 'a reading must be a JSON object' };
  for (const key of Object.keys(item)) {
    if (!READING_KEYS.has(key)) return { reason: 'invalid_body', message: `unknown property ${quoteInput(key)}` };
  }
  for (const key of READING_KEYS) {
    if (item[key] === undefined) return { reason: 'invalid_body', message: `missing property "${key}"` };
  }
  const { device, sequence, timestamp, payload, signature } = item;
  if (!isDeviceId(device)) return { reason: 'invalid_body', message: 'device must be 0x and 40 hex digits' };
  const seq = parseUint64(sequence);
  if (seq === undefined) return { reason: 'invalid_body', message: 'sequence must be a uint64 (integer or decimal string)' };
  const ts = parseUint64(timestamp);
  if (ts === undefined) return { reason: 'invalid_body', message: 'timestamp must be a uint64 (integer or decimal string)' };

  if (typeof payload !== 'string') return { reason: 'invalid_body', message: 'payload must be a string' };
  if (!HEX_RE.test(payload) || payload.length % 2 !== 0) {
    return { reason: 'payload_malformed', message: 'payload must be 0x-prefixed, even-length hex' };
  }
  const payloadLength = (payload.length - 2) / 2;
  if (payloadLength > MAX_PAYLOAD_BYTES) {
    return { reason: 'payload_too_large', message: `payload is ${payloadLength} bytes, over the ${MAX_PAYLOAD_BYTES}-byte cap` };
  }

  if (typeof signature !== 'string' || !SIGNATURE_RE.test(signature)) {
    return { reason: 'bad_signature_format', message: 'signature must be 0x and 130 hex digits (r ‖ s ‖ v)' };
  }
  const sigBytes = Buffer.from(signature.slice(2), 'hex');
  const problem = signatureProblem(sigBytes);
  if (problem) return problem;
  const lowerPayload = payload.toLowerCase() as Hex;
  return {
    device: device.toLowerCase() as Address,
    sequence: seq,
    timestamp: ts,
    payload: lowerPayload,
    payloadBytes: Buffer.from(lowerPayload.slice(2), 'hex'),
    signature64: sigBytes.subarray(0, 64),
    recoveryId: (sigBytes[64]! - 27) as 0 | 1,
  };
}

export function isReadingProblem(value: ParsedReading | ReadingProblem): value is ReadingProblem {
  return 'reason' in value;
}

/** r ‖ s ‖ v with v = 27/28: the form the queue keeps and the relayer turns into EIP-2098. */
export function signature65(reading: Pick<ParsedReading, 'signature64' | 'recoveryId'>): Uint8Array {
  const out = new Uint8Array(65);
  out.set(reading.signature64, 0);
  out[64] = 27 + reading.recoveryId;
  return out;
}
