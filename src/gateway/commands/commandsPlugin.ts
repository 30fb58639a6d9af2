import type { FastifyPluginAsync } from 'fastify';
import { getAddress, type Address, type Hex, type PublicClient } from 'viem';
import { checkConsent } from '../../chain/consent/checkConsent.js';
import {
  CommandError,
  commandName,
  commandToJson,
  MAX_COMMAND_LIFETIME_SECONDS,
  parseCommandJson,
  verifyCommand,
  type CommandEnvelope,
} from '../../protocol/command.js';
import { consentRefusalReasons } from '../../protocol/reasons.js';
import { commandQueryDigest } from '../../protocol/dataRequest.js';
import { deviceOwnershipAbi } from '../../contracts/abis.js';
import { checkSignedRequest, MAX_SIGNED_REQUEST_LIFETIME_S } from '../core/signedRequest.js';
import type { CommandStore, StoredCommand } from './commandStore.js';
import type { AccessLedger } from '../consentedData/accessLedger.js';
import type { AccessLogBatcher } from '../consentedData/accessLogBatcher.js';
import type { DeviceDirectory } from '../core/deviceDirectory.js';
import type { ConsentPolicyGuard } from '../policies/consentPolicyGuard.js';
import { ChainUnavailableError, shortError } from '../core/deviceDirectory.js';
import { errorResponses, sendError } from '../core/httpErrors.js';
import { deviceIdJsonSchema } from '../readings/readingShape.js';
import type { DeviceCommandChannel } from '../services.js';

const uint = (max: string) =>
  ({
    anyOf: [
      { type: 'integer', minimum: 0 },
      { type: 'string', pattern: `^(0|[1-9][0-9]{0,${max}})$` },
    ],
  }) as const;

