import type { FastifyPluginAsync } from 'fastify';
import { readConsent } from '../../chain/consent/readConsent.js';
import { buildConsentReceipt } from '../../chain/consent/receipt.js';
import { ChainUnavailableError, shortError } from '../core/deviceDirectory.js';
import { errorResponses, sendError } from '../core/httpErrors.js';
import type { Address, PublicClient } from 'viem';
import type { PolicyStore } from '../policies/policyStore.js';

/**
 * Consent receipts for download: the Kantara Consent Receipt v1.1 / ISO/IEC 27560 record of a
 * consent, built from the chain at the latest block (docs/contracts.md, "Consent"). Consents are
 * public on chain, so is their receipt; `pythia consent verify-receipt` checks one against the chain.
 * Registered when the gateway has a ConsentRegistry.
 */
export type ConsentReceiptsPluginOptions = {
  chainId: number;
  publicClient: PublicClient;
  consentRegistry: Address;
  /** With it, a receipt links the policy document when this gateway holds it. */
  policyStore?: PolicyStore;
};

export const consentReceiptsPlugin: FastifyPluginAsync<ConsentReceiptsPluginOptions> = async (app, services) => {
  const { consentRegistry } = services;
  app.get<{ Params: { consentId: string } }>(
    '/v1/consents/:consentId/receipt',
    {
      schema: {
        summary: 'The consent receipt (Kantara CR v1.1 / ISO/IEC 27560 fields, plus the chain record it is checked against)',
        tags: ['consent'],
        params: {
          type: 'object',
          required: ['consentId'],
          properties: { consentId: { type: 'string', pattern: '^[1-9][0-9]{0,77}$' } },
        },
        response: { 200: { type: 'object', additionalProperties: true }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const consentId = BigInt(request.params.consentId);
      let consent: Awaited<ReturnType<typeof readConsent>>;
      try {
        consent = await readConsent({ publicClient: services.publicClient, registry: consentRegistry, consentId });
      } catch (error) {
        if (/UnknownConsent/.test(String(error))) return sendError(reply, 'unknown_consent', `no consent ${consentId}`);
        throw new ChainUnavailableError(`could not read consent ${consentId}: ${shortError(error)}`);
      }
      const held = /^0x0{64}$/.test(consent.policyId) ? undefined : services.policyStore?.get(consent.policyId);
      const receipt = buildConsentReceipt({
        consent,
        chainId: services.chainId,
        registry: consentRegistry,
        ...(held && { policyUrl: `${request.protocol}://${request.host}/v1/policies/${consent.policyId}` }),
      });
      return reply.header('content-disposition', `attachment; filename="consent-${consentId}-receipt.json"`).send(receipt);
    },
  );
};
