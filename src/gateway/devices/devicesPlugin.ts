import type { FastifyPluginAsync } from 'fastify';
import type { Address, PublicClient } from 'viem';
import { deviceStatusNames } from '../../protocol/reasons.js';
import { ChainUnavailableError, shortError } from '../core/deviceDirectory.js';
import { gatewayFleetAbi } from '../../contracts/gatewayFleetAbi.js';
import { errorResponses, sendError } from '../core/httpErrors.js';
import { deviceIdJsonSchema } from '../readings/readingShape.js';
import type { ReadingQueue } from '../readings/readingQueue.js';

const int16Array = { type: 'array', items: { type: 'integer', minimum: -32768, maximum: 32767 } } as const;

export const deviceResponseJsonSchema = {
  description:
    'A device as the fleet contract sees it (read at blockNumber), plus what this gateway holds for it: status, never values (docs/security.md).',
  type: 'object',
  required: ['device', 'status', 'classId', 'publicKey', 'profile', 'counters', 'relayed', 'lastReading', 'blockNumber'],
  properties: {
    device: { type: 'string' },
    status: { type: 'string', enum: ['active', 'suspended', 'revoked'] },
    classId: { type: 'integer' },
    publicKey: { type: 'string', description: '64-byte X ‖ Y, hex.' },
    profile: {
      type: 'object',
      description: "The effective behaviour profile: the device's own if it has one, else its class's.",
      properties: {
        version: { type: 'integer' },
        own: { type: 'boolean', description: "true: the device's own profile; false: its class profile." },
        metricCount: { type: 'integer' },
        maxPayloadBytes: { type: 'integer' },
        minInterval: { type: 'integer', description: 'seconds' },
        maxClockSkew: { type: 'integer', description: 'seconds' },
        flagThreshold: { type: 'integer' },
        flagWindow: { type: 'integer', description: 'seconds' },
        suspensionsBeforeRevoke: { type: 'integer' },
        minValue: int16Array,
        maxValue: int16Array,
        maxDelta: { type: 'array', items: { type: 'integer' } },
      },
    },
    counters: {
      type: 'object',
      description: 'flags, flagsInWindow, flagWindowStart, autoSuspensions: from the contract; pending: readings in this gateway queue.',
      properties: {
        flags: { type: 'integer' },
        flagsInWindow: { type: 'integer' },
        flagWindowStart: { type: 'string', description: 'Unix seconds, decimal string.' },
        autoSuspensions: { type: 'integer' },
        pending: { type: 'integer' },
      },
    },
    relayed: {
      type: 'object',
      description:
        'Readings of the device this gateway relayed, by outcome (accepted, flagged, rejected), and the same readings by finality: included (in a canonical block, not final yet) and final (enough confirmations).',
      properties: {
        accepted: { type: 'integer' },
        flagged: { type: 'integer' },
        rejected: { type: 'integer' },
        included: {
          type: 'integer',
          description: 'Outcomes not final yet: a rollback or reorg may still undo them (the gateway then sends the readings again).',
        },
        final: { type: 'integer' },
      },
    },
    lastReading: {
      description:
        'The last reading recorded on chain at blockNumber (the head: not necessarily final), by sequence only; null before the first. Public on purpose: its values and device time are data, given only under consent (POST /v1/data/readings).',
      anyOf: [
        { type: 'null' },
        { type: 'object', required: ['sequence'], additionalProperties: false, properties: { sequence: { type: 'string' } } },
      ],
    },
    blockNumber: { type: 'integer' },
  },
} as const;

export type DevicesPluginOptions = { publicClient: PublicClient; fleetAddress: Address; queue: ReadingQueue };

/** GET /v1/devices/:id — one device's chain state, profile and counters. Always registered. */
export const devicesPlugin: FastifyPluginAsync<DevicesPluginOptions> = async (app, services) => {
  app.get<{ Params: { id: Address } }>(
    '/v1/devices/:id',
    {
      schema: {
        summary: 'One device: status, class, effective profile, counters, last sequence (public: no values)',
        tags: ['devices'],
        params: { type: 'object', required: ['id'], properties: { id: deviceIdJsonSchema } },
        response: { 200: deviceResponseJsonSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const device = request.params.id.toLowerCase() as Address;
      const { publicClient, fleetAddress } = services;
      let blockNumber, view, profile;
      try {
        blockNumber = await publicClient.getBlockNumber();
        view = await publicClient.readContract({
          address: fleetAddress,
          abi: gatewayFleetAbi,
          functionName: 'getDevice',
          args: [device],
          blockNumber,
        });
        if (view.status === 0) return sendError(reply, 'unknown_device', `device ${device} is not registered`, {}, 404);
        profile = await publicClient.readContract({
          address: fleetAddress,
          abi: gatewayFleetAbi,
          functionName: 'effectiveProfile',
          args: [device],
          blockNumber,
        });
      } catch (error) {
        throw new ChainUnavailableError(`could not read device ${device}: ${shortError(error)}`);
      }
      const [p, version, own] = profile;
      const counts = services.queue.countsOf(device);
      const finality = services.queue.finalityCountsOf(device);
      return {
        device,
        status: deviceStatusNames[view.status],
        classId: view.classId,
        publicKey: view.publicKey,
        profile: { version, own, ...p },
        counters: {
          flags: view.flags,
          flagsInWindow: view.flagsInWindow,
          flagWindowStart: view.flagWindowStart.toString(),
          autoSuspensions: view.autoSuspensions,
          pending: counts.pending,
        },
        relayed: { accepted: counts.accepted, flagged: counts.flagged, rejected: counts.rejected, ...finality },
        lastReading: view.lastSequence === 0n ? null : { sequence: view.lastSequence.toString() },
        blockNumber: Number(blockNumber),
      };
    },
  );
};
