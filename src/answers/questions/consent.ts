import { bytesToHex, getAddress, hexToBytes, isAddress, type Address } from 'viem';
import { refusalNames, type RefusalName } from '../../protocol/consentRefusal.js';
import { consentRegistryAbi } from '../../contracts/abis.js';
import type { Question } from './types.js';

export type ConsentParams = {
  /** The device the consent must cover (normally the asker itself). */
  device: Address;
  /** Who wants to read or command it (the signer of a command). */
  recipient: Address;
  consentId: bigint;
  /** Stream bits that must be covered (bit i = metric i); 0 = none. */
  streams: number;
  /** Command bits that must be covered (bit c = command code c); 0 = none. */
  commands: number;
};

export type ConsentAnswer = {
  /** ConsentRegistry.checkConsent said None at the answer's block. */
  permitted: boolean;
  /** The registry's reason (IConsentRegistry.Refusal): 'none' when permitted. */
  refusal: RefusalName;
  consentId: bigint;
  /** The consent's expiry (Unix seconds, exclusive); 0 for an unknown consent. */
  expiry: bigint;
};

const UINT64_MAX = (1n << 64n) - 1n;
const UINT256_MAX = (1n << 256n) - 1n;
const UINT32_MAX = 0xffffffff;

const bigOf = (v: unknown, max: bigint): bigint | undefined => {
  const n =
    typeof v === 'bigint'
      ? v
      : typeof v === 'number' && Number.isSafeInteger(v)
        ? BigInt(v)
        : typeof v === 'string' && /^(0|[1-9][0-9]{0,77})$/.test(v)
          ? BigInt(v)
          : undefined;
  return n !== undefined && n >= 0n && n <= max ? n : undefined;
};
const maskOf = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= UINT32_MAX ? v : undefined;
const addressOf = (v: unknown): Address | undefined =>
  typeof v === 'string' && isAddress(v, { strict: false })
    ? getAddress(v)
    : v instanceof Uint8Array && v.length === 20
      ? getAddress(bytesToHex(v))
      : undefined;

/**
 * Question 4, `consent`: does this consent permit `recipient` these streams and commands on
 * `device` now (ConsentRegistry.checkConsent at the answer's block)? A device asks it before
 * acting on a command (sdk createCommandGuard) with commands = 1 << the command's code.
 * params: [device: bstr .size 20, recipient: bstr .size 20, consentId: uint, streams: uint, commands: uint].
 * answer: [permitted: bool, refusal: uint (IConsentRegistry.Refusal, 0 = none), consentId: uint, expiry: uint].
 */
export const consentQuestion: Question<ConsentParams, ConsentAnswer> = {
  id: 4,
  name: 'consent',
  requires: 'consentRegistry',
  parseParams(json) {
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new Error('params must be { device, recipient, consentId, streams, commands }');
    const { device, recipient, consentId, streams, commands, ...rest } = json as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw new Error('consent takes only device, recipient, consentId, streams and commands');
    const d = typeof device === 'string' ? addressOf(device) : undefined;
    const r = typeof recipient === 'string' ? addressOf(recipient) : undefined;
    if (!d) throw new Error('params.device must be a device id (0x + 40 hex digits)');
    if (!r) throw new Error('params.recipient must be an address (0x + 40 hex digits)');
    const id = bigOf(consentId, UINT256_MAX);
    if (id === undefined || id === 0n) throw new Error('params.consentId must be an integer ≥ 1 (a decimal string for large ones)');
    const s = maskOf(streams ?? 0);
    const c = maskOf(commands ?? 0);
    if (s === undefined || c === undefined) throw new Error('params.streams and params.commands must be uint32 bit masks');
    if (s === 0 && c === 0) throw new Error('params.streams or params.commands must name something to check');
    return { device: d, recipient: r, consentId: id, streams: s, commands: c };
  },
  encodeParams: (p) => [hexToBytes(p.device), hexToBytes(p.recipient), p.consentId, p.streams, p.commands],
  decodeParams(value) {
    if (!Array.isArray(value) || value.length !== 5)
      throw new Error('consent params must be [device, recipient, consentId, streams, commands]');
    const [device, recipient, consentId, streams, commands] = value as unknown[];
    const d = device instanceof Uint8Array ? addressOf(device) : undefined;
    const r = recipient instanceof Uint8Array ? addressOf(recipient) : undefined;
    if (!d || !r) throw new Error('consent device and recipient must be 20 bytes each');
    const id = typeof consentId === 'string' ? undefined : bigOf(consentId, UINT256_MAX);
    const s = maskOf(streams);
    const c = maskOf(commands);
    if (id === undefined || id === 0n || s === undefined || c === undefined || (s === 0 && c === 0)) {
      throw new Error('consent consentId must be ≥ 1 and streams/commands uint32 masks, not both 0');
    }
    return { device: d, recipient: r, consentId: id, streams: s, commands: c };
  },
  async resolve({ publicClient, contracts, blockNumber }, { device, recipient, consentId, streams, commands }) {
    const address = contracts.consentRegistry!;
    const [code, stored] = await Promise.all([
      publicClient.readContract({
        address,
        abi: consentRegistryAbi,
        functionName: 'checkConsent',
        args: [consentId, device, recipient, streams, commands],
        blockNumber,
      }),
      // consent() reverts UnknownConsent: checkConsent says so too, and the expiry is then 0.
      publicClient
        .readContract({ address, abi: consentRegistryAbi, functionName: 'consent', args: [consentId], blockNumber })
        .catch(() => undefined),
    ]);
    const refusal = refusalNames[code];
    if (!refusal) throw new Error(`the consent registry answered an unknown refusal ${code}`);
    if (refusal !== 'unknown-consent' && !stored) throw new Error(`could not read consent ${consentId}`);
    return { permitted: refusal === 'none', refusal, consentId, expiry: stored && refusal !== 'unknown-consent' ? stored.expiry : 0n };
  },
  encodeAnswer: (a) => [a.permitted, refusalNames.indexOf(a.refusal), a.consentId, a.expiry],
  decodeAnswer(value) {
    if (!Array.isArray(value) || value.length !== 4) throw new Error('consent answer must be [permitted, refusal, consentId, expiry]');
    const [permitted, refusal, consentId, expiry] = value as unknown[];
    if (typeof permitted !== 'boolean') throw new Error('consent permitted must be a boolean');
    if (typeof refusal !== 'number' || !Number.isInteger(refusal) || refusalNames[refusal] === undefined) {
      throw new Error(`consent refusal must be 0..${refusalNames.length - 1}`);
    }
    if (permitted !== (refusal === 0)) throw new Error('consent: permitted must be true exactly when the refusal is 0');
    const id = typeof consentId === 'string' ? undefined : bigOf(consentId, UINT256_MAX);
    const exp = typeof expiry === 'string' ? undefined : bigOf(expiry, UINT64_MAX);
    if (id === undefined || id === 0n) throw new Error('consent consentId must be an integer ≥ 1');
    if (exp === undefined) throw new Error('consent expiry must be a uint64');
    if (permitted && exp === 0n) throw new Error('consent: a permitting consent has an expiry');
    return { permitted, refusal: refusalNames[refusal]!, consentId: id, expiry: exp };
  },
};
