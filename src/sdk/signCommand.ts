import { getAddress, hexToBytes, type Address, type Hex } from 'viem';
import {
  commandDigest,
  commandToJson,
  MAX_COMMAND_ARGS_BYTES,
  MAX_COMMAND_LIFETIME_SECONDS,
  type CommandJson,
  type PythiaCommand,
} from '../protocol/command.js';
import { commandCatalogue, type CommandName } from '../protocol/consentScope.js';
import { signDigest } from '../protocol/signDigest.js';
import { deviceKeyFromPrivateKey } from './deviceKeyFromPrivateKey.js';
import { gatewayRequest } from './gatewayRequest.js';
import { randomNonce } from './randomNonce.js';

export type SignCommandParameters = {
  /** The recipient's key: the consent's recipient signs its own commands. */
  privateKey: Hex;
  chainId: number;
  /** The ConsentRegistry (deployment.json contracts.consentRegistry): the EIP-712 verifying contract. */
  consentRegistry: Address;
  device: Address;
  consentId: bigint | number;
  /** A catalogue name ('identify') or code (3). */
  command: CommandName | number;
  /** Arguments, 0x hex, at most 256 bytes. Default none. */
  args?: Hex;
  /** uint64, used once per recipient. Default: 8 random bytes (≥ 1). */
  nonce?: bigint;
  /** Unix seconds. Default now + 120 s (the gateway and the device accept at most 300 s ahead). */
  expiresAt?: bigint;
  /** Unix seconds; default the system clock. */
  now?: number;
};

export type SignCommandReturnType = {
  /** The command id: its EIP-712 digest (also the AccessLog's commandHash). */
  id: Hex;
  command: CommandJson;
  signature: Hex;
};

const UINT64_MAX = (1n << 64n) - 1n;

/**
 * Signs a command as the consent's recipient: EIP-712 PythiaCommand(address device,uint256 consentId,
 * uint8 command,bytes args,uint64 nonce,uint64 expiresAt), domain "Pythia Command" / "1" / chainId /
 * the ConsentRegistry; 65 bytes r ‖ s ‖ v, low s. The result is the body of POST /v1/devices/{id}/commands.
 */
export function signCommand(parameters: SignCommandParameters): SignCommandReturnType {
  const code = typeof parameters.command === 'number' ? parameters.command : commandCatalogue.indexOf(parameters.command);
  if (!Number.isInteger(code) || code < 0 || code > 255 || commandCatalogue[code] === undefined) {
    throw new RangeError(`unknown command ${String(parameters.command)}: one of ${commandCatalogue.join(', ')}`);
  }
  const args = (parameters.args ?? '0x').toLowerCase() as Hex;
  if (!/^0x(?:[0-9a-f]{2})*$/.test(args) || (args.length - 2) / 2 > MAX_COMMAND_ARGS_BYTES) {
    throw new RangeError(`args must be 0x + even-length hex, at most ${MAX_COMMAND_ARGS_BYTES} bytes`);
  }
  const now = parameters.now ?? Math.floor(Date.now() / 1000);
  const nonce = parameters.nonce ?? randomNonce();
  const expiresAt = parameters.expiresAt ?? BigInt(now + Math.min(120, MAX_COMMAND_LIFETIME_SECONDS));
  if (nonce < 0n || nonce > UINT64_MAX || expiresAt < 0n || expiresAt > UINT64_MAX) throw new RangeError('nonce and expiresAt are uint64');
  const consentId = BigInt(parameters.consentId);
  if (consentId < 1n) throw new RangeError('consentId must be ≥ 1');
  const command: PythiaCommand = { device: getAddress(parameters.device), consentId, command: code, args, nonce, expiresAt };
  const id = commandDigest({ chainId: parameters.chainId, consentRegistry: parameters.consentRegistry }, command);
  const { deviceId: recipient } = deviceKeyFromPrivateKey(parameters.privateKey);
  return { id, command: commandToJson(command, recipient), signature: signDigest(hexToBytes(parameters.privateKey), hexToBytes(id)) };
}

export type SendCommandParameters = {
  gatewayUrl: string;
  signed: Pick<SignCommandReturnType, 'command' | 'signature'>;
  fetch?: typeof fetch;
  timeoutMs?: number;
};

/** What the gateway answers (202): the command as relayed. */
export type SentCommand = {
  id: Hex;
  device: Address;
  recipient: Address;
  consentId: string;
  command: number;
  commandName: string;
  status: 'accepted' | 'published';
  checkedAtBlock: number;
  log: { actionId: number; status: string; txHash: Hex | null; blockNumber: number | null; error: string | null } | null;
};

/**
 * POSTs a signed command to the gateway, once (a retry after a lost answer would be a replay of the
 * nonce); a refusal is a GatewayRejection with the gateway's reason (e.g. consent_revoked), a
 * network error or 5xx a GatewayUnavailable.
 */
export async function sendCommand({ gatewayUrl, signed, fetch: fetchFn, timeoutMs = 10_000 }: SendCommandParameters): Promise<SentCommand> {
  const { body } = await gatewayRequest({
    url: `${gatewayUrl.replace(/\/+$/, '')}/v1/devices/${signed.command.device.toLowerCase()}/commands`,
    method: 'POST',
    body: { command: signed.command, signature: signed.signature },
    retry: { attempts: 1, timeoutMs },
    ...(fetchFn && { fetch: fetchFn }),
  });
  return body as SentCommand;
}
