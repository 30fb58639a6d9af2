import type { FastifyPluginAsync } from 'fastify';
import type { Address } from 'viem';
import { errorResponses, sendError } from '../core/httpErrors.js';
import { deviceIdJsonSchema, readingsRequestJsonSchema, UINT64_MAX } from './readingShape.js';
import type { ReadingIntake } from './readingIntake.js';
import type { ReadingQueue } from './readingQueue.js';

const acceptedResponseJsonSchema = {
  description:
    'Every reading is durably queued; the relayer puts them on chain. Poll GET /v1/readings/{device}/{sequence} for the outcome.',
  type: 'object',
  required: ['accepted', 'readings'],
  properties: {
    accepted: { type: 'integer', description: 'How many readings were queued.' },
    readings: {
      type: 'array',
      items: {
        type: 'object',
        required: ['device', 'sequence', 'status'],
        properties: {
          device: { type: 'string', description: 'Device id, lowercase.' },
          sequence: { type: 'string', description: 'uint64 as a decimal string.' },
          status: { type: 'string', enum: ['pending'] },
        },
      },
    },
  },
} as const;

export const readingStatusJsonSchema = {
  description:
    'A reading the gateway has queued, and what the chain made of it: status, never values (neither the metric values, the device time nor a flagged value; docs/security.md).',
  type: 'object',
  additionalProperties: false,
  required: ['device', 'sequence', 'status', 'finality', 'reasons', 'receivedAt'],
  properties: {
    device: { type: 'string' },
    sequence: { type: 'string', description: 'uint64 as a decimal string.' },
    status: {
      type: 'string',
      enum: ['pending', 'accepted', 'flagged', 'rejected'],
      description:
        'pending: queued or in a transaction not in a block yet; accepted: on chain and within the profile; flagged: on chain and outside the profile (see reasons); rejected: skipped by the contract (see reasons), not on chain. Whether the verdict can still change: see finality.',
    },
    finality: {
      type: 'string',
      enum: ['pending', 'included', 'final'],
      description:
        'pending: in no block yet. included: the verdict is from a block of the canonical chain (blockNumber, blockHash) that is not final yet: a reorg or a node restarted from older state may still undo it, and the gateway would then send the reading again (status back to pending). final: the block has the configured confirmations and was checked again at its canonical hash; a final verdict never changes.',
    },
    reasons: {
      type: 'array',
      items: { type: 'string' },
      description:
        'flagged: OutOfRange, ExcessiveChange, TooFrequent, PayloadSize, ClockSkew. rejected: BadSignature, Replayed, UnknownDevice, DeviceSuspended, DeviceRevoked (or NoOutcome).',
    },
    metric: {
      type: 'integer',
      description: 'flagged by a metric check: index of the first offending metric (its value is data: not here).',
    },
    txHash: { type: 'string', description: 'The submitReadings transaction that settled it.' },
    blockNumber: { type: 'integer' },
    blockHash: { type: 'string', description: 'The block the verdict was read in (absent while pending).' },
    receivedAt: { type: 'string', format: 'date-time', description: 'When the gateway stored it.' },
    decidedAt: { type: 'string', format: 'date-time', description: 'When the gateway saw the on-chain verdict (absent while pending).' },
    finalAt: { type: 'string', format: 'date-time', description: 'When the gateway found the verdict final (only when final).' },
  },
} as const;

type ReadingParams = { device: Address; sequence: string };

export type ReadingsPluginOptions = { intake: ReadingIntake; queue: ReadingQueue };

/** POST /v1/readings (device ingress) and GET /v1/readings/:device/:sequence (outcome lookup). Always registered. */
export const readingsPlugin: FastifyPluginAsync<ReadingsPluginOptions> = async (app, services) => {
  app.post(
    '/v1/readings',
    {
      schema: {
        summary: 'Submit device-signed readings',
        description:
          'Checks every reading at no gas (shape, payload, signature format and low s, device registered and active, EIP-712 signature for this chain and fleet contract, sequence above every earlier one), then stores them durably and answers 202. All or nothing: if any reading fails, nothing is stored and the answer names every failure.',
        tags: ['readings'],
        body: readingsRequestJsonSchema,
        response: { 202: acceptedResponseJsonSchema, ...errorResponses },
      },
      // The body schema documents the API; readingShape.ts checks it by hand, because each
      // failure needs its own reason and status and its index in the request.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const result = await services.intake.submit(request.body);
      if (!result.ok) {
        if (result.retryAfterSeconds) reply.header('retry-after', String(result.retryAfterSeconds));
        return sendError(reply, result.error, result.message, { errors: result.errors });
      }
      return reply.code(202).send({
        accepted: result.readings.length,
        readings: result.readings.map((r) => ({ device: r.device, sequence: r.sequence.toString(), status: 'pending' })),
      });
    },
  );

  app.get<{ Params: ReadingParams }>(
    '/v1/readings/:device/:sequence',
    {
      schema: {
        summary: 'The status of one reading',
        tags: ['readings'],
        params: {
          type: 'object',
          required: ['device', 'sequence'],
          properties: { device: deviceIdJsonSchema, sequence: { type: 'string', pattern: '^(0|[1-9][0-9]{0,19})$' } },
        },
        response: { 200: readingStatusJsonSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { device, sequence } = request.params;
      if (BigInt(sequence) > UINT64_MAX)
        return sendError(reply, 'invalid_request', 'sequence must be a uint64 (at most 18446744073709551615)');
      const record = services.queue.reading(device, BigInt(sequence));
      if (!record) return sendError(reply, 'unknown_reading', `no reading ${sequence} of device ${device.toLowerCase()} in this gateway`);
      return {
        device: record.device,
        sequence: record.sequence.toString(),
        status: record.status,
        finality: record.finality,
        reasons: record.reasons,
        ...(record.metric !== undefined && { metric: record.metric }),
        ...(record.txHash !== undefined && { txHash: record.txHash }),
        ...(record.blockNumber !== undefined && { blockNumber: record.blockNumber }),
        ...(record.blockHash !== undefined && { blockHash: record.blockHash }),
        receivedAt: new Date(record.receivedAt).toISOString(),
        ...(record.decidedAt !== undefined && { decidedAt: new Date(record.decidedAt).toISOString() }),
        ...(record.finalAt !== undefined && { finalAt: new Date(record.finalAt).toISOString() }),
      };
    },
  );
};
