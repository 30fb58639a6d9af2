import { Ajv } from 'ajv';
import { parseStrictJson, StrictJsonError } from '../protocol/strictJson.js';

/**
 * A message on `pythia/v1/devices/{id}/proof-requests` (docs/protocol.md, "MQTT"): what
 * GET /v1/devices/{id}/status-proof and GET /v1/chain/headers/{number} give over HTTP. `ref` comes
 * back in the answer on the device's `proofs` topic, so a device matches answers to requests.
 */
const refJsonSchema = {
  type: 'string',
  pattern: '^(0|[1-9][0-9]{0,19})$',
  description: 'The device’s own counter (decimal), echoed in the answer.',
} as const;

export const proofRequestJsonSchema = {
  oneOf: [
    {
      type: 'object',
      description: 'The device’s status proof (GET /v1/devices/{id}/status-proof).',
      required: ['ref', 'proof'],
      additionalProperties: false,
      properties: { ref: refJsonSchema, proof: { const: 'status' } },
    },
    {
      type: 'object',
      description: 'The sealed header of block `number` (GET /v1/chain/headers/{number}).',
      required: ['ref', 'proof', 'number'],
      additionalProperties: false,
      properties: {
        ref: refJsonSchema,
        proof: { const: 'header' },
        number: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$', description: 'A block number (decimal).' },
      },
    },
  ],
} as const;

export type ProofRequest = { ref: string; proof: 'status' } | { ref: string; proof: 'header'; number: bigint };

const validate = new Ajv({ allErrors: false, strict: true }).compile(proofRequestJsonSchema);

/** Refused with invalid_body: not strict JSON, or not of proofRequestJsonSchema's shape. */
export class ProofRequestError extends Error {
  constructor(
    message: string,
    readonly ref: string | null,
  ) {
    super(message);
    this.name = 'ProofRequestError';
  }
}

export function parseProofRequest(payload: Buffer): ProofRequest {
  let body: unknown;
  try {
    body = parseStrictJson(payload.toString('utf8'));
  } catch (error) {
    if (error instanceof StrictJsonError)
      throw new ProofRequestError(`the message is not JSON as docs/protocol.md defines it: ${error.message}`, null);
    throw error;
  }
  const ref =
    typeof body === 'object' && body !== null && 'ref' in body && typeof body.ref === 'string' && body.ref.length <= 20 ? body.ref : null;
  if (!validate(body)) {
    const first = validate.errors?.[0];
    throw new ProofRequestError(`not a proof request: ${first?.instancePath || '(the message)'} ${first?.message ?? ''}`.trim(), ref);
  }
  const request = body as { ref: string; proof: 'status' | 'header'; number?: string };
  return request.proof === 'header'
    ? { ref: request.ref, proof: 'header', number: BigInt(request.number!) }
    : { ref: request.ref, proof: 'status' };
}
