import type { FastifyPluginAsync } from 'fastify';
import type { PublicClient } from 'viem';
import type { DeviceDirectory } from '../core/deviceDirectory.js';
import type { ReadingQueue } from '../readings/readingQueue.js';
import type { Relayer } from '../readings/relayer.js';
import type { RpcFailover } from '../readings/rpcFailover.js';

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
        finality: {
          description:
            'The finality rule in force (null until the chain was asked): confirmations counting the including block, delayMs after inclusion, what the defaults came from.',
          anyOf: [
            { type: 'null' },
            {
              type: 'object',
              properties: {
                confirmations: { type: 'integer' },
                delayMs: { type: 'integer' },
                chain: { type: 'string', enum: ['anvil', 'clique', 'other'] },
                signers: { type: 'integer' },
                source: { type: 'string', enum: ['default', 'configured'] },
                savedBlock: { type: 'boolean', description: 'true: nothing above the last block the node saved durably is final.' },
                blockPeriodMs: {
                  type: 'integer',
                  description:
                    "The chain's block period as measured (not on Anvil); the thresholds for leaving a lagging node derive from it.",
                },
              },
            },
          ],
        },
        head: { type: ['integer', 'null'], description: 'The head block the relayer last saw.' },
        chainNonce: { type: ['integer', 'null'], description: "The relayer account's nonce in the latest block." },
        rollbacks: {
          type: 'integer',
          description: 'Times batches vanished from the chain (rollback, reorg, another node) and were sent again.',
        },
        batchesVanished: { type: 'integer' },
        finalContradicted: {
          type: 'integer',
          description:
            'Security events: batches reported final that the chain contradicted later (their block gone). They stay final and are never sent again as lost; 0 on a healthy chain (docs/operations.md).',
        },
        lagWaits: {
          type: 'integer',
          description: 'Times the look back at the chain waited for a node behind a block holding a batch (a lagging node is no evidence).',
        },
        batchesFinalized: { type: 'integer' },
        gapsFilled: { type: 'integer', description: 'Nonce gaps closed with an empty transaction.' },
        droppedResent: {
          type: 'integer',
          description:
            'Times the node did not know the transaction at the next nonce (dropped, or a node that lost its pool) and open batches were sent again.',
        },
        feeBumps: { type: 'integer', description: 'Transactions signed again with higher fees (stuck or underpriced).' },
        replayedRecorded: {
          type: 'integer',
          description:
            'Readings skipped as Replayed but recorded by an earlier transaction carrying the same signed reading; settled from it.',
        },
        replayedUnexplained: { type: 'integer', description: 'Readings skipped as Replayed and recorded nowhere: a fault to report.' },
        lastRollback: {
          anyOf: [{ type: 'null' }, { type: 'object', properties: { at: { type: 'string' }, reason: { type: 'string' } } }],
        },
        rpcUrl: {
          type: 'string',
          description: "The RPC endpoint in use (of rpcUrls): a URL, or the IPC socket path of the node's own chain.",
        },
        rpcSwitches: {
          type: 'object',
          description:
            'Times the gateway left the node in use, by cause: unreachable (no answer), behind (its head far below the best other node for a while), stalled (its head stood still while another node moved on).',
          properties: { unreachable: { type: 'integer' }, behind: { type: 'integer' }, stalled: { type: 'integer' } },
        },
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
  /** The RPC endpoints behind publicClient (the one in use is reported). */
  rpc?: RpcFailover;
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
        relayer: {
          ...services.relayer.status(),
          ...(services.rpc && { rpcUrl: services.rpc.currentUrl(), rpcSwitches: services.rpc.switchCounts() }),
        },
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
