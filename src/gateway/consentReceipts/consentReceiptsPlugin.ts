import type { FastifyPluginAsync } from 'fastify';
import { readConsent } from '../../chain/consent/readConsent.js';
import { buildConsentReceipt } from '../../chain/consent/receipt.js';
import { ChainUnavailableError, shortError } from '../core/deviceDirectory.js';
import { errorResponses, sendError } from '../core/httpErrors.js';
import type { GatewayServices } from '../services.js';

/**
 * Consent receipts for download: the Kantara Consent Receipt v1.1 / ISO/IEC 27560 record of a
 * consent, built from the chain at the latest block (docs/contracts.md, "Consent"). Consents are
 * public on chain, so is their receipt; `pythia consent verify-receipt` checks one against the chain.
 */
export const consentsPlugin: FastifyPluginAsync<GatewayServices> = async (app, services) => {
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
      const { consentRegistry } = services.contracts;
      if (!consentRegistry) return sendError(reply, 'not_supported', 'this gateway has no consent registry');
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
