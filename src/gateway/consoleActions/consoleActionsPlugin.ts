import type { FastifyPluginAsync } from 'fastify';
import { type Address, getAddress, type LocalAccount } from 'viem';
import type { ChainClients } from '../../chain/clients.js';
import { ContractRefusal, contractWriter } from '../../chain/sendContractTransaction.js';
import { pythiaFleetAbi } from '../../contracts/abis.js';
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
};

/** The status asked for, and the fleet's function that sets it (the contract checks the transition). */
const statusFunctions = { suspended: 'suspendDevice', active: 'reinstateDevice', revoked: 'revokeDevice' } as const;

/** Marks the reason on chain, so that the accounting log tells the console's actions from the CLI's. */
export const CONSOLE_REASON_PREFIX = 'console: ';

/**
 * The council console's actions, signed with the role's key the node holds (the operator's):
 * suspend, reinstate and revoke a device. The console asks for a confirmation first; the chain's
 * DeviceStatusChanged event (by the operator, with the reason) is the accounting log's record.
 */
export const consoleActionsPlugin: FastifyPluginAsync<ConsoleActionsPluginOptions> = async (app, options) => {
  app.addHook('onRequest', consoleTokenGuard(options.token));
  const fleet = contractWriter({ clients: options.clients, account: options.operator, address: options.fleet }, pythiaFleetAbi);

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
};
