import type { FastifyPluginAsync } from 'fastify';
import { type Address, getAddress, type LocalAccount, parseEventLogs, zeroAddress } from 'viem';
import type { ChainClients } from '../../chain/clients.js';
import { ContractRefusal, contractWriter } from '../../chain/sendContractTransaction.js';
import { consentRegistryAbi, pythiaFleetAbi } from '../../contracts/abis.js';
import { revokeConsent } from '../../chain/consent/revokeConsent.js';
import { parseProfile, ProfileError, profileFields, type Profile } from '../../protocol/profile.js';
import { errorResponses, sendError } from '../core/httpErrors.js';
import { ChainUnavailableError } from '../core/deviceDirectory.js';
import { consoleTokenGuard } from '../indexQueries/consoleTokenGuard.js';
import { deviceIdJsonSchema } from '../readings/readingShape.js';

export type ConsoleActionsPluginOptions = {
  /** The console token: every action needs it as a bearer token, as the index routes do. */
  token: string;
  /** The operator's key, held by the node: it signs the console's status changes. */
  operator: LocalAccount;
  clients: ChainClients;
  fleet: Address;
  /** With it, the console revokes consents the operator account gave (it owns the council's devices: their tokens are minted to it). */
  consentRegistry?: Address;
};

/** The status asked for, and the fleet's function that sets it (the contract checks the transition). */
const statusFunctions = { suspended: 'suspendDevice', active: 'reinstateDevice', revoked: 'revokeDevice' } as const;

/** Marks the reason on chain, so that the accounting log tells the console's actions from the CLI's. */
export const CONSOLE_REASON_PREFIX = 'console: ';

/** A profile's fields as JSON (src/protocol/profile.ts has their ranges; parseProfile checks them and how they fit together). */
const profileJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: profileFields.map((field) => field.name),
  properties: Object.fromEntries(
    profileFields.map((field) => [
      field.name,
      field.type.endsWith('[]')
        ? { type: 'array', maxItems: 8, items: { type: 'integer' }, description: `${field.meaning} (${field.unit})` }
        : { type: 'integer', description: `${field.meaning} (${field.unit})` },
    ]),
  ),
} as const;

const sentJsonSchema = (required: readonly string[], properties: object) =>
  ({
    type: 'object',
    required: [...required, 'by', 'transactionHash', 'blockNumber'],
    properties: {
      ...properties,
      by: { type: 'string', description: 'The account that signed (the operator).' },
      transactionHash: { type: 'string' },
      blockNumber: { type: 'integer' },
    },
  }) as const;

/**
 * The council console's actions, each signed with the one role key the node holds that the contract
 * asks for (least privilege; the admin key signs none): the operator's OPERATOR_ROLE suspends,
 * reinstates and revokes devices and sets class profiles; the operator account, as owner of the
 * council's devices, revokes the consents it gave. The console asks for a confirmation first; the
 * chain's event (DeviceStatusChanged, ClassProfileSet, ConsentRevoked) is the accounting log's record.
 */
