import { getAddress, hashTypedData, hexToBytes, isAddress, type Address, type Hex } from 'viem';
import { commandCatalogue } from './consentScope.js';
import { recoverDigestSigner } from './recoverDigestSigner.js';
import { SignatureFormatError, splitSignature } from './signature.js';

/**
 * A command a recipient sends to a device under a consent (docs/protocol.md, "Command consent"):
 * EIP-712 `PythiaCommand(address device,uint256 consentId,uint8 command,bytes args,uint64 nonce,uint64 expiresAt)`
 * in the domain "Pythia Command" / "1" / chain id / the ConsentRegistry, signed by the recipient
 * (65 bytes r ‖ s ‖ v, low s). The gateway and the device check it the same way (verifyCommand).
 */
export const COMMAND_DOMAIN_NAME = 'Pythia Command';
export const COMMAND_DOMAIN_VERSION = '1';
/** The longest `args` a command may carry (bytes). */
export const MAX_COMMAND_ARGS_BYTES = 256;
/** A command may expire at most this far ahead of the checker's clock (s): the replay window is bounded by it. */
export const MAX_COMMAND_LIFETIME_SECONDS = 300;

const UINT64_MAX = (1n << 64n) - 1n;
const UINT256_MAX = (1n << 256n) - 1n;

export const commandTypes = {
  PythiaCommand: [
    { name: 'device', type: 'address' },
    { name: 'consentId', type: 'uint256' },
    { name: 'command', type: 'uint8' },
    { name: 'args', type: 'bytes' },
    { name: 'nonce', type: 'uint64' },
    { name: 'expiresAt', type: 'uint64' },
  ],
} as const;

/** Where a command signature is valid: this chain and this consent registry. */
export type CommandDomain = { chainId: number; consentRegistry: Address };

export type PythiaCommand = {
  device: Address;
  consentId: bigint;
  /** Code in the command catalogue (src/protocol/consentScope.ts). */
  command: number;
  /** Command arguments, opaque to the Pythia (at most 256 bytes). */
  args: Hex;
  /** Per recipient: a (recipient, nonce) pair is relayed and acted on once. */
  nonce: bigint;
  /** Unix seconds; at most MAX_COMMAND_LIFETIME_SECONDS ahead. */
  expiresAt: bigint;
};

/** The command as it travels in JSON: uint64/uint256 as decimal strings; recipient = the claimed signer. */
export type CommandJson = {
  device: Address;
  consentId: string;
  command: number;
  args: Hex;
  nonce: string;
  expiresAt: string;
  recipient: Address;
};

export type SignedCommand = { command: PythiaCommand; recipient: Address; signature: Hex };

export type CommandRefusalReason =
  | 'invalid_body'
  | 'unknown_command'
  | 'bad_signature_format'
  | 'high_s_signature'
  | 'bad_signature'
  | 'command_expired'
  | 'command_expiry_too_far';

export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly reason: CommandRefusalReason,
    message: string,
  ) {
    super(message);
  }
}

export function commandDomain({ chainId, consentRegistry }: CommandDomain) {
  return { name: COMMAND_DOMAIN_NAME, version: COMMAND_DOMAIN_VERSION, chainId, verifyingContract: getAddress(consentRegistry) } as const;
}

/** The EIP-712 digest the recipient signs: also the command's id and the AccessLog's commandHash. */
export function commandDigest(domain: CommandDomain, command: PythiaCommand): Hex {
  return hashTypedData({
    domain: commandDomain(domain),
    types: commandTypes,
    primaryType: 'PythiaCommand',
    message: { ...command, device: getAddress(command.device) },
  });
}

/** Name of a catalogue code, or undefined outside the catalogue. */
export function commandName(code: number): string | undefined {
  return commandCatalogue[code];
}

const uintOf = (value: unknown, field: string, max: bigint): bigint => {
  let n: bigint | undefined;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === 'string' && /^(0|[1-9][0-9]{0,77})$/.test(value)) n = BigInt(value);
  if (n === undefined || n < 0n || n > max) throw new CommandError('invalid_body', `${field} must be an unsigned integer ≤ ${max}`);
  return n;
};