const commandBodyJsonSchema = {
  type: 'object',
  required: ['command', 'signature'],
  additionalProperties: false,
  properties: {
    command: {
      type: 'object',
      description: 'The EIP-712 PythiaCommand the recipient signed (docs/protocol.md, "Command consent"), and who signed it.',
      required: ['device', 'consentId', 'command', 'args', 'nonce', 'expiresAt', 'recipient'],
      additionalProperties: false,
      properties: {
        device: { ...deviceIdJsonSchema, description: 'The device (must be the one in the path).' },
        consentId: { ...uint('77'), description: 'The consent that covers the command.' },
        command: { type: 'integer', minimum: 0, maximum: 255, description: 'Code in the command catalogue.' },
        args: { type: 'string', pattern: '^0x([0-9a-fA-F]{2}){0,256}$', description: 'Arguments, at most 256 bytes.' },
        nonce: { ...uint('19'), description: 'uint64; a recipient uses each nonce once.' },
        expiresAt: { ...uint('19'), description: `Unix seconds, after now and at most ${MAX_COMMAND_LIFETIME_SECONDS} s ahead.` },
        recipient: { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$', description: "The signer: the consent's recipient." },
      },
    },
    signature: {
      type: 'string',
      description: "0x + 130 hex digits: the recipient's EIP-712 signature of the command, r ‖ s ‖ v, low s.",
    },
  },
} as const;

const accessLogBatchJsonSchema = {
  anyOf: [
    { type: 'null' },
    {
      type: 'object',
      properties: {
        actionId: { type: 'integer' },
        status: { type: 'string', enum: ['pending', 'done', 'failed'] },
        txHash: { anyOf: [{ type: 'null' }, { type: 'string' }] },
        blockNumber: { anyOf: [{ type: 'null' }, { type: 'integer' }] },
        error: { anyOf: [{ type: 'null' }, { type: 'string' }] },
      },
    },
  ],
  description: 'The AccessLog.logCommands batch that logs it (an access-log batch the relayer sends; actionId is its id).',
} as const;

/** What anyone may see of a relayed command (its id is on chain): status, never contents. */
const commandStatusJsonSchema = {
  type: 'object',
  description:
    "A command the gateway relayed, as anyone may see it: its status and access-log entry. Its contents (recipient, consent, code, args, nonce, expiry) only to its recipient or the device's owner: POST /v1/commands/{id}/query.",
  additionalProperties: false,
  required: ['id', 'device', 'status', 'checkedAtBlock'],
  properties: {
    id: { type: 'string', description: 'The EIP-712 digest of the signed command (also its AccessLog commandHash).' },
    device: { type: 'string' },
    status: { type: 'string', enum: ['accepted', 'published'], description: "published: on the device's commands topic (QoS 1)." },
    checkedAtBlock: { type: 'integer', description: 'The block the consent was checked at (the latest when the command arrived).' },
    receivedAt: { type: 'string' },
    log: accessLogBatchJsonSchema,
  },
} as const;

const commandStateJsonSchema = {
  type: 'object',
  description: 'A command the gateway relayed to a device, and its access-log entry.',
  required: ['id', 'device', 'recipient', 'consentId', 'command', 'commandName', 'args', 'nonce', 'expiresAt', 'status', 'checkedAtBlock'],
  properties: {
    id: { type: 'string', description: 'The EIP-712 digest of the signed command (also its AccessLog commandHash).' },
    device: { type: 'string' },
    recipient: { type: 'string' },
    consentId: { type: 'string' },
    command: { type: 'integer' },
    commandName: { type: 'string' },
    args: { type: 'string' },
    nonce: { type: 'string' },
    expiresAt: { type: 'string' },
    status: { type: 'string', enum: ['accepted', 'published'], description: "published: on the device's commands topic (QoS 1)." },
    checkedAtBlock: { type: 'integer', description: 'The block the consent was checked at (the latest when the command arrived).' },
    receivedAt: { type: 'string' },
    log: accessLogBatchJsonSchema,
  },
} as const;

type CommandBody = { command: Record<string, unknown>; signature: string };

/**
 * Recipients' commands to devices under consent (issue #5). POST checks, at no gas and in this
 * order: the body's shape, the command code, the signature (format, low s, that it recovers the
 * claimed recipient) and expiry, replay by (recipient, nonce) in the gateway's database, then the
 * device's status (only an active device gets commands), then the consent at the latest block
 * (ConsentRegistry.checkConsent with commands = 1 << code). Only then
 * is the command stored, published on the device's commands topic (QoS 1) and queued for
 * AccessLog.logCommands; the answer is 202 with its id. Any refusal changes nothing.
 * Registered when the gateway has a ConsentRegistry and an AccessLog.
 */
export type CommandsPluginOptions = {
  chainId: number;
  publicClient: PublicClient;
  consentRegistry: Address;
  commands: CommandStore;
  directory: DeviceDirectory;
  ledger: AccessLedger;
  accessLogBatcher: AccessLogBatcher;
  /** With it, a consent's policy is evaluated before a command is relayed. */
  policyGuard?: ConsentPolicyGuard;
  /** The way to devices' commands topics while the MQTT channel runs; without it POST answers 503 device_channel_unavailable. */
  deviceChannel: () => DeviceCommandChannel | undefined;
  /** DeviceOwnership: with it, the device's current owner may also read a command's contents. */
  deviceOwnership?: Address;
};

export const commandsPlugin: FastifyPluginAsync<CommandsPluginOptions> = async (app, services) => {
  const { publicClient, commands, consentRegistry, ledger } = services;

  const view = (c: StoredCommand) => {
    const entry = c.logEntryId === null ? undefined : ledger.entry(c.logEntryId);
    const log = entry?.actionId == null ? undefined : ledger.logBatch(entry.actionId);
    return {
      id: c.id,
      device: c.device,
      recipient: c.recipient,
      consentId: c.consentId.toString(),
      command: c.command,
      commandName: commandName(c.command) ?? `code${c.command}`,
      args: c.args,
      nonce: c.nonce.toString(),
      expiresAt: c.expiresAt.toString(),
      status: c.status,
      checkedAtBlock: c.checkedAtBlock,
      receivedAt: new Date(c.receivedAt).toISOString(),
      log: log ? { actionId: log.id, status: log.status, txHash: log.txHash, blockNumber: log.blockNumber, error: log.error } : null,
    };
  };

  app.post<{ Params: { device: string }; Body: CommandBody }>(
    '/v1/devices/:device/commands',
    {
      schema: {
        summary: 'A recipient sends a signed command to a device; relayed only while a consent covers it, and logged on chain',
        tags: ['commands'],
        params: { type: 'object', required: ['device'], properties: { device: deviceIdJsonSchema } },
        body: commandBodyJsonSchema,
        response: { 202: commandStateJsonSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const device = getAddress(request.params.device);
      let parsed: ReturnType<typeof parseCommandJson>;
      let digest: Hex;
      const signature = request.body.signature.toLowerCase() as Hex;
      try {
        parsed = parseCommandJson(request.body.command);
        if (parsed.command.device !== device) {
          return sendError(reply, 'invalid_body', `command.device ${parsed.command.device} is not the device of the path ${device}`);
        }
        ({ digest } = verifyCommand({
          ...parsed,
          signature,
          domain: { chainId: services.chainId, consentRegistry },
          now: Date.now() / 1000,
        }));
      } catch (error) {
        if (error instanceof CommandError) return sendError(reply, error.reason, error.message);
        throw error;
      }
      const { command, recipient } = parsed;
      if (commands.isReplay(recipient, command.nonce)) {
        return sendError(reply, 'replayed_command', `${recipient} already sent a command with nonce ${command.nonce}`);
      }
      // A suspended or revoked device gets no commands, whatever consent was granted before.
      const { status } = await services.directory.get(device);
      if (status !== 'active') {
        const reason = status === 'suspended' ? 'device_suspended' : status === 'revoked' ? 'device_revoked' : 'unknown_device';
        return sendError(
          reply,
          reason,
          `device ${device} is ${status === 'none' ? 'not registered' : status}: no command is relayed to it`,
        );
      }
      let blockNumber: bigint;
      let refusal: keyof typeof consentRefusalReasons | 'none';
      try {
        blockNumber = await publicClient.getBlockNumber({ cacheTime: 0 });
        ({ refusal } = await checkConsent({
          publicClient,
          registry: consentRegistry,
          consentId: command.consentId,
          device,
          recipient,
          commands: 1 << command.command,
          blockNumber,
        }));
      } catch (error) {
        throw new ChainUnavailableError(`could not check consent ${command.consentId}: ${shortError(error)}`);
      }
      if (refusal !== 'none') {
        const reason = consentRefusalReasons[refusal];
        return sendError(
          reply,
          reason,
          `consent ${command.consentId} does not permit ${recipient} to send ${commandName(command.command)} to ${device} at block ${blockNumber}: ${refusal}`,
        );
      }

      if (services.policyGuard) {
        const policy = await services.policyGuard.check({
          consentId: command.consentId,
          recipient,
          device,
          deviceClass: (await services.directory.get(device)).classId,
          action: `command:${commandName(command.command)}`,
          nowSeconds: Math.floor(Date.now() / 1000),
        });
        if (!policy.ok) return sendError(reply, policy.reason, policy.message);
      }

      const channel = services.deviceChannel();
      if (!channel) return sendError(reply, 'device_channel_unavailable', 'this gateway has no MQTT channel to devices');

      const stored = { ...command, id: digest, recipient, signature, checkedAtBlock: Number(blockNumber) };
      if (!commands.insert(stored)) {
        return sendError(reply, 'replayed_command', `${recipient} already sent a command with nonce ${command.nonce}`);
      }
      const envelope: CommandEnvelope = {
        id: digest,
        command: commandToJson(command, recipient),
        signature,
        checkedAtBlock: blockNumber.toString(),
      };
      try {
        await channel.publish(device, Buffer.from(JSON.stringify(envelope)));
      } catch (error) {
        commands.remove(digest);
        return sendError(reply, 'device_channel_unavailable', `could not publish the command: ${shortError(error)}`);
      }
      // Logged on chain with the next AccessLog batch (logCommands), which logs it only if the
      // consent still permits it at that block.
      const entryId = ledger.recordAccess({
        kind: 'command',
        consentId: command.consentId,
        device,
        recipient,
        scope: command.command,
        count: 0,
        hash: digest,
      });
      services.accessLogBatcher.notify();
      commands.markPublished(digest, entryId);
      request.log.info({ command: digest, device, recipient, consentId: command.consentId.toString() }, 'command relayed');
      return reply.code(202).send(view(commands.get(digest)!));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/commands/:id',
    {
      schema: {
        summary: 'A relayed command: published or not, and its access-log transaction (status only: no contents)',
        tags: ['commands'],
        params: { type: 'object', required: ['id'], properties: { id: commandIdJsonSchema } },
        response: { 200: commandStatusJsonSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const stored = commands.get(request.params.id.toLowerCase() as Hex);
      if (!stored) return sendError(reply, 'command_not_found', `no command ${request.params.id}`);
      const { id, device, status, checkedAtBlock, receivedAt, log } = view(stored);
      return { id, device, status, checkedAtBlock, receivedAt, log };
    },
  );

  app.post<{ Params: { id: string }; Body: { query: { nonce: string; expiresAt: string }; signature: string } }>(
    '/v1/commands/:id/query',
    {
      schema: {
        summary: "The command's recipient or the device's owner reads a relayed command's contents (signed EIP-712 CommandQuery)",
        tags: ['commands'],
        params: { type: 'object', required: ['id'], properties: { id: commandIdJsonSchema } },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['query', 'signature'],
          properties: {
            query: {
              type: 'object',
              additionalProperties: false,
              required: ['nonce', 'expiresAt'],
              properties: {
                nonce: { type: 'string', pattern: '^(0|[1-9][0-9]{0,19})$', description: 'Unique per signer (uint64).' },
                expiresAt: {
                  type: 'string',
                  pattern: '^(0|[1-9][0-9]{0,19})$',
                  description: `Unix s; at most ${MAX_SIGNED_REQUEST_LIFETIME_S} s ahead.`,
                },
              },
            },
            signature: {
              type: 'string',
              description: 'EIP-712 CommandQuery { commandId = the id in the path, nonce, expiresAt }, r ‖ s ‖ v, low s.',
            },
          },
        },
        response: { 200: commandStateJsonSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const commandId = request.params.id.toLowerCase() as Hex;
      const query = { commandId, nonce: BigInt(request.body.query.nonce), expiresAt: BigInt(request.body.query.expiresAt) };
      if (query.nonce >= 1n << 64n || query.expiresAt >= 1n << 64n)
        return sendError(reply, 'invalid_body', 'nonce and expiresAt must be uint64');
      const signed = checkSignedRequest({
        digest: commandQueryDigest({ chainId: services.chainId, consentRegistry }, query),
        signature: request.body.signature.toLowerCase() as Hex,
        expiresAt: query.expiresAt,
        nowSeconds: BigInt(Math.floor(Date.now() / 1000)),
      });
      if (!signed.ok) {
        request.log.warn(
          { security: 'signature_refused', route: 'command_query', reason: signed.reason },
          'security: signed request refused',
        );
        return sendError(reply, signed.reason, signed.message);
      }
      const stored = commands.get(commandId);
      if (!stored) return sendError(reply, 'command_not_found', `no command ${commandId}`);
      let owner: Address | undefined;
      if (getAddress(stored.recipient) !== signed.signer && services.deviceOwnership) {
        try {
          owner = getAddress(
            await publicClient.readContract({
              address: services.deviceOwnership,
              abi: deviceOwnershipAbi,
              functionName: 'ownerOfDevice',
              args: [getAddress(stored.device)],
            }),
          );
        } catch (error) {
          throw new ChainUnavailableError(`could not read the owner of ${stored.device}: ${shortError(error)}`);
        }
      }
      if (getAddress(stored.recipient) !== signed.signer && owner !== signed.signer) {
        request.log.warn(
          { security: 'policy_denied', route: 'command_query', signer: signed.signer, command: commandId },
          'security: command contents refused',
        );
        return sendError(
          reply,
          'not_command_party',
          `${signed.signer} is neither the recipient of command ${commandId} nor the device's owner`,
        );
      }
      if (!ledger.useNonce(signed.signer, query.nonce, query.expiresAt)) {
        return sendError(reply, 'replayed_request', `nonce ${query.nonce} was used before by ${signed.signer}`);
      }
      return view(stored);
    },
  );
};

const commandIdJsonSchema = {
  type: 'string',
  pattern: '^0x[0-9a-fA-F]{64}$',
  description: 'The EIP-712 digest of the signed command.',
} as const;
