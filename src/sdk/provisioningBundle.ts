import { getAddress, isAddress, type Address, type Hex } from 'viem';
import { deviceIdFromPublicKey } from '../protocol/deviceId.js';
import type { TrustedKey } from '../answers/trustedKeys.js';

/**
 * What a device is given at manufacture or onboarding to trust its Pythia: the chain, the
 * contracts, the Pythia keys it may trust (and their attestation), how fresh answers must be,
 * and where the gateways are. JSON; parseProvisioningBundle validates every field.
 */
export type ProvisioningBundle = {
  version: 1;
  chainId: number;
  contracts: {
    fleet: Address;
    pythiaRegistry?: Address;
    deviceOwnership?: Address;
    firmwareRegistry?: Address;
    /** The ConsentRegistry: the EIP-712 domain of recipients' commands (createCommandGuard). */
    consentRegistry?: Address;
  };
  pythiaKeys: PythiaKeyEntry[];
  attestationPolicy: { requireAttested: boolean; allowedMeasurements?: Hex[] };
  freshness: { maxAgeSeconds: number; maxAgeBlocks: number };
  gatewayUrls: string[];
  /**
   * The chain's Clique validators at genesis and its epoch: what a device that trusts the chain,
   * not the Pythia, checks headers against (docs/protocol.md, "Chain proofs"; from there it follows
   * the checkpoints). Absent: the device verifies signed answers only.
   */
  clique?: { epoch: number; validators: Address[] };
};

export type PythiaKeyEntry = {
  address: Address;
  /** 64-byte X ‖ Y (or 65-byte 0x04 ‖ X ‖ Y), 0x hex: lets the device verify with one ECDSA verification. */
  publicKey: Hex;
  /** The key is bound to TEE attestation evidence (Pythia registry). */
  attested: boolean;
  /** The attested code measurement (MRENCLAVE / MRTD), 0x hex. */
  measurement?: Hex;
  /** Withdrawn: never trusted, whatever else holds. */
  revoked?: boolean;
};