export const consoleActionsPlugin: FastifyPluginAsync<ConsoleActionsPluginOptions> = async (app, options) => {
  app.addHook('onRequest', consoleTokenGuard(options.token));
  const fleet = contractWriter({ clients: options.clients, account: options.operator, address: options.fleet }, pythiaFleetAbi);
  const by = options.operator.address;
  const sendFailed = (what: string, error: unknown) => {
    throw new ChainUnavailableError(`could not send ${what}: ${(error as Error).message.split('\n')[0]}`);
  };

  app.post<{ Params: { device: string }; Body: { status: keyof typeof statusFunctions; reason: string } }>(
    '/v1/console/devices/:device/status',
    {
      schema: {
        summary: "Suspend, reinstate or revoke a device, signed by the node's operator key (console token)",
        tags: ['console'],
        security: [{ consoleToken: [] }],
        params: { type: 'object', required: ['device'], properties: { device: deviceIdJsonSchema } },
        body: {
          type: 'object',
          required: ['status', 'reason'],
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: Object.keys(statusFunctions), description: 'suspended, active (reinstate) or revoked.' },
            reason: { type: 'string', minLength: 1, maxLength: 200, description: `Recorded on chain, after "${CONSOLE_REASON_PREFIX}".` },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['device', 'status', 'by', 'transactionHash', 'blockNumber'],
            properties: {
              device: { type: 'string' },
              status: { type: 'string' },
              by: { type: 'string', description: 'The operator account that signed.' },
              transactionHash: { type: 'string' },
              blockNumber: { type: 'integer' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const device = getAddress(request.params.device);
      const { status, reason } = request.body;
      try {
        const sent = await fleet(statusFunctions[status], [device, `${CONSOLE_REASON_PREFIX}${reason}`]);
        return { device, status, by: options.operator.address, transactionHash: sent.hash, blockNumber: Number(sent.blockNumber) };
      } catch (error) {
        if (error instanceof ContractRefusal)
          return sendError(reply, 'invalid_request', `the fleet refused ${statusFunctions[status]}: ${error.errorName}`, {}, 409);
        throw new ChainUnavailableError(`could not send ${statusFunctions[status]}: ${(error as Error).message.split('\n')[0]}`);
      }
    },
  );

  app.post<{ Params: { classId: string }; Body: { profile: Profile } }>(
    '/v1/console/classes/:classId/profile',
    {
      schema: {
        summary: "Set a device class's behaviour profile, signed by the node's operator key (console token)",
        tags: ['console'],
        security: [{ consoleToken: [] }],
        params: {
          type: 'object',
          required: ['classId'],
          properties: { classId: { type: 'string', pattern: '^(0|[1-9][0-9]{0,4})$', description: 'Device class, 0 to 65535.' } },
        },
        body: { type: 'object', required: ['profile'], additionalProperties: false, properties: { profile: profileJsonSchema } },
        response: {
          200: sentJsonSchema(['classId', 'version', 'profile'], {
            classId: { type: 'integer' },
            version: { type: 'integer', description: "The class profile's new version (ClassProfileSet)." },
            profile: { type: 'object', additionalProperties: true },
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const classId = Number(request.params.classId);
      if (classId > 0xffff) return sendError(reply, 'invalid_request', `class ${classId} is above 65535`);
      let profile: Profile;
      try {
        profile = parseProfile(request.body.profile);
      } catch (error) {
        if (error instanceof ProfileError) return sendError(reply, 'invalid_body', error.message);
        throw error;
      }
      try {
        const sent = await fleet('setClassProfile', [classId, profile]);
        const [event] = parseEventLogs({ abi: pythiaFleetAbi, logs: sent.logs, eventName: 'ClassProfileSet' });
        return {
          classId,
          version: Number(event?.args.version ?? 0),
          profile,
          by,
          transactionHash: sent.hash,
          blockNumber: Number(sent.blockNumber),
        };
      } catch (error) {
        if (error instanceof ContractRefusal)
          return sendError(reply, 'invalid_request', `the fleet refused setClassProfile: ${error.errorName}`, {}, 409);
        return sendFailed('setClassProfile', error);
      }
    },
  );

  const { consentRegistry } = options;
  if (consentRegistry) {
    app.post<{ Params: { consentId: string } }>(
      '/v1/console/consents/:consentId/revoke',
      {
        schema: {
          summary: "Revoke a consent the operator account gave (the council's devices), signed by the node's operator key (console token)",
          tags: ['console'],
          security: [{ consoleToken: [] }],
          params: {
            type: 'object',
            required: ['consentId'],
            properties: { consentId: { type: 'string', pattern: '^[1-9][0-9]{0,77}$' } },
          },
          response: {
            200: sentJsonSchema(['consentId', 'recipient'], { consentId: { type: 'string' }, recipient: { type: 'string' } }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const consentId = BigInt(request.params.consentId);
        let stored: { owner: Address; recipient: Address };
        try {
          stored = await options.clients.publicClient.readContract({
            address: consentRegistry,
            abi: consentRegistryAbi,
            functionName: 'consent',
            args: [consentId],
          });
        } catch (error) {
          if (/UnknownConsent/.test(String(error))) return sendError(reply, 'unknown_consent', `no consent ${consentId}`);
          return sendFailed(`a read of consent ${consentId}`, error);
        }
        // Checked here for a clear answer; the contract checks it again (NotConsentOwner).
        if (stored.owner === zeroAddress) return sendError(reply, 'unknown_consent', `no consent ${consentId}`);
        if (getAddress(stored.owner) !== by)
          return sendError(
            reply,
            'not_consent_owner',
            `consent ${consentId} was given by ${stored.owner}: only its owner revokes it, and this node holds the operator's key (${by})`,
          );
        try {
          const sent = await revokeConsent({ clients: options.clients, account: options.operator, address: consentRegistry, consentId });
          return {
            consentId: String(consentId),
            recipient: stored.recipient,
            by,
            transactionHash: sent.hash,
            blockNumber: Number(sent.blockNumber),
          };
        } catch (error) {
          if (error instanceof ContractRefusal)
            return sendError(reply, 'invalid_request', `the consent registry refused revokeConsent: ${error.errorName}`, {}, 409);
          return sendFailed('revokeConsent', error);
        }
      },
    );
  }
};
