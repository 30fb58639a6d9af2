/**
 * Trap streets (issue #5): canary values a Pythia gives a data recipient, and their on-chain
 * commitments (contracts/src/CanaryRegistry.sol, docs/contracts.md "Trap streets").
 *
 * A canary is a reading value moved by 1 or 2 least significant bits of the metric's fixed-point
 * scale: within the sensor's noise, so the data stays as useful, but different per recipient, so
 * a copy that turns up elsewhere tells who passed it on. Everything is derived from the Pythia's
 * canary secret, so the gateway stores nothing per canary: it can recompute the value and the salt
 * of any (recipient, consent, device, stream, sequence) when the owner needs to reveal one.
 *
 *   offset     = one of −2, −1, +1, +2, from HMAC-SHA256(secret, "pythia-canary-offset" ‖ …)
 *   value      = reading + offset, kept inside the profile's [min, max] (the offset flips sign at a bound)
 *   salt       = HMAC-SHA256(secret, "pythia-canary-salt" ‖ …): 32 bytes, hides the value until revealed
 *   commitment = keccak256(abi.encode(address recipient, uint256 consentId, address device,
 *                                     uint8 stream, int16 value, uint64 sequence, bytes32 salt))
 *
 * One reading admits only four canary values, so two recipients of one reading may be given the
 * same value; CanaryRegistry attributes one leaked value of a reading once (ReadingAlreadyAttributed).
 * Give a recipient canaries in many readings and claim the one whose values match the leaked data.
 */
import { createHmac } from 'node:crypto';
import { encodeAbiParameters, getAddress, isHex, keccak256, type Address, type Hex } from 'viem';

export const INT16_MIN = -32768;
export const INT16_MAX = 32767;

/** What the owner reveals to CanaryRegistry.claimLeak (and what the commitment hashes). */
export type CanaryReveal = {
  recipient: Address;
  consentId: bigint;
  device: Address;
  /** Metric index in the device's profile (bit of the consent's streams), 0..255. */
  stream: number;
  /** The canary value, int16 in the metric's fixed-point scale. */
  value: number;
  /** The reading's sequence number. */
  sequence: bigint;
  salt: Hex;
};

export type Canary = CanaryReveal & { offset: number; commitment: Hex };

export type CanaryInput = {
  /** The Pythia's canary secret (at least 16 bytes, hex). Never leaves the gateway. */
  secret: Hex;
  recipient: Address;
  consentId: bigint;
  device: Address;
  stream: number;
  sequence: bigint;
  /** The true reading, raw int16. */
  reading: number;
  /** The metric's profile bounds (Profile.minValue[stream], maxValue[stream]). */
  min: number;
  max: number;
  /** Largest offset in LSB: 1 or 2 (default 2). */
  maxOffset?: 1 | 2;
};

export class CanaryError extends Error {}

const UINT64_MAX = (1n << 64n) - 1n;

function checkInput(input: Omit<CanaryInput, 'reading' | 'min' | 'max'>): void {
  if (!isHex(input.secret) || input.secret.length < 2 + 32) throw new CanaryError('the canary secret must be at least 16 bytes of hex');
  if (!Number.isInteger(input.stream) || input.stream < 0 || input.stream > 255) throw new CanaryError('stream must be 0..255');
  if (input.sequence < 0n || input.sequence > UINT64_MAX) throw new CanaryError('sequence must be a uint64');
  if (input.consentId <= 0n) throw new CanaryError('consentId must be positive');
}

/** The HMAC input: a domain tag and the fields, ABI-encoded (unambiguous). */
function derive(secret: Hex, tag: string, input: Omit<CanaryInput, 'secret' | 'reading' | 'min' | 'max' | 'maxOffset'>): Buffer {
  const message = encodeAbiParameters(
    [{ type: 'string' }, { type: 'address' }, { type: 'uint256' }, { type: 'address' }, { type: 'uint8' }, { type: 'uint64' }],
    [tag, getAddress(input.recipient), input.consentId, getAddress(input.device), input.stream, input.sequence],
  );
  return createHmac('sha256', Buffer.from(secret.slice(2), 'hex'))
    .update(Buffer.from(message.slice(2), 'hex'))
    .digest();
}