export class ProvisioningBundleError extends Error {
  override readonly name = 'ProvisioningBundleError';
  constructor(
    readonly field: string,
    why: string,
  ) {
    super(`provisioning bundle: ${field} ${why}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const hexOf = (v: unknown, field: string, bytes?: number[]): Hex => {
  if (typeof v !== 'string' || !/^0x(?:[0-9a-fA-F]{2})+$/.test(v))
    throw new ProvisioningBundleError(field, 'must be 0x-prefixed even-length hex');
  if (bytes && !bytes.includes((v.length - 2) / 2)) throw new ProvisioningBundleError(field, `must be ${bytes.join(' or ')} bytes`);
  return v as Hex;
};
const addressOf = (v: unknown, field: string): Address => {
  if (typeof v !== 'string' || !isAddress(v, { strict: false }))
    throw new ProvisioningBundleError(field, 'must be an address (0x + 40 hex digits)');
  return getAddress(v);
};
const uintOf = (v: unknown, field: string, min = 0): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new ProvisioningBundleError(field, `must be an integer ≥ ${min}`);
  return v;
};
function onlyKeys(raw: Record<string, unknown>, field: string, keys: string[]) {
  for (const key of Object.keys(raw))
    if (!keys.includes(key)) throw new ProvisioningBundleError(field ? `${field}.${key}` : key, 'is not a bundle field');
}

/** Validates a bundle (parsed JSON or its text), with an error naming the first bad field. */
export function parseProvisioningBundle(input: unknown): ProvisioningBundle {
  let raw = input;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch (error) {
      throw new ProvisioningBundleError('', `is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (!isObject(raw)) throw new ProvisioningBundleError('', 'must be a JSON object');
  onlyKeys(raw, '', ['version', 'chainId', 'contracts', 'pythiaKeys', 'attestationPolicy', 'freshness', 'gatewayUrls', 'clique']);
  if (raw.version !== 1) throw new ProvisioningBundleError('version', 'must be 1');
  const chainId = uintOf(raw.chainId, 'chainId', 1);
  if (!isObject(raw.contracts)) throw new ProvisioningBundleError('contracts', 'must be an object');
  const optionalContracts = ['pythiaRegistry', 'deviceOwnership', 'firmwareRegistry', 'consentRegistry'] as const;
  onlyKeys(raw.contracts, 'contracts', ['fleet', ...optionalContracts]);
  const contracts: ProvisioningBundle['contracts'] = { fleet: addressOf(raw.contracts.fleet, 'contracts.fleet') };
  for (const name of optionalContracts) {
    if (raw.contracts[name] !== undefined) contracts[name] = addressOf(raw.contracts[name], `contracts.${name}`);
  }

  if (!Array.isArray(raw.pythiaKeys) || raw.pythiaKeys.length === 0)
    throw new ProvisioningBundleError('pythiaKeys', 'must be a non-empty array');
  const pythiaKeys = raw.pythiaKeys.map((k: unknown, i): PythiaKeyEntry => {
    const field = `pythiaKeys[${i}]`;
    if (!isObject(k)) throw new ProvisioningBundleError(field, 'must be an object');
    onlyKeys(k, field, ['address', 'publicKey', 'attested', 'measurement', 'revoked']);
    const address = addressOf(k.address, `${field}.address`);
    const publicKey = hexOf(k.publicKey, `${field}.publicKey`, [64, 65]);
    if (deviceIdFromPublicKey(publicKey) !== address)
      throw new ProvisioningBundleError(`${field}.publicKey`, `is not the key of ${address}`);
    if (typeof k.attested !== 'boolean') throw new ProvisioningBundleError(`${field}.attested`, 'must be true or false');
    const entry: PythiaKeyEntry = { address, publicKey, attested: k.attested };
    if (k.measurement !== undefined) entry.measurement = hexOf(k.measurement, `${field}.measurement`, [32, 48]);
    if (k.measurement !== undefined && !k.attested)
      throw new ProvisioningBundleError(`${field}.measurement`, 'is given for an unattested key');
    if (k.revoked !== undefined) {
      if (typeof k.revoked !== 'boolean') throw new ProvisioningBundleError(`${field}.revoked`, 'must be true or false');
      entry.revoked = k.revoked;
    }
    return entry;
  });

  const policy = raw.attestationPolicy;
  if (!isObject(policy)) throw new ProvisioningBundleError('attestationPolicy', 'must be an object');
  onlyKeys(policy, 'attestationPolicy', ['requireAttested', 'allowedMeasurements']);
  if (typeof policy.requireAttested !== 'boolean')
    throw new ProvisioningBundleError('attestationPolicy.requireAttested', 'must be true or false');
  const attestationPolicy: ProvisioningBundle['attestationPolicy'] = { requireAttested: policy.requireAttested };
  if (policy.allowedMeasurements !== undefined) {
    if (!Array.isArray(policy.allowedMeasurements))
      throw new ProvisioningBundleError('attestationPolicy.allowedMeasurements', 'must be an array');
    attestationPolicy.allowedMeasurements = policy.allowedMeasurements.map((m, i) =>
      hexOf(m, `attestationPolicy.allowedMeasurements[${i}]`, [32, 48]),
    );
  }

  if (!isObject(raw.freshness)) throw new ProvisioningBundleError('freshness', 'must be an object');
  onlyKeys(raw.freshness, 'freshness', ['maxAgeSeconds', 'maxAgeBlocks']);
  const freshness = {
    maxAgeSeconds: uintOf(raw.freshness.maxAgeSeconds, 'freshness.maxAgeSeconds', 1),
    maxAgeBlocks: uintOf(raw.freshness.maxAgeBlocks, 'freshness.maxAgeBlocks', 1),
  };

  if (!Array.isArray(raw.gatewayUrls) || raw.gatewayUrls.length === 0)
    throw new ProvisioningBundleError('gatewayUrls', 'must be a non-empty array');
  const gatewayUrls = raw.gatewayUrls.map((u: unknown, i) => {
    let url: URL;
    try {
      url = new URL(String(u));
    } catch {
      throw new ProvisioningBundleError(`gatewayUrls[${i}]`, 'must be an http(s) URL');
    }
    if (typeof u !== 'string' || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw new ProvisioningBundleError(`gatewayUrls[${i}]`, 'must be an http(s) URL');
    return u;
  });
  const bundle: ProvisioningBundle = { version: 1, chainId, contracts, pythiaKeys, attestationPolicy, freshness, gatewayUrls };
  if (raw.clique !== undefined) bundle.clique = cliqueOf(raw.clique);
  return bundle;
}

function cliqueOf(raw: unknown): NonNullable<ProvisioningBundle['clique']> {
  if (!isObject(raw)) throw new ProvisioningBundleError('clique', 'must be an object');
  onlyKeys(raw, 'clique', ['epoch', 'validators']);
  const epoch = uintOf(raw.epoch, 'clique.epoch', 1);
  if (!Array.isArray(raw.validators) || raw.validators.length === 0)
    throw new ProvisioningBundleError('clique.validators', 'must be a non-empty array');
  const validators = raw.validators.map((v, i) => addressOf(v, `clique.validators[${i}]`));
  if (new Set(validators).size !== validators.length) throw new ProvisioningBundleError('clique.validators', 'must not repeat a validator');
  return { epoch, validators };
}

/** The trust a device starts from (followCliqueCheckpoint, verifyDeviceStatusProof): the bundle's genesis validators at checkpoint 0. */
export function cliqueTrustOf(bundle: ProvisioningBundle): { validators: Address[]; checkpoint: bigint; epoch: bigint } | undefined {
  return bundle.clique && { validators: [...bundle.clique.validators], checkpoint: 0n, epoch: BigInt(bundle.clique.epoch) };
}

/**
 * The Pythia keys a device may trust under the bundle's policy: never a revoked key; with
 * requireAttested, only attested keys, and with allowedMeasurements, only those whose
 * measurement is listed.
 */
export function trustedKeysOf(bundle: ProvisioningBundle): TrustedKey[] {
  const { requireAttested, allowedMeasurements } = bundle.attestationPolicy;
  const allowed = allowedMeasurements?.map((m) => m.toLowerCase());
  return bundle.pythiaKeys
    .filter((k) => !k.revoked)
    .filter((k) => !requireAttested || k.attested)
    .filter((k) => !requireAttested || !allowed || (k.measurement !== undefined && allowed.includes(k.measurement.toLowerCase())))
    .map((k) => ({ address: k.address, publicKey: k.publicKey }));
}
