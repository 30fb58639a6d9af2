import type { FastifyPluginAsync } from 'fastify';
import type { PublicClient } from 'viem';
import type { DeviceDirectory } from '../core/deviceDirectory.js';
import type { ReadingQueue } from '../readings/readingQueue.js';
import type { Relayer } from '../readings/relayer.js';

export const healthResponseJsonSchema = {
  type: 'object',
  required: ['ok', 'chainId', 'blockNumber', 'pending', 'relayer'],
  properties: {
    ok: { type: 'boolean', description: 'false when the chain RPC endpoint cannot be reached (then the status is 503).' },
    chainId: { type: 'integer' },
    blockNumber: { type: ['integer', 'null'] },
    pending: { type: 'integer', description: 'Readings stored and not yet settled on chain.' },
    eventsSyncedTo: { type: ['integer', 'null'], description: 'Block up to which device events are applied to the cache.' },
    relayer: {
      type: 'object',
      properties: {
        address: { type: 'string' },
        running: { type: 'boolean' },
        inFlightBatches: { type: 'integer' },
        nextNonce: { type: ['integer', 'null'] },
        batchesMined: { type: 'integer' },
        readingsSettled: { type: 'integer' },
        lastBatchAt: { type: ['string', 'null'] },
        lastError: { type: ['string', 'null'] },
      },
    },
    error: { type: 'string' },
  },
} as const;

/** How long the health check waits for the chain. */
const CHAIN_PROBE_TIMEOUT_MS = 2000;

export type HealthPluginOptions = {
  chainId: number;
  publicClient: PublicClient;
  queue: ReadingQueue;
  directory: DeviceDirectory;
  relayer: Relayer;
};

/** GET /healthz — liveness of the gateway and reachability of the chain. Always registered. */
export const healthPlugin: FastifyPluginAsync<HealthPluginOptions> = async (app, services) => {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Gateway health',
        description:
          '200 while the chain answers; 503 when it cannot be reached. Readings are still accepted for known devices while the chain is away.',
        tags: ['health'],
        response: { 200: healthResponseJsonSchema, 503: healthResponseJsonSchema },
      },
    },
    async (_request, reply) => {
      let blockNumber: number | null = null;
      let error: string | undefined;
      try {
        blockNumber = Number(await withTimeout(services.publicClient.getBlockNumber({ cacheTime: 0 }), CHAIN_PROBE_TIMEOUT_MS));
      } catch (e) {
        error = `chain unreachable: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
      }
      const synced = services.directory.syncedBlock;
      return reply.code(error ? 503 : 200).send({
        ok: !error,
        chainId: services.chainId,
        blockNumber,
        pending: services.queue.pendingCount(),
        eventsSyncedTo: synced === undefined ? null : Number(synced),
        relayer: services.relayer.status(),
        ...(error && { error }),
      });
    },
  );
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
