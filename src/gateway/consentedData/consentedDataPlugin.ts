import type { FastifyPluginAsync } from 'fastify';
import { getAddress, type Address, type Hex, type PublicClient } from 'viem';
import { checkConsent } from '../../chain/consent/checkConsent.js';
import type { RefusalName } from '../../protocol/consentRefusal.js';
import { consentRefusalReasons } from '../../protocol/reasons.js';
import { dataRequestDigest, deliveryDataHash, type DataRequest, type DeliveredReading } from '../../protocol/dataRequest.js';
import { maskToStreams } from '../../protocol/consentScope.js';
import { decodeMetrics } from '../../protocol/payload.js';
import type { StreamName } from '../../policy/index.js';
import type { AccessLedger, NewCanary } from './accessLedger.js';
import type { AccessLogBatcher } from './accessLogBatcher.js';
import type { CanaryIssuer } from '../canaries/canaryIssuer.js';
import type { DeviceDirectory } from '../core/deviceDirectory.js';
import type { ConsentPolicyGuard } from '../policies/consentPolicyGuard.js';
import type { ReadingQueue } from '../readings/readingQueue.js';
import { ChainUnavailableError, shortError } from '../core/deviceDirectory.js';
import { errorResponses, sendError } from '../core/httpErrors.js';
import { checkSignedRequest, MAX_SIGNED_REQUEST_LIFETIME_S } from '../core/signedRequest.js';
import { consentWindow } from './consentWindow.js';

/** Most readings one request returns (a recipient pages with afterSequence). */
export const MAX_READINGS_PER_DATA_REQUEST = 1000;

const uint = (digits: number, description: string) => ({ type: 'string', pattern: `^(0|[1-9][0-9]{0,${digits - 1}})$`, description });

const dataRequestJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['device', 'consentId', 'streams', 'nonce', 'expiresAt'],
  properties: {
    device: { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$' },
    consentId: uint(78, 'The consent (decimal).'),
    streams: { type: 'integer', minimum: 1, maximum: 255, description: 'Bit i = metric i; every bit must be covered by the consent.' },
    afterSequence: uint(20, 'Only readings with a higher sequence (default 0).'),
    fromTime: uint(
      20,
      "Device timestamps from (Unix s, inclusive; default 0). Whatever the times asked, only readings the gateway received within the consent window are given: from the later of the consent start and the start of the device's current ownership epoch, until the consent expiry.",
    ),
    toTime: uint(20, 'Device timestamps to (Unix s, inclusive; default no limit).'),
    limit: { type: 'integer', minimum: 1, maximum: MAX_READINGS_PER_DATA_REQUEST },
    nonce: uint(20, 'Unique per recipient (uint64).'),
    expiresAt: uint(20, `Unix s; at most ${MAX_SIGNED_REQUEST_LIFETIME_S} s ahead.`),
  },
} as const;

type DataRequestBody = {
  request: {
    device: string;
    consentId: string;
    streams: number;
    afterSequence?: string;
    fromTime?: string;
    toTime?: string;
    limit?: number;
    nonce: string;
    expiresAt: string;
  };
  signature: string;
};

const MAX_UINT64 = 0xffffffffffffffffn;
const MAX_TIME = (1n << 63n) - 1n; // SQLite integers are signed 64-bit

/** The request as signed: the defaults a recipient leaves out are part of what it signs. */
export function dataRequestOf(body: DataRequestBody['request']): DataRequest {
  return {
    device: getAddress(body.device),
    consentId: BigInt(body.consentId),
    streams: body.streams,
    afterSequence: BigInt(body.afterSequence ?? '0'),
    fromTime: BigInt(body.fromTime ?? '0'),
    toTime: BigInt(body.toTime ?? MAX_UINT64.toString()),
    limit: body.limit ?? MAX_READINGS_PER_DATA_REQUEST,
    nonce: BigInt(body.nonce),
    expiresAt: BigInt(body.expiresAt),
  };
}

/**
 * Data under consent: a recipient fetches a device's readings with a request it signs (EIP-712
 * DataRequest). The gateway checks the signature (low s), the expiry and the nonce, asks the
 * ConsentRegistry whether the consent permits this recipient these streams of this device at the
 * latest block, and only then answers with the consented streams' values. Before answering it
 * stores the delivery (and any canary values it carries) for the AccessLog batch: what leaves the
 * gateway is always logged on chain. Registered when the gateway has a ConsentRegistry and an AccessLog.
 */
export type ConsentedDataPluginOptions = {
  chainId: number;
  publicClient: PublicClient;
  consentRegistry: Address;
  queue: ReadingQueue;
  directory: DeviceDirectory;
  ledger: AccessLedger;
  accessLogBatcher: AccessLogBatcher;
  /** Trap streets: with it, deliveries carry canary values. */
  canaries?: CanaryIssuer;
  /** With it, a consent's policy is evaluated before anything is delivered. */
  policyGuard?: ConsentPolicyGuard;
};

