import type { FastifyPluginAsync } from 'fastify';
import type { Address, PublicClient } from 'viem';
import { errorResponses, sendError } from '../core/httpErrors.js';
import { deviceIdJsonSchema } from '../readings/readingShape.js';
import { readChainHeaderAnswer, readStatusProofAnswer } from './readStatusProofAnswer.js';

const hexJsonSchema = { type: 'string', pattern: '^0x[0-9a-fA-F]*$' } as const;
const hexListJsonSchema = { type: 'array', items: hexJsonSchema } as const;

export const statusProofResponseJsonSchema = {
  description:
    'What a device needs to check its status on the chain itself (docs/protocol.md, "Chain proofs"): the sealed header of a recent block and the EIP-1186 proof of the device\'s fleet record at that block. The device trusts neither this gateway nor its node: it checks the seal against the validators it knows and the proof against the header\'s state root.',
  type: 'object',
  required: ['device', 'blockNumber', 'header', 'proof'],
  additionalProperties: false,
  properties: {
    device: { type: 'string' },
    blockNumber: { type: 'integer' },
    header: { ...hexJsonSchema, description: 'The block header, RLP-encoded, seal included (geth debug_getRawHeader).' },
    proof: {
      type: 'object',
      description: 'eth_getProof(fleet, [keccak256(abi.encode(device, 3))], blockNumber), the fields a device checks.',
      required: ['address', 'accountProof', 'storageProof'],
      additionalProperties: false,
      properties: {
        address: { type: 'string' },
        accountProof: hexListJsonSchema,
        storageProof: {
          type: 'array',
          items: {
            type: 'object',
            required: ['key', 'value', 'proof'],
            additionalProperties: false,
            properties: { key: hexJsonSchema, value: hexJsonSchema, proof: hexListJsonSchema },
          },
        },
      },
    },
  },
} as const;

export const chainHeaderResponseJsonSchema = {
  description:
    'The sealed header of one block, for a device that follows the Clique validator set from its bundle through the checkpoints (docs/protocol.md, "Chain proofs"): it asks for block checkpoint + epoch and checks the seal itself.',
  type: 'object',
  required: ['number', 'header'],
  additionalProperties: false,
  properties: {
    number: { type: 'integer' },
    header: { ...hexJsonSchema, description: 'The block header, RLP-encoded, seal included (geth debug_getRawHeader).' },
  },
} as const;

export type StatusProofsPluginOptions = { publicClient: PublicClient; fleetAddress: Address };

/**
 * GET /v1/devices/:id/status-proof — a sealed header and a storage proof of the device's record;
 * GET /v1/chain/headers/:number — one sealed header (the checkpoints a device follows). Always registered.
 */
export const statusProofsPlugin: FastifyPluginAsync<StatusProofsPluginOptions> = async (app, services) => {
  app.get<{ Params: { id: Address } }>(
    '/v1/devices/:id/status-proof',
    {
      schema: {
        summary: "A sealed header and an EIP-1186 proof of the device's fleet record, for a device that trusts the chain, not the Pythia",
        tags: ['devices'],
        params: { type: 'object', required: ['id'], properties: { id: deviceIdJsonSchema } },
        response: { 200: statusProofResponseJsonSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const read = await readStatusProofAnswer({ ...services, device: request.params.id });
      return read.ok ? read.answer : sendError(reply, read.error, read.message);
    },
  );

  app.get<{ Params: { number: string } }>(
    '/v1/chain/headers/:number',
    {
      schema: {
        summary: 'The sealed header of a block (a checkpoint, for a device that follows the validator set)',
        tags: ['chain'],
        params: {
          type: 'object',
          required: ['number'],
          properties: { number: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$', description: 'A block number (decimal).' } },
        },
        response: { 200: chainHeaderResponseJsonSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const read = await readChainHeaderAnswer({ publicClient: services.publicClient, number: BigInt(request.params.number) });
      return read.ok ? read.answer : sendError(reply, read.error, read.message);
    },
  );
};
