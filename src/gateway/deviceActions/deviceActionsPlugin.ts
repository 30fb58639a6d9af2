import type { FastifyPluginAsync } from 'fastify';
import secp256k1 from 'secp256k1';
import { encodeFunctionData, getAddress, hexToBytes, type Address, type Hex, type PublicClient } from 'viem';
import { deviceOwnershipAbi, firmwareRegistryAbi } from '../../contracts/abis.js';
import { deviceIdFromPublicKey } from '../../protocol/deviceId.js';
import { SignatureFormatError, splitSignature } from '../../protocol/signature.js';
import { ChainUnavailableError, shortError } from '../core/deviceDirectory.js';
import { errorResponses, sendError } from '../core/httpErrors.js';
import type { DeviceActionRecord } from '../readings/readingQueue.js';
import { deviceIdJsonSchema } from '../readings/readingShape.js';
import type { DeviceDirectory } from '../core/deviceDirectory.js';
import type { ReadingQueue } from '../readings/readingQueue.js';
import type { Relayer } from '../readings/relayer.js';

const actionJsonSchema = {
  type: 'object',
  description: 'A device-signed action the gateway relays as its own transaction, and how it ended.',
  required: ['id', 'device', 'kind', 'status', 'receivedAt', 'txHash', 'blockNumber', 'error'],
  properties: {
    id: { type: 'integer' },
    device: { type: 'string' },
    kind: { type: 'string', enum: ['owner_acknowledgement', 'firmware_report'] },
    status: { type: 'string', enum: ['pending', 'done', 'failed'], description: 'failed: the chain refused it (see error).' },
    receivedAt: { type: 'string', description: 'ISO time the gateway stored it.' },
    txHash: { anyOf: [{ type: 'null' }, { type: 'string' }] },
    blockNumber: { anyOf: [{ type: 'null' }, { type: 'integer' }] },
    error: { anyOf: [{ type: 'null' }, { type: 'string' }], description: "The contract's refusal, e.g. WrongEpoch(...)." },
  },
} as const;

const MAX_UINT64 = 0xffffffffffffffffn;

const actionView = (action: DeviceActionRecord) => ({
  id: action.id,
  device: action.device,
  kind: action.kind,
  status: action.status,
  receivedAt: new Date(action.receivedAt).toISOString(),
  txHash: action.txHash,
  blockNumber: action.blockNumber,
  error: action.error,
});

/**
 * Device actions: device-signed messages other than readings that the gateway relays on chain
 * with its relayer account: the owner acknowledgement that follows an ownership transfer, and the
 * report of the firmware a device runs.
 * Each is checked here (the device's current key, the current owner and epoch) so that a bad one
 * costs no gas, stored before the 202, and sent by the relayer; GET says how it ended.
 * Registered when the gateway has a DeviceOwnership or a FirmwareRegistry contract; each POST
 * route only with its own contract.
 */
export type DeviceActionsPluginOptions = {
  directory: DeviceDirectory;
  queue: ReadingQueue;
  publicClient: PublicClient;
  relayer: Relayer;
  /** DeviceOwnership: with it, POST /v1/devices/{id}/owner-acknowledgements. */
  deviceOwnership?: Address;
  /** FirmwareRegistry: with it, POST /v1/devices/{id}/firmware-reports. */
  firmwareRegistry?: Address;
};