/** The recipient's offset for one reading: ±1 or ±2 LSB (±1 with maxOffset 1), never 0. */
export function canaryOffset(input: Omit<CanaryInput, 'reading' | 'min' | 'max'>): number {
  checkInput(input);
  const byte = derive(input.secret, 'pythia-canary-offset', input)[0]!;
  const magnitude = input.maxOffset === 1 ? 1 : 1 + (byte & 1);
  return byte & 2 ? magnitude : -magnitude;
}

/** The salt of one canary (32 bytes), recomputable from the secret when the owner reveals it. */
export function canarySalt(input: Omit<CanaryInput, 'reading' | 'min' | 'max'>): Hex {
  checkInput(input);
  return `0x${derive(input.secret, 'pythia-canary-salt', input).toString('hex')}`;
}

/**
 * The canary value of a reading for one recipient: reading + offset, inside [min, max]. At a bound
 * the offset changes sign, so the value always differs from the reading and never leaves the profile.
 */
export function canaryValue(input: CanaryInput): { value: number; offset: number } {
  const { reading, min, max } = input;
  for (const [name, v] of [
    ['reading', reading],
    ['min', min],
    ['max', max],
  ] as const) {
    if (!Number.isInteger(v) || v < INT16_MIN || v > INT16_MAX) throw new CanaryError(`${name} must be an int16`);
  }
  if (min > max) throw new CanaryError('min must not exceed max');
  if (reading < min || reading > max) throw new CanaryError(`the reading ${reading} is outside the profile bounds [${min}, ${max}]`);
  if (max - min < 1) throw new CanaryError('the profile range leaves no room for a canary');
  let offset = canaryOffset(input);
  if (reading + offset > max || reading + offset < min) offset = -offset;
  // A range narrower than the offset: fall back to one LSB in the direction that fits.
  if (reading + offset > max || reading + offset < min) offset = reading + 1 <= max ? 1 : -1;
  return { value: reading + offset, offset };
}

/** keccak256(abi.encode(recipient, consentId, device, uint8 stream, int16 value, uint64 sequence, salt)): CanaryRegistry's formula. */
export function canaryCommitment(reveal: CanaryReveal): Hex {
  if (!Number.isInteger(reveal.value) || reveal.value < INT16_MIN || reveal.value > INT16_MAX)
    throw new CanaryError('value must be an int16');
  if (!isHex(reveal.salt) || reveal.salt.length !== 66) throw new CanaryError('salt must be 32 bytes');
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'address' },
        { type: 'uint256' },
        { type: 'address' },
        { type: 'uint8' },
        { type: 'int16' },
        { type: 'uint64' },
        { type: 'bytes32' },
      ],
      [
        getAddress(reveal.recipient),
        reveal.consentId,
        getAddress(reveal.device),
        reveal.stream,
        reveal.value,
        reveal.sequence,
        reveal.salt,
      ],
    ),
  );
}

/** keccak256(abi.encode(device, uint8 stream, uint64 sequence, int16 value)): CanaryRegistry.readingAttributed's key. */
export function canaryReadingKey(reveal: Pick<CanaryReveal, 'device' | 'stream' | 'sequence' | 'value'>): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'address' }, { type: 'uint8' }, { type: 'uint64' }, { type: 'int16' }],
      [getAddress(reveal.device), reveal.stream, reveal.sequence, reveal.value],
    ),
  );
}

/** A recipient's canary for one reading: value, salt and commitment (what the gateway commits). */
export function makeCanary(input: CanaryInput): Canary {
  const { value, offset } = canaryValue(input);
  const reveal: CanaryReveal = {
    recipient: getAddress(input.recipient),
    consentId: input.consentId,
    device: getAddress(input.device),
    stream: input.stream,
    value,
    sequence: input.sequence,
    salt: canarySalt(input),
  };
  return { ...reveal, offset, commitment: canaryCommitment(reveal) };
}

/**
 * Whether a reading carries a canary for a recipient: about one reading in `every` (deterministic
 * from the secret, so the gateway and the owner agree without storing anything).
 */
export function isCanaryReading(input: Omit<CanaryInput, 'reading' | 'min' | 'max'>, every: number): boolean {
  if (!Number.isSafeInteger(every) || every < 1) throw new CanaryError('every must be a positive integer');
  checkInput(input);
  return derive(input.secret, 'pythia-canary-select', input).readUInt32BE(0) % every === 0;
}
