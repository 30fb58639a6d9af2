import type { FastifyPluginAsync } from 'fastify';
import { ContractFunctionRevertedError, BaseError, type Address, type Hex, type PublicClient } from 'viem';
import { policyRegistryAbi } from '../../contracts/abis.js';
import { canonicalJson, parsePolicy, policyContentHash } from '../../policy/index.js';
import { ChainUnavailableError, shortError } from '../core/deviceDirectory.js';
import { errorResponses, sendError } from '../core/httpErrors.js';
import type { PolicyStore } from './policyStore.js';

const policyIdParams = {
  type: 'object',
  required: ['policyId'],
  properties: { policyId: { type: 'string', pattern: '^0x[0-9a-fA-F]{64}$', description: 'A PolicyRegistry version id.' } },
} as const;

const storedPolicyJsonSchema = {
  type: 'object',
  required: ['policyId', 'contentHash', 'document'],
  properties: {
    policyId: { type: 'string' },
    contentHash: { type: 'string', description: 'keccak256 of the canonical JSON: equals the version on chain.' },
    document: { type: 'object', additionalProperties: true, description: 'The policy document (docs/policies.md).' },
  },
} as const;

/**
 * Policy documents: anyone may upload the document of a published policy version (the gateway
 * checks it against the content hash on chain), and anyone may fetch it. The gateway evaluates a
 * consent's policy (docs/policies.md) before serving data or relaying a command under it.
 * Registered when the gateway has a PolicyRegistry.
 */
export type PoliciesPluginOptions = { publicClient: PublicClient; policyRegistry: Address; store: PolicyStore };

export const policiesPlugin: FastifyPluginAsync<PoliciesPluginOptions> = async (app, services) => {
  const { publicClient, policyRegistry, store } = services;

  app.put<{ Params: { policyId: string }; Body: Record<string, unknown> }>(
    '/v1/policies/:policyId',
    {
      schema: {
        summary: 'Upload the document of a published policy version (checked against its content hash on chain)',
        tags: ['consent'],
        params: policyIdParams,
        body: { type: 'object', description: 'The policy document (docs/policies.md).' },
        response: { 200: storedPolicyJsonSchema, 201: storedPolicyJsonSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const policyId = request.params.policyId.toLowerCase() as Hex;
      const parsed = parsePolicy(JSON.stringify(request.body, null, 2));
      if (!parsed.ok) {
        const first = parsed.errors[0]!;
        return sendError(reply, 'invalid_policy', `${first.path}: ${first.message}`, {
          errors: parsed.errors.map((e, index) => ({ index, reason: 'invalid_policy', message: `${e.path}: ${e.message}` })),
        });
      }
      let onChain: Hex;
      try {
        ({ contentHash: onChain } = await publicClient.readContract({
          address: policyRegistry,
          abi: policyRegistryAbi,
          functionName: 'policy',
          args: [policyId],
        }));
      } catch (error) {
        if (error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError)) {
          return sendError(reply, 'unknown_policy', `no policy version ${policyId} in the PolicyRegistry`);
        }
        throw new ChainUnavailableError(`could not read policy ${policyId}: ${shortError(error)}`);
      }
      const contentHash = policyContentHash(parsed.policy);
      if (contentHash !== onChain) {
        return sendError(reply, 'policy_mismatch', `the document hashes to ${contentHash}, the published version to ${onChain}`);
      }
      const created = store.put({ policyId, contentHash, canonicalJson: canonicalJson(parsed.policy) });
      return reply.code(created ? 201 : 200).send({ policyId, contentHash, document: parsed.policy });
    },
  );

  app.get<{ Params: { policyId: string } }>(
    '/v1/policies/:policyId',
    {
      schema: {
        summary: 'A policy document this gateway holds',
        tags: ['consent'],
        params: policyIdParams,
        response: { 200: storedPolicyJsonSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const stored = store.get(request.params.policyId as Hex);
      if (!stored) return sendError(reply, 'unknown_policy', `this gateway holds no document for policy ${request.params.policyId}`);
      return reply.send({ policyId: stored.policyId, contentHash: stored.contentHash, document: JSON.parse(stored.canonicalJson) });
    },
  );
};