export const deviceActionsPlugin: FastifyPluginAsync<DeviceActionsPluginOptions> = async (app, options) => {
  const { directory, queue, publicClient, relayer } = options;
  if (options.deviceOwnership) ownerAcknowledgementRoute(options.deviceOwnership);
  if (options.firmwareRegistry) firmwareReportRoute(options.firmwareRegistry);

  function ownerAcknowledgementRoute(ownership: Address) {
    app.post<{ Params: { device: string }; Body: { epoch: number | string; signature: string } }>(
      '/v1/devices/:device/owner-acknowledgements',
      {
        schema: {
          summary: 'A device acknowledges its current owner (after a transfer) with its own signature; the gateway relays it',
          tags: ['devices'],
          params: { type: 'object', required: ['device'], properties: { device: deviceIdJsonSchema } },
          body: {
            type: 'object',
            required: ['epoch', 'signature'],
            additionalProperties: false,
            properties: {
              epoch: {
                anyOf: [
                  { type: 'integer', minimum: 1 },
                  { type: 'string', pattern: '^[1-9][0-9]{0,19}$' },
                ],
                description: 'The ownership epoch the device acknowledges (from a device_owner answer).',
              },
              signature: {
                type: 'string',
                description:
                  "0x + 130 hex digits: the device's EIP-712 OwnerAcknowledgement(device, owner, epoch) signature, r ‖ s ‖ v, low s.",
              },
            },
          },
          response: { 202: actionJsonSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const device = getAddress(request.params.device);
        const epoch = BigInt(request.body.epoch);
        if (epoch > MAX_UINT64) return sendError(reply, 'invalid_body', 'epoch must be a uint64');
        const signature = request.body.signature.toLowerCase() as Hex;
        try {
          splitSignature(signature); // format and low s
        } catch (error) {
          if (error instanceof SignatureFormatError) return sendError(reply, error.reason, error.message);
          throw error;
        }
        const state = await directory.get(device);
        if (state.status === 'none') return sendError(reply, 'unknown_device', `device ${device} is not registered`);
        const read = { address: ownership, abi: deviceOwnershipAbi, args: [device] } as const;
        let owner: Address;
        let current: bigint;
        let acknowledged: bigint;
        try {
          [owner, current, acknowledged] = await Promise.all([
            publicClient.readContract({ ...read, functionName: 'ownerOfDevice' }),
            publicClient.readContract({ ...read, functionName: 'ownershipEpoch' }),
            publicClient.readContract({ ...read, functionName: 'acknowledgedEpoch' }),
          ]);
        } catch (error) {
          throw new ChainUnavailableError(`could not read the ownership of ${device}: ${shortError(error)}`);
        }
        if (epoch !== current)
          return sendError(reply, 'stale_epoch', `epoch ${epoch} is not the device's current ownership epoch ${current}`);
        if (acknowledged >= epoch) return sendError(reply, 'already_acknowledged', `the device already acknowledged epoch ${epoch}`);
        let digest: Hex;
        try {
          digest = (await publicClient.readContract({
            address: ownership,
            abi: deviceOwnershipAbi,
            functionName: 'ownerAcknowledgementDigest',
            args: [device, owner, epoch],
          })) as Hex;
        } catch (error) {
          throw new ChainUnavailableError(`could not read the acknowledgement digest: ${shortError(error)}`);
        }
        if (!signedBy(digest, signature, state.publicKey65)) {
          return sendError(reply, 'bad_signature', `not an OwnerAcknowledgement of (${owner}, epoch ${epoch}) by ${device}'s current key`);
        }
        const { action } = queue.enqueueAction({
          device,
          kind: 'owner_acknowledgement',
          target: ownership,
          calldata: encodeFunctionData({ abi: deviceOwnershipAbi, functionName: 'acknowledgeOwner', args: [device, epoch, signature] }),
          dedupeKey: `owner_acknowledgement:${device.toLowerCase()}:${epoch}`,
        });
        relayer.notify();
        return reply.code(202).send(actionView(action));
      },
    );
  }

  function firmwareReportRoute(registry: Address) {
    const uint64 = {
      anyOf: [
        { type: 'integer', minimum: 0 },
        { type: 'string', pattern: '^[0-9]{1,20}$' },
      ],
    } as const;
    app.post<{
      Params: { device: string };
      Body: { sequence: number | string; digest: string; nonce: number | string; signature: string };
    }>(
      '/v1/devices/:device/firmware-reports',
      {
        schema: {
          summary: 'A device reports the firmware it runs, signed; the gateway relays it to the firmware registry',
          tags: ['devices'],
          params: { type: 'object', required: ['device'], properties: { device: deviceIdJsonSchema } },
          body: {
            type: 'object',
            required: ['sequence', 'digest', 'nonce', 'signature'],
            additionalProperties: false,
            properties: {
              sequence: { ...uint64, description: 'The release sequence number the device runs.' },
              digest: { type: 'string', pattern: '^0x[0-9a-fA-F]{64}$', description: 'SHA-256 of the image it runs.' },
              nonce: { ...uint64, description: "Above the device's last report nonce on chain." },
              signature: {
                type: 'string',
                description: "0x + 130 hex digits: the device's EIP-712 FirmwareReport(device, sequence, digest, nonce) signature, low s.",
              },
            },
          },
          response: { 202: actionJsonSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const device = getAddress(request.params.device);
        const sequence = BigInt(request.body.sequence);
        const nonce = BigInt(request.body.nonce);
        if (sequence > MAX_UINT64 || nonce > MAX_UINT64) return sendError(reply, 'invalid_body', 'sequence and nonce must be uint64');
        const digest = request.body.digest.toLowerCase() as Hex;
        const signature = request.body.signature.toLowerCase() as Hex;
        try {
          splitSignature(signature);
        } catch (error) {
          if (error instanceof SignatureFormatError) return sendError(reply, error.reason, error.message);
          throw error;
        }
        const state = await directory.get(device);
        if (state.status === 'none') return sendError(reply, 'unknown_device', `device ${device} is not registered`);
        let lastNonce: bigint;
        let signed: Hex;
        try {
          [[, lastNonce], signed] = await Promise.all([
            publicClient.readContract({ address: registry, abi: firmwareRegistryAbi, functionName: 'installedFirmware', args: [device] }),
            publicClient.readContract({
              address: registry,
              abi: firmwareRegistryAbi,
              functionName: 'reportDigest',
              args: [device, sequence, digest, nonce],
            }),
          ]);
        } catch (error) {
          throw new ChainUnavailableError(`could not read the firmware registry: ${shortError(error)}`);
        }
        if (nonce <= lastNonce)
          return sendError(reply, 'replayed_nonce', `nonce ${nonce} is not above the device's last report nonce ${lastNonce}`);
        if (!signedBy(signed, signature, state.publicKey65)) {
          return sendError(
            reply,
            'bad_signature',
            `not a FirmwareReport of (sequence ${sequence}, ${digest}, nonce ${nonce}) by ${device}'s current key`,
          );
        }
        const { action } = queue.enqueueAction({
          device,
          kind: 'firmware_report',
          target: registry,
          calldata: encodeFunctionData({
            abi: firmwareRegistryAbi,
            functionName: 'reportFirmware',
            args: [device, sequence, digest, nonce, signature],
          }),
          dedupeKey: `firmware_report:${device.toLowerCase()}:${nonce}`,
        });
        relayer.notify();
        return reply.code(202).send(actionView(action));
      },
    );
  }

  app.get<{ Params: { id: string } }>(
    '/v1/device-actions/:id',
    {
      schema: {
        summary: 'How a relayed device action ended: pending, done (mined) or failed (refused by the chain)',
        tags: ['devices'],
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } } },
        response: { 200: actionJsonSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const action = queue.deviceAction(Number(request.params.id));
      if (!action) return sendError(reply, 'unknown_action', `no device action ${request.params.id}`);
      return actionView(action);
    },
  );
};

/** Whether the 65-byte signature over `digest` recovers to the key `publicKey65` (0x04 ‖ X ‖ Y). */
function signedBy(digest: Hex, signature: Hex, publicKey65: Uint8Array): boolean {
  const bytes = hexToBytes(signature);
  const v = bytes[64]!;
  try {
    const recovered = secp256k1.ecdsaRecover(bytes.subarray(0, 64), v >= 27 ? v - 27 : v, hexToBytes(digest), false);
    return deviceIdFromPublicKey(recovered) === deviceIdFromPublicKey(publicKey65);
  } catch {
    return false;
  }
}
