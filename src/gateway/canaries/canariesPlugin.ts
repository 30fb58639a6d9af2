import type { FastifyPluginAsync } from 'fastify';
import { getAddress, type Address, type Hex, type PublicClient } from 'viem';
import { consentRegistryAbi } from '../../contracts/abis.js';
import { canaryQueryDigest } from '../../protocol/dataRequest.js';
import { ChainUnavailableError, shortError } from '../core/deviceDirectory.js';
import { errorResponses, sendError } from '../core/httpErrors.js';
import type { AccessLedger } from '../consentedData/accessLedger.js';
import { checkSignedRequest, MAX_SIGNED_REQUEST_LIFETIME_S } from '../core/signedRequest.js';

const uint = (digits: number, description: string) => ({ type: 'string', pattern: `^(0|[1-9][0-9]{0,${digits - 1}})$`, description });

/**
 * Trap streets, the owner's side: the owner of a consent asks (with an EIP-712 CanaryQuery it
 * signs) which canary values the gateway gave the recipient under that consent, with the salts
 * that open their on-chain commitments. With one of them found in a leaked copy, the owner calls
 * CanaryRegistry.claimLeak (`pythia canary claim`), naming the logged delivery that carried it (returned
 * with each canary). Nobody but the owner learns which values are canaries.
 * Registered with data under consent (a ConsentRegistry and an AccessLog: the access ledger holds the canaries given).
 */
export type CanariesPluginOptions = { chainId: number; publicClient: PublicClient; consentRegistry: Address; ledger: AccessLedger };

export const canariesPlugin: FastifyPluginAsync<CanariesPluginOptions> = async (app, services) => {
  const { publicClient, chainId, consentRegistry, ledger } = services;

  app.post<{ Body: { query: { consentId: string; nonce: string; expiresAt: string }; signature: string } }>(
    '/v1/canaries/query',
    {
      schema: {
        summary: 'The owner of a consent lists the canaries given under it (values, salts, commitments) to reveal a leak',
        tags: ['consent'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['query', 'signature'],
          properties: {
            query: {
              type: 'object',
              additionalProperties: false,
              required: ['consentId', 'nonce', 'expiresAt'],
              properties: {
                consentId: uint(78, 'The consent (decimal).'),
                nonce: uint(20, 'Unique per owner (uint64).'),
                expiresAt: uint(20, `Unix s; at most ${MAX_SIGNED_REQUEST_LIFETIME_S} s ahead.`),
              },
            },
            signature: { type: 'string', description: "The owner's EIP-712 CanaryQuery signature, r ‖ s ‖ v, low s." },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['consentId', 'canaries'],
            properties: {
              consentId: { type: 'string' },
              canaries: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['recipient', 'device', 'stream', 'sequence', 'value', 'salt', 'commitment', 'givenAt', 'delivery'],
                  properties: {
                    recipient: { type: 'string' },
                    device: { type: 'string' },
                    stream: { type: 'integer' },
                    sequence: { type: 'string' },
                    value: { type: 'integer' },
                    salt: { type: 'string' },
                    commitment: { type: 'string' },
                    givenAt: { type: 'string', description: 'ISO time of the delivery that carried it.' },
                    delivery: {
                      anyOf: [
                        {
                          type: 'object',
                          required: ['consentId', 'device', 'recipient', 'streams', 'readings', 'dataHash', 'deliveryKey'],
                          properties: {
                            consentId: { type: 'string' },
                            device: { type: 'string' },
                            recipient: { type: 'string' },
                            streams: { type: 'integer' },
                            readings: { type: 'integer' },
                            dataHash: { type: 'string' },
                            deliveryKey: { type: 'string' },
                          },
                        },
                        { type: 'null' },
                      ],
                      description:
                        'The AccessLog entry of the delivery that carried the canary (a leak claim names it, CanaryRegistry.claimLeak); null for a canary given before deliveries were recorded.',
                    },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const query = {
        consentId: BigInt(request.body.query.consentId),
        nonce: BigInt(request.body.query.nonce),
        expiresAt: BigInt(request.body.query.expiresAt),
      };
      if (query.nonce >= 1n << 64n || query.expiresAt >= 1n << 64n)
        return sendError(reply, 'invalid_body', 'nonce and expiresAt must be uint64');
      const signed = checkSignedRequest({
        digest: canaryQueryDigest({ chainId, consentRegistry }, query),
        signature: request.body.signature.toLowerCase() as Hex,
        expiresAt: query.expiresAt,
        nowSeconds: BigInt(Math.floor(Date.now() / 1000)),
      });
      if (!signed.ok) return sendError(reply, signed.reason, signed.message);
      let owner: string;
      try {
        ({ owner } = await publicClient.readContract({
          address: consentRegistry,
          abi: consentRegistryAbi,
          functionName: 'consent',
          args: [query.consentId],
        }));
      } catch (error) {
        if (/UnknownConsent/.test(String(error))) return sendError(reply, 'unknown_consent', `no consent ${query.consentId}`);
        throw new ChainUnavailableError(`could not read consent ${query.consentId}: ${shortError(error)}`);
      }
      if (getAddress(owner) !== signed.signer) {
        return sendError(reply, 'not_consent_owner', `${signed.signer} is not the owner of consent ${query.consentId}`);
      }
      if (!ledger.useNonce(signed.signer, query.nonce, Number(query.expiresAt) * 1000)) {
        return sendError(reply, 'replayed_request', `nonce ${query.nonce} was used before by ${signed.signer}`);
      }
      const canaries = ledger.canariesOfConsent(query.consentId).map((c) => ({
        recipient: getAddress(c.recipient),
        device: getAddress(c.device),
        stream: c.stream,
        sequence: c.sequence.toString(),
        value: c.value,
        salt: c.salt,
        commitment: c.commitment,
        givenAt: new Date(c.createdAt).toISOString(),
        delivery: c.delivery && {
          consentId: c.delivery.consentId.toString(),
          device: getAddress(c.delivery.device),
          recipient: getAddress(c.delivery.recipient),
          streams: c.delivery.streams,
          readings: c.delivery.readings,
          dataHash: c.delivery.dataHash,
          deliveryKey: c.deliveryKey,
        },
      }));
      return reply.send({ consentId: query.consentId.toString(), canaries });
    },
  );
};
