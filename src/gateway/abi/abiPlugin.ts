import type { FastifyPluginAsync } from 'fastify';
import type { Address } from 'viem';
import { buildAbiReference } from '../../protocol/abiReference.js';

const abiParameterJsonSchema = {
  $id: 'AbiParameter',
  type: 'object',
  required: ['name', 'type'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    type: { type: 'string', description: 'The ABI type: uint8, address, bytes32, tuple, tuple[], ...' },
    internalType: {
      type: 'string',
      description: 'The Solidity type solc reports, when it differs: `enum X.Y`, `struct X.Y`, `contract I`.',
    },
    indexed: {
      type: 'boolean',
      description: 'Events only: a topic (filterable); a bytes, string, array or tuple topic holds its keccak256.',
    },
    enum: { type: 'string', description: 'The entry of `enums` whose member number this uint8 carries.' },
    bitmask: { type: 'string', enum: ['flagReasons'], description: 'A bitmask of `flagReasons`.' },
    components: { type: 'array', items: { $ref: 'AbiParameter#' } },
  },
} as const;

const itemJsonSchema = (kind: 'event' | 'error') =>
  ({
    type: 'object',
    required: ['name', 'signature', kind === 'event' ? 'topic0' : 'selector', 'inputs'],
    additionalProperties: false,
    properties: {
      name: { type: 'string' },
      signature: { type: 'string', description: 'Canonical signature, e.g. ReadingSkipped(address,uint64,uint8).' },
      ...(kind === 'event'
        ? { topic0: { type: 'string', description: 'keccak256 of the signature: topic 0 of every log of the event.' } }
        : { selector: { type: 'string', description: 'The first four bytes of the revert data.' } }),
      inputs: { type: 'array', items: { $ref: 'AbiParameter#' } },
    },
  }) as const;

export const abiResponseJsonSchema = {
  description:
    'Every event and custom error of every contract a Pythia deployment has (docs/abi.md is the same, as Markdown), with the numbers behind enums and bitmasks, and the addresses of the contracts this gateway works with.',
  type: 'object',
  required: ['chainId', 'addresses', 'contracts', 'enums', 'flagReasons'],
  additionalProperties: false,
  properties: {
    chainId: { type: 'integer' },
    addresses: {
      type: 'object',
      description:
        'The contracts this gateway uses, keyed as in deployment.json `contracts`: the contract (a name in `contracts`) and its address.',
      additionalProperties: {
        type: 'object',
        required: ['contract', 'address'],
        additionalProperties: false,
        properties: { contract: { type: 'string' }, address: { type: 'string' } },
      },
    },
    contracts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'events', 'errors'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', description: 'The contract as named in contracts/src (PythiaFleet, ConsentRegistry, ...).' },
          events: { type: 'array', items: itemJsonSchema('event') },
          errors: { type: 'array', items: itemJsonSchema('error') },
        },
      },
    },
    enums: {
      type: 'array',
      description: 'Solidity enums (member i is the number i) and the code tables contracts declare as plain uint8.',
      items: {
        type: 'object',
        required: ['name', 'source', 'members'],
        additionalProperties: false,
        properties: {
          name: { type: 'string' },
          source: { type: 'string' },
          members: {
            type: 'array',
            items: {
              type: 'object',
              required: ['value', 'name'],
              additionalProperties: false,
              properties: { value: { type: 'integer' }, name: { type: 'string' } },
            },
          },
        },
      },
    },
    flagReasons: {
      type: 'array',
      description: 'The bits of ReadingFlagged.reasons and DeviceFlagged.reasons.',
      items: {
        type: 'object',
        required: ['bit', 'name', 'description'],
        additionalProperties: false,
        properties: { bit: { type: 'integer' }, name: { type: 'string' }, description: { type: 'string' } },
      },
    },
  },
} as const;

export type AbiPluginOptions = {
  chainId: number;
  /** The contracts this gateway uses, keyed as in deployment.json (`fleet`, `consentRegistry`, ...). */
  addresses: Record<string, Address | undefined>;
};

/** deployment.json's key → the contract's name (`consentRegistry` → ConsentRegistry; the fleet is PythiaFleet). */
export function contractNameOfDeploymentKey(key: string): string {
  return key === 'fleet' ? 'PythiaFleet' : key[0]!.toUpperCase() + key.slice(1);
}

/**
 * GET /v1/abi — the integrator's reference: events and errors of every contract, enum numbers,
 * and where this gateway's contracts are. Public on purpose: everything in it is on chain or in
 * the open-source contracts already; it spares a client the Solidity build. Always registered.
 */
export const abiPlugin: FastifyPluginAsync<AbiPluginOptions> = async (app, { chainId, addresses }) => {
  app.addSchema(abiParameterJsonSchema);
  const body = {
    chainId,
    addresses: Object.fromEntries(
      Object.entries(addresses)
        .filter((entry): entry is [string, Address] => entry[1] !== undefined)
        .map(([key, address]) => [key, { contract: contractNameOfDeploymentKey(key), address }]),
    ),
    ...buildAbiReference(),
  };
  app.get(
    '/v1/abi',
    {
      schema: {
        summary: 'Contract events, errors and enum numbers',
        description:
          'The ABI reference of docs/abi.md as JSON: for every contract its events (Solidity types, indexed parameters, topic0) and custom errors (selector), the members of every enum and code table by number, the flag bits, and the addresses of the contracts this gateway uses. Public: no authentication.',
        tags: ['contracts'],
        response: { 200: abiResponseJsonSchema },
      },
    },
    async () => body,
  );
};