export const consentedDataPlugin: FastifyPluginAsync<ConsentedDataPluginOptions> = async (app, services) => {
  const { queue, publicClient, chainId, consentRegistry, ledger } = services;

  app.post<{ Body: DataRequestBody }>(
    '/v1/data/readings',
    {
      schema: {
        summary: "A recipient fetches a device's readings under a consent (signed request; every delivery is logged on chain)",
        tags: ['consent'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['request', 'signature'],
          properties: {
            request: dataRequestJsonSchema,
            signature: { type: 'string', description: "The recipient's EIP-712 DataRequest signature, r ‖ s ‖ v, low s." },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['consentId', 'device', 'recipient', 'readings', 'dataHash', 'deliveryId', 'nextAfterSequence'],
            properties: {
              consentId: { type: 'string' },
              device: { type: 'string' },
              recipient: { type: 'string' },
              readings: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['sequence', 'timestamp', 'status', 'values'],
                  properties: {
                    sequence: { type: 'string' },
                    timestamp: { type: 'string' },
                    status: { type: 'string', enum: ['accepted', 'flagged'] },
                    values: {
                      type: 'array',
                      description: '[metric index, value] of each consented stream.',
                      items: { type: 'array', items: { type: 'integer' } },
                    },
                  },
                },
              },
              dataHash: { type: 'string', description: 'deliveryDataHash of this body: what AccessLog.DeliveryLogged will carry.' },
              deliveryId: {
                anyOf: [{ type: 'integer' }, { type: 'null' }],
                description: 'The access entry; null when nothing was delivered.',
              },
              nextAfterSequence: { type: 'string', description: 'afterSequence for the next page.' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const wanted = dataRequestOf(request.body.request);
      for (const [name, value] of Object.entries({
        afterSequence: wanted.afterSequence,
        fromTime: wanted.fromTime,
        toTime: wanted.toTime,
        nonce: wanted.nonce,
        expiresAt: wanted.expiresAt,
      })) {
        if (value > MAX_UINT64) return sendError(reply, 'invalid_body', `${name} must be a uint64`);
      }
      if (wanted.fromTime > wanted.toTime) return sendError(reply, 'invalid_body', 'fromTime is after toTime');

      const now = BigInt(Math.floor(Date.now() / 1000));
      const signed = checkSignedRequest({
        digest: dataRequestDigest({ chainId, consentRegistry }, wanted),
        signature: request.body.signature.toLowerCase() as Hex,
        expiresAt: wanted.expiresAt,
        nowSeconds: now,
      });
      if (!signed.ok) return sendError(reply, signed.reason, signed.message);
      const recipient = signed.signer;

      let refusal: RefusalName;
      try {
        ({ refusal } = await checkConsent({
          publicClient,
          registry: consentRegistry,
          consentId: wanted.consentId,
          device: wanted.device,
          recipient,
          streams: wanted.streams,
        }));
      } catch (error) {
        throw new ChainUnavailableError(`could not check consent ${wanted.consentId}: ${shortError(error)}`);
      }
      if (refusal !== 'none') {
        return sendError(reply, consentRefusalReasons[refusal], `consent ${wanted.consentId} does not permit this request: ${refusal}`);
      }
      if (services.policyGuard) {
        const policy = await services.policyGuard.check({
          consentId: wanted.consentId,
          recipient,
          device: wanted.device,
          deviceClass: (await services.directory.get(wanted.device)).classId,
          action: 'read',
          streams: maskToStreams(wanted.streams) as StreamName[],
          nowSeconds: Number(now),
        });
        if (!policy.ok) return sendError(reply, policy.reason, policy.message);
      }
      // Only the consent's own readings: from its start (or the current owner's, if later) to its expiry.
      const window = await consentWindow({ publicClient, consentRegistry, consentId: wanted.consentId, device: wanted.device });
      // Checked after the consent so that a refused request does not burn the nonce.
      if (!ledger.useNonce(recipient, wanted.nonce, wanted.expiresAt)) {
        return sendError(reply, 'replayed_request', `nonce ${wanted.nonce} was used before by ${recipient}`);
      }

      const rows = queue.deliverableReadings({
        device: wanted.device,
        afterSequence: wanted.afterSequence,
        fromTime: wanted.fromTime,
        toTime: wanted.toTime > MAX_TIME ? MAX_TIME : wanted.toTime,
        ...window,
        limit: wanted.limit,
      });
      let readings: DeliveredReading[] = rows.map((row) => ({
        sequence: row.sequence.toString(),
        timestamp: row.timestamp.toString(),
        status: row.status,
        values: projectStreams(decodeMetrics(row.payload), wanted.streams),
      }));
      let canaries: NewCanary[] = [];
      if (services.canaries && readings.length > 0) {
        ({ readings, canaries } = await services.canaries.mark({
          consentId: wanted.consentId,
          recipient,
          device: wanted.device,
          readings,
        }));
      }
      const delivery = { consentId: wanted.consentId, device: wanted.device, recipient, readings };
      const dataHash = deliveryDataHash(delivery);
      // Nothing delivered, nothing to log (the AccessLog would spend gas on an empty entry).
      const deliveryId =
        readings.length === 0
          ? null
          : ledger.recordAccess(
              {
                kind: 'delivery',
                consentId: wanted.consentId,
                device: wanted.device,
                recipient,
                scope: wanted.streams,
                count: readings.length,
                hash: dataHash,
              },
              canaries,
            );
      if (deliveryId !== null) services.accessLogBatcher.notify();
      const last = rows.at(-1)?.sequence ?? wanted.afterSequence;
      return reply.send({
        consentId: wanted.consentId.toString(),
        device: wanted.device,
        recipient: recipient as Address,
        readings,
        dataHash,
        deliveryId,
        nextAfterSequence: last.toString(),
      });
    },
  );
};

/** [metric index, value] for each stream bit set, in metric order. */
export function projectStreams(values: readonly number[], streams: number): [number, number][] {
  const out: [number, number][] = [];
  values.forEach((value, index) => {
    if ((streams >> index) & 1) out.push([index, value]);
  });
  return out;
}
