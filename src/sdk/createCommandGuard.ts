import type { Address, Hex } from 'viem';
import type { ConsentAnswer, ConsentParams } from '../answers/questions/consent.js';
import { AnswerError } from '../answers/errors.js';
import type { VerifiedAnswer } from '../answers/verifyAnswer.js';
import {
  CommandError,
  commandName,
  MAX_COMMAND_LIFETIME_SECONDS,
  parseCommandJson,
  verifyCommand,
  type CommandRefusalReason,
} from '../protocol/command.js';
import { consentRefusalReasons, type ConsentRefusalReason } from '../protocol/reasons.js';
import { GatewayRejection } from './errors.js';
import type { ProvisioningBundle } from './provisioningBundle.js';

/** A command the device may act on: signed by the recipient, and a fresh signed answer says the consent covers it. */
export type ReceivedCommand = {
  /** The EIP-712 digest of the signed command. */
  id: Hex;
  device: Address;
  recipient: Address;
  consentId: bigint;
  command: number;
  commandName: string;
  args: Hex;
  nonce: bigint;
  expiresAt: bigint;
  /** The Pythia's signed answer the device acted on (question 4, consent). */
  consent: VerifiedAnswer<ConsentParams, ConsentAnswer>;
};

/** Why the device did not act on a command. */
export type DeviceCommandRefusalReason =
  | 'malformed'
  | 'wrong_device'
  | CommandRefusalReason
  | 'replayed_command'
  | 'replay_window_full'
  | ConsentRefusalReason
  /** The answer did not verify (AnswerError: stale_answer, untrusted_key, bad_signature, ...): see `answerError`. */
  | 'answer_rejected'
  /** The Pythia refused the question, or could not be reached. */
  | 'pythia_unavailable'
  | 'handler_failed';

export type CommandRefusal = {
  reason: DeviceCommandRefusalReason;
  message: string;
  id?: Hex;
  recipient?: Address;
  nonce?: bigint;
  /** For answer_rejected: the AnswerError reason (e.g. stale_answer). */
  answerError?: string;
  /** For a consent refusal: the block the Pythia's signed answer was read at. */
  blockNumber?: bigint;
  cause?: unknown;
};

export type CommandOutcome = ({ ok: true } & ReceivedCommand) | ({ ok: false } & CommandRefusal);

/** Asks the Pythia and verifies the answer (MqttDeviceClient.ask, or askPythia over HTTP). */
export type ConsentAsker = (
  question: 'consent',
  params: unknown,
  options: { currentBlock?: bigint },
) => Promise<VerifiedAnswer<unknown, ConsentAnswer>>;

/**
 * The (recipient, nonce) pairs the device has seen, each kept until its command expires: the
 * replay window is bounded by MAX_COMMAND_LIFETIME_SECONDS. Default in memory; a device that must
 * survive reboots within that window without acting twice plugs a durable one in.
 */
export type CommandNonceStore = {
  has(key: string): boolean;
  add(key: string, expiresAt: bigint): void;
  /** Drops entries whose command expired at or before `now` (Unix seconds). */
  prune(now: bigint): void;
  size(): number;
};

export function createMemoryNonceStore(): CommandNonceStore {
  const entries = new Map<string, bigint>();
  return {
    has: (key) => entries.has(key),
    add: (key, expiresAt) => void entries.set(key, expiresAt),
    prune(now) {
      for (const [key, expiresAt] of entries) if (expiresAt <= now) entries.delete(key);
    },
    size: () => entries.size,
  };
}

export type CreateCommandGuardParameters = {
  /** This device. */
  deviceId: Address;
  /** Its chain id, consent registry (the commands' EIP-712 domain) and freshness bounds. */
  bundle: ProvisioningBundle;
  ask: ConsentAsker;
  /** The application's command handler: called only for a command that passed every check. */
  handler: (command: ReceivedCommand) => unknown | Promise<unknown>;
  /** Told why a command was refused (or its handler failed). */
  onRefused?: (refusal: CommandRefusal) => void;
  nonceStore?: CommandNonceStore;
  /** At most this many live (recipient, nonce) pairs; beyond it commands are refused (replay_window_full). Default 4096. */
  maxTrackedNonces?: number;
  /** Unix seconds; default the system clock. */
  clock?: () => number;
};

export type CommandGuard = {
  /** Checks one message from the device's commands topic and, if it passes, runs the handler. */
  handle(payload: Uint8Array | string): Promise<CommandOutcome>;
  /** The newest block the device has seen (from answers and the gateway's envelopes): the freshness reference. */
  readonly highestBlock: bigint | undefined;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The device's side of command consent (docs/protocol.md, "Command consent"). For each message on
 * its commands topic it checks, in this order: the envelope's shape (malformed), that the command
 * names this device (wrong_device), the code, the recipient's signature (format, low s, that it
 * recovers the recipient) and expiry, that (recipient, nonce) is new (replayed_command); then it
 * asks its Pythia question 4 (consent) with a fresh challenge, verifies the signed answer (trusted
 * key, challenge, question, chain, freshness: block within bundle.freshness.maxAgeBlocks of the
 * newest block it knows, signed within maxAgeSeconds) and acts only if the answer says permitted.
 * So the device never relies on the gateway having checked: a command from a party without
 * consent is refused once the device asks.
 */