/** Parses the JSON form (any letter case for addresses; numbers or decimal strings); throws CommandError. */
export function parseCommandJson(json: unknown): { command: PythiaCommand; recipient: Address } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CommandError('invalid_body', 'command must be an object');
  const { device, consentId, command, args, nonce, expiresAt, recipient, ...rest } = json as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw new CommandError('invalid_body', `unknown command field ${Object.keys(rest)[0]}`);
  if (typeof device !== 'string' || !isAddress(device, { strict: false }))
    throw new CommandError('invalid_body', 'command.device must be a device id (0x + 40 hex digits)');
  if (typeof recipient !== 'string' || !isAddress(recipient, { strict: false }))
    throw new CommandError('invalid_body', 'command.recipient must be an address (0x + 40 hex digits)');
  if (typeof command !== 'number' || !Number.isInteger(command) || command < 0 || command > 255)
    throw new CommandError('invalid_body', 'command.command must be a uint8 code');
  if (typeof args !== 'string' || !/^0x(?:[0-9a-fA-F]{2})*$/.test(args))
    throw new CommandError('invalid_body', 'command.args must be 0x + even-length hex');
  if ((args.length - 2) / 2 > MAX_COMMAND_ARGS_BYTES)
    throw new CommandError('invalid_body', `command.args is over ${MAX_COMMAND_ARGS_BYTES} bytes`);
  const id = uintOf(consentId, 'command.consentId', UINT256_MAX);
  if (id === 0n) throw new CommandError('invalid_body', 'command.consentId must be ≥ 1');
  return {
    command: {
      device: getAddress(device),
      consentId: id,
      command,
      args: args.toLowerCase() as Hex,
      nonce: uintOf(nonce, 'command.nonce', UINT64_MAX),
      expiresAt: uintOf(expiresAt, 'command.expiresAt', UINT64_MAX),
    },
    recipient: getAddress(recipient),
  };
}

export function commandToJson(command: PythiaCommand, recipient: Address): CommandJson {
  return {
    device: command.device,
    consentId: command.consentId.toString(),
    command: command.command,
    args: command.args,
    nonce: command.nonce.toString(),
    expiresAt: command.expiresAt.toString(),
    recipient,
  };
}

export type VerifyCommandParameters = SignedCommand & {
  domain: CommandDomain;
  /** Unix seconds of the checker's clock. */
  now: number;
  /** Default MAX_COMMAND_LIFETIME_SECONDS. */
  maxLifetimeSeconds?: number;
};

/**
 * Checks a signed command, in this order: the code is in the catalogue (unknown_command), the
 * signature's format and low s, that it recovers the claimed recipient (bad_signature), and the
 * expiry: not past (command_expired), not more than maxLifetimeSeconds ahead
 * (command_expiry_too_far). Returns the digest (the command id). Throws CommandError.
 */
export function verifyCommand(parameters: VerifyCommandParameters): { digest: Hex } {
  const { command, recipient, signature, domain, now } = parameters;
  if (commandName(command.command) === undefined) {
    throw new CommandError(
      'unknown_command',
      `command code ${command.command} is not in the catalogue (0..${commandCatalogue.length - 1})`,
    );
  }
  try {
    splitSignature(signature); // format and low s
  } catch (error) {
    if (error instanceof SignatureFormatError) throw new CommandError(error.reason, error.message);
    throw error;
  }
  const digest = commandDigest(domain, command);
  const signer = recoverDigestSigner(hexToBytes(digest), signature);
  if (!signer || signer.toLowerCase() !== recipient.toLowerCase()) {
    throw new CommandError('bad_signature', `the signature is not a PythiaCommand by ${recipient} for this chain and consent registry`);
  }
  const maxLifetime = BigInt(parameters.maxLifetimeSeconds ?? MAX_COMMAND_LIFETIME_SECONDS);
  const nowBig = BigInt(Math.floor(now));
  if (command.expiresAt <= nowBig) throw new CommandError('command_expired', `the command expired at ${command.expiresAt} (now ${nowBig})`);
  if (command.expiresAt > nowBig + maxLifetime) {
    throw new CommandError('command_expiry_too_far', `expiresAt ${command.expiresAt} is more than ${maxLifetime} s ahead of ${nowBig}`);
  }
  return { digest };
}

/**
 * What the gateway publishes on `pythia/v1/devices/{id}/commands` (JSON): the recipient-signed
 * command, its id (the EIP-712 digest) and the block the gateway checked the consent at (the
 * device's lower bound for the freshness of its own check).
 */
export type CommandEnvelope = { id: Hex; command: CommandJson; signature: Hex; checkedAtBlock: string };

/**
 * A consent refusal (IConsentRegistry.Refusal, by its name in src/chain/consent) as the reason the
 * gateway answers and the device reports: the same words on both sides.
 */