export function createCommandGuard(parameters: CreateCommandGuardParameters): CommandGuard {
  const { bundle, ask, handler, onRefused } = parameters;
  const consentRegistry = bundle.contracts.consentRegistry;
  if (!consentRegistry) throw new TypeError('createCommandGuard needs the provisioning bundle to name contracts.consentRegistry');
  const domain = { chainId: bundle.chainId, consentRegistry };
  const device = parameters.deviceId.toLowerCase();
  const nonces = parameters.nonceStore ?? createMemoryNonceStore();
  const maxTracked = parameters.maxTrackedNonces ?? 4096;
  const clock = parameters.clock ?? (() => Math.floor(Date.now() / 1000));
  let highestBlock: bigint | undefined;
  const seeBlock = (block: bigint) => {
    if (highestBlock === undefined || block > highestBlock) highestBlock = block;
  };

  const refuse = (refusal: CommandRefusal): CommandOutcome => {
    try {
      onRefused?.(refusal);
    } catch {
      // a reporting callback must not turn a refusal into a crash
    }
    return { ok: false, ...refusal };
  };

  async function handle(payload: Uint8Array | string): Promise<CommandOutcome> {
    let envelope: unknown;
    try {
      envelope = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'));
    } catch {
      return refuse({ reason: 'malformed', message: 'the command message is not JSON' });
    }
    if (!isObject(envelope) || typeof envelope.signature !== 'string' || !isObject(envelope.command)) {
      return refuse({ reason: 'malformed', message: 'the command message must be { id, command, signature, checkedAtBlock }' });
    }
    let parsed: ReturnType<typeof parseCommandJson>;
    try {
      parsed = parseCommandJson(envelope.command);
    } catch (error) {
      return refuse({ reason: 'malformed', message: (error as Error).message });
    }
    const { command, recipient } = parsed;
    const signature = envelope.signature as Hex;
    if (command.device.toLowerCase() !== device) {
      return refuse({ reason: 'wrong_device', message: `the command is for ${command.device}, not this device`, recipient });
    }
    const now = clock();
    let id: Hex;
    try {
      id = verifyCommand({ command, recipient, signature, domain, now, maxLifetimeSeconds: MAX_COMMAND_LIFETIME_SECONDS }).digest;
    } catch (error) {
      if (error instanceof CommandError) return refuse({ reason: error.reason, message: error.message, recipient, nonce: command.nonce });
      throw error;
    }
    const context = { id, recipient, nonce: command.nonce };
    const key = `${recipient.toLowerCase()}:${command.nonce}`;
    nonces.prune(BigInt(now));
    if (nonces.has(key))
      return refuse({ ...context, reason: 'replayed_command', message: `nonce ${command.nonce} of ${recipient} was seen` });
    if (nonces.size() >= maxTracked) {
      return refuse({ ...context, reason: 'replay_window_full', message: `${maxTracked} unexpired commands are tracked; try later` });
    }
    nonces.add(key, command.expiresAt);

    // The gateway's block is a lower bound for "now" on chain: an answer older than maxAgeBlocks
    // before it is refused as stale. It is not signed, so it counts for this command only: only
    // blocks of verified answers raise the device's own reference.
    const stated =
      typeof envelope.checkedAtBlock === 'string' && /^[0-9]{1,20}$/.test(envelope.checkedAtBlock)
        ? BigInt(envelope.checkedAtBlock)
        : undefined;
    const reference = stated !== undefined && (highestBlock === undefined || stated > highestBlock) ? stated : highestBlock;
    const params = {
      device: command.device,
      recipient,
      consentId: command.consentId.toString(),
      streams: 0,
      commands: 1 << command.command,
    };
    let answer: VerifiedAnswer<unknown, ConsentAnswer>;
    try {
      answer = await ask('consent', params, reference === undefined ? {} : { currentBlock: reference });
    } catch (error) {
      if (error instanceof AnswerError) {
        return refuse({ ...context, reason: 'answer_rejected', answerError: error.reason, message: error.message, cause: error });
      }
      const message = error instanceof GatewayRejection ? error.message : `could not ask the Pythia: ${(error as Error)?.message}`;
      return refuse({ ...context, reason: 'pythia_unavailable', message, cause: error });
    }
    seeBlock(answer.blockNumber);
    if (!answer.answer.permitted) {
      const refusal = answer.answer.refusal as Exclude<ConsentAnswer['refusal'], 'none'>;
      return refuse({
        ...context,
        reason: consentRefusalReasons[refusal],
        blockNumber: answer.blockNumber,
        message: `the Pythia answers (block ${answer.blockNumber}) that consent ${command.consentId} does not permit it: ${refusal}`,
      });
    }
    const received: ReceivedCommand = {
      ...command,
      id,
      recipient,
      commandName: commandName(command.command)!,
      consent: answer as VerifiedAnswer<ConsentParams, ConsentAnswer>,
    };
    try {
      await handler(received);
    } catch (error) {
      return refuse({ ...context, reason: 'handler_failed', message: (error as Error)?.message ?? String(error), cause: error });
    }
    return { ok: true, ...received };
  }

  return {
    handle,
    get highestBlock() {
      return highestBlock;
    },
  };
}
