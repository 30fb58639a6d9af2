import { encodeAbiParameters, getAddress, isAddress, isHex, keccak256, toBytes, type Address, type Hex, type PublicClient } from 'viem';
import { consentRegistryAbi } from '../../contracts/abis.js';
import { readConsent, type ConsentRecord, type ConsentStatus } from './readConsent.js';
import { maskToCommands, maskToStreams } from '../../protocol/consentScope.js';

/**
 * Consent receipts: a Kantara Consent Receipt v1.1 (with the ISO/IEC 27560 record fields it shares)
 * for one on-chain consent, plus a `pythia` block that ties it to the chain. Anyone holding the
 * receipt can recompute the consent's terms hash from it and compare with the ConsentRegistry.
 */

export const CONSENT_RECEIPT_VERSION = 'KI-CR-v1.1.0';

export type ConsentReceipt = {
  version: typeof CONSENT_RECEIPT_VERSION;
  jurisdiction: string;
  /** Seconds since the Unix epoch (Kantara CR v1.1): the block time of the grant. */
  consentTimestamp: number;
  collectionMethod: string;
  consentReceiptID: string;
  publicKey?: string;
  language: string;
  /** The device owner (the PII principal), an Ethereum account. */
  piiPrincipalId: Address;
  piiControllers: Array<{ piiController: Address; onBehalf: boolean; contact: string; piiControllerUrl?: string }>;
  policyUrl: string;
  services: Array<{
    service: string;
    purposes: Array<{
      purpose: string;
      purposeCategory: string[];
      consentType: 'EXPLICIT';
      piiCategory: string[];
      primaryPurpose: boolean;
      termination: string;
      thirdPartyDisclosure: boolean;
    }>;
  }>;
  sensitive: boolean;
  spiCat: string[];
  pythia: {
    chainId: number;
    contract: Address;
    consentId: string;
    txHash: Hex;
    blockNumber: string;
    termsHash: Hex;
    devices: Array<{ device: Address; epoch: string }>;
    streams: number;
    streamNames: string[];
    commands: number;
    commandNames: string[];
    policyId: Hex;
    /** Unix seconds; expiry is exclusive. */
    start: string;
    expiry: string;
    grantedBy: Address;
  };
};

export type BuildConsentReceiptParameters = {
  consent: ConsentRecord;
  chainId: number;
  registry: Address;
  jurisdiction?: string;
  language?: string;
  /** Where the governing policy document can be read; default a urn naming the policy id (or none). */
  policyUrl?: string;
  /** The owner's public key, if it wants it in the receipt. */
  publicKey?: string;
};

const iso = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString();

/** The receipt of a consent read from the chain (readConsent). */
export function buildConsentReceipt(parameters: BuildConsentReceiptParameters): ConsentReceipt {
  const { consent: c, chainId, registry } = parameters;
  const streamNames = maskToStreams(c.streams);
  const commandNames = maskToCommands(c.commands);
  const hasPolicy = /^0x0{64}$/.test(c.policyId) === false;
  return {
    version: CONSENT_RECEIPT_VERSION,
    jurisdiction: parameters.jurisdiction ?? 'EU',
    consentTimestamp: Number(c.grantedAt),
    collectionMethod:
      c.grantedBy.toLowerCase() === c.owner.toLowerCase()
        ? 'Signed transaction by the device owner to the Pythia ConsentRegistry (grantConsent)'
        : `Transaction by ${c.grantedBy}, a grant agent the device owner approved, to the Pythia ConsentRegistry (grantConsentFor)`,
    consentReceiptID: `urn:pythia:consent:${chainId}:${getAddress(registry)}:${c.consentId}`,
    ...(parameters.publicKey ? { publicKey: parameters.publicKey } : {}),
    language: parameters.language ?? 'en',
    piiPrincipalId: c.owner,
    piiControllers: [{ piiController: c.recipient, onBehalf: false, contact: `ethereum:${c.recipient}@${chainId}` }],
    policyUrl: parameters.policyUrl ?? (hasPolicy ? `urn:pythia:policy:${c.policyId}` : 'urn:pythia:policy:none'),
    services: [
      {
        service: 'Pythia IoT device data and commands',
        purposes: [
          {
            purpose: c.purpose,
            purposeCategory: [],
            consentType: 'EXPLICIT',
            piiCategory: [...streamNames.map((s) => `stream:${s}`), ...commandNames.map((n) => `command:${n}`)],
            primaryPurpose: true,
            termination: `${iso(c.expiry)} (exclusive), on revocation by the owner, or on transfer of a device (for that device)`,
            thirdPartyDisclosure: false,
          },
        ],
      },
    ],
    sensitive: false,
    spiCat: [],
    pythia: {
      chainId,
      contract: getAddress(registry),
      consentId: c.consentId.toString(),
      txHash: c.transactionHash,
      blockNumber: c.blockNumber.toString(),
      termsHash: c.termsHash,
      devices: c.devices.map((d) => ({ device: d.device, epoch: d.epoch.toString() })),
      streams: c.streams,
      streamNames,
      commands: c.commands,
      commandNames,
      policyId: c.policyId,
      start: c.start.toString(),
      expiry: c.expiry.toString(),
      grantedBy: c.grantedBy,
    },
  };
}

export type ConsentTermsInput = {
  chainId: number;
  registry: Address;
  consentId: bigint;
  owner: Address;
  recipient: Address;
  devices: readonly Address[];
  epochs: readonly bigint[];
  streams: number;
  commands: number;
  policyId: Hex;
  purpose: string;
  start: bigint;
  expiry: bigint;
};

/** ConsentRegistry.consentTermsHash, computed off chain (docs/contracts.md, "Consent"). */
export function consentTermsHash(t: ConsentTermsInput): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'uint256' },
        { type: 'address' },
        { type: 'uint256' },
        { type: 'address' },
        { type: 'address' },
        { type: 'address[]' },
        { type: 'uint64[]' },
        { type: 'uint32' },
        { type: 'uint32' },
        { type: 'bytes32' },
        { type: 'bytes32' },
        { type: 'uint64' },
        { type: 'uint64' },
      ],
      [
        BigInt(t.chainId),
        t.registry,
        t.consentId,
        t.owner,
        t.recipient,
        [...t.devices],
        [...t.epochs],
        t.streams,
        t.commands,
        t.policyId,
        keccak256(toBytes(t.purpose)),
        t.start,
        t.expiry,
      ],
    ),
  );
}

export class ConsentReceiptFormatError extends Error {}

/** Checks a parsed JSON value is a receipt this module can verify; returns it typed. */
export function parseConsentReceipt(raw: unknown): ConsentReceipt {
  const fail = (why: string): never => {
    throw new ConsentReceiptFormatError(`not a Pythia consent receipt: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null) fail('not a JSON object');
  const r = raw as Record<string, unknown>;
  if (r.version !== CONSENT_RECEIPT_VERSION) fail(`version must be ${CONSENT_RECEIPT_VERSION}`);
  if (typeof r.piiPrincipalId !== 'string' || !isAddress(r.piiPrincipalId)) fail('piiPrincipalId must be an address');
  const controllers = r.piiControllers as Array<Record<string, unknown>> | undefined;
  if (!Array.isArray(controllers) || controllers.length !== 1 || !isAddress(String(controllers[0]?.piiController))) {
    fail('piiControllers must hold one controller with an address');
  }
  const purpose = (r.services as Array<{ purposes?: Array<{ purpose?: unknown }> }> | undefined)?.[0]?.purposes?.[0]?.purpose;
  if (typeof purpose !== 'string') fail('services[0].purposes[0].purpose is missing');
  const p = r.pythia as Record<string, unknown> | undefined;
  if (typeof p !== 'object' || p === null) fail('the pythia block is missing');
  if (!Number.isSafeInteger(p!.chainId)) fail('pythia.chainId must be an integer');
  if (typeof p!.contract !== 'string' || !isAddress(p!.contract)) fail('pythia.contract must be an address');
  for (const key of ['consentId', 'start', 'expiry', 'blockNumber']) {
    if (typeof p![key] !== 'string' || !/^\d+$/.test(p![key] as string)) fail(`pythia.${key} must be a decimal string`);
  }
  for (const key of ['termsHash', 'policyId', 'txHash']) {
    if (typeof p![key] !== 'string' || !isHex(p![key]) || (p![key] as string).length !== 66) fail(`pythia.${key} must be 32 bytes hex`);
  }
  for (const key of ['streams', 'commands']) {
    const v = p![key];
    if (!Number.isSafeInteger(v) || (v as number) < 0 || (v as number) > 0xffffffff) fail(`pythia.${key} must be a uint32`);
  }
  const devices = p!.devices as Array<Record<string, unknown>> | undefined;
  if (!Array.isArray(devices) || devices.length === 0) fail('pythia.devices must be a non-empty list');
  for (const d of devices!) {
    if (!isAddress(String(d.device)) || typeof d.epoch !== 'string' || !/^\d+$/.test(d.epoch))
      fail('a device needs an address and an epoch');
  }
  return raw as ConsentReceipt;
}

/** The terms hash a receipt commits to, recomputed from its own fields. */
export function receiptTermsHash(receipt: ConsentReceipt): Hex {
  const p = receipt.pythia;
  return consentTermsHash({
    chainId: p.chainId,
    registry: p.contract,
    consentId: BigInt(p.consentId),
    owner: receipt.piiPrincipalId,
    recipient: receipt.piiControllers[0]!.piiController,
    devices: p.devices.map((d) => d.device),
    epochs: p.devices.map((d) => BigInt(d.epoch)),
    streams: p.streams,
    commands: p.commands,
    policyId: p.policyId,
    purpose: receipt.services[0]!.purposes[0]!.purpose,
    start: BigInt(p.start),
    expiry: BigInt(p.expiry),
  });
}

/** Fields the issuer chooses freely (not derived from the consent). */
const ISSUER_FIELDS = new Set(['jurisdiction', 'language', 'publicKey', 'policyUrl']);

/** A JSON value with sorted keys and addresses in lower case, for comparing two receipts' fields. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'string' && isAddress(v, { strict: false })) return v.toLowerCase();
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

/**
 * The receipt's fields that differ from the receipt of the consent as the chain holds it. The terms
 * hash covers only the consent's terms; this also covers what is derived from them and shown to a
 * reader (stream and command names, piiCategory, termination, timestamp, receipt id, grantor).
 */
function alteredFields(receipt: ConsentReceipt, record: ConsentRecord): string[] {
  const expected = buildConsentReceipt({
    consent: record,
    chainId: receipt.pythia.chainId,
    registry: receipt.pythia.contract,
    jurisdiction: receipt.jurisdiction,
    language: receipt.language,
    ...(receipt.publicKey === undefined ? {} : { publicKey: receipt.publicKey }),
  });
  const altered: string[] = [];
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const compare = (path: string, got: unknown, want: unknown): void => {
    if (isRecord(got) && isRecord(want)) {
      for (const key of new Set([...Object.keys(got), ...Object.keys(want)])) {
        if (path === '' && ISSUER_FIELDS.has(key)) continue;
        compare(path ? `${path}.${key}` : key, got[key], want[key]);
      }
    } else if (Array.isArray(got) && Array.isArray(want) && got.length === want.length && got.some((g) => isRecord(g))) {
      for (const [i, g] of got.entries()) compare(`${path}[${i}]`, g, want[i]);
    } else if (canonical(got) !== canonical(want)) {
      altered.push(path);
    }
  };
  compare('', receipt, expected);
  // A policy URL is the issuer's, but one naming a Pythia policy must name this consent's.
  if (receipt.policyUrl?.startsWith('urn:pythia:policy:') && receipt.policyUrl !== expected.policyUrl) altered.push('policyUrl');
  return altered;
}

export type VerifyConsentReceiptParameters = {
  publicClient: Pick<PublicClient, 'readContract' | 'getContractEvents' | 'getBlock' | 'getChainId'>;
  receipt: ConsentReceipt;
  fromBlock?: bigint;
};

export type VerifyConsentReceiptReturnType = {
  /** The receipt's fields hash to the terms hash the chain holds for this consent. */
  valid: boolean;
  /** Why not, if not. */
  problems: string[];
  recomputedTermsHash: Hex;
  chainTermsHash: Hex | null;
  /** Current status on the chain (null when the consent cannot be read). */
  status: ConsentStatus | null;
  revokedAt: string | null;
  expired: boolean;
  /** Devices that changed hands since the grant (the consent no longer applies to them). */
  ownershipChanged: Address[];
  checkedAt: { blockNumber: string; timestamp: string } | null;
};

/**
 * Verifies a receipt against the chain: recomputes the terms hash from the receipt, compares it with
 * the receipt's own and the registry's (consentTermsHash), and reports the consent's status now.
 */
export async function verifyConsentReceipt(parameters: VerifyConsentReceiptParameters): Promise<VerifyConsentReceiptReturnType> {
  const { publicClient, receipt } = parameters;
  const p = receipt.pythia;
  const problems: string[] = [];
  const recomputedTermsHash = receiptTermsHash(receipt);
  if (recomputedTermsHash !== p.termsHash) problems.push('the receipt fields do not hash to its termsHash (the receipt was altered)');
  const chainId = await publicClient.getChainId();
  const none = { status: null, revokedAt: null, expired: false, ownershipChanged: [], checkedAt: null, chainTermsHash: null };
  if (chainId !== p.chainId) {
    problems.push(`the receipt is for chain ${p.chainId}, this node is chain ${chainId}`);
    return { valid: false, problems, recomputedTermsHash, ...none };
  }
  let chainTermsHash: Hex;
  try {
    chainTermsHash = await publicClient.readContract({
      address: p.contract,
      abi: consentRegistryAbi,
      functionName: 'consentTermsHash',
      args: [BigInt(p.consentId)],
    });
  } catch (error) {
    problems.push(`consent ${p.consentId} cannot be read from ${p.contract}: ${(error as Error).message.split('\n')[0]}`);
    return { valid: false, problems, recomputedTermsHash, ...none };
  }
  if (chainTermsHash !== recomputedTermsHash) problems.push('the chain holds other terms for this consent');
  const record = await readConsent({
    publicClient,
    registry: p.contract,
    consentId: BigInt(p.consentId),
    ...(parameters.fromBlock === undefined ? {} : { fromBlock: parameters.fromBlock }),
  });
  if (record.transactionHash !== p.txHash) problems.push(`the grant transaction is ${record.transactionHash}, not ${p.txHash}`);
  const altered = alteredFields(receipt, record);
  if (altered.length > 0) {
    problems.push(
      `${altered.join(', ')} ${altered.length === 1 ? 'does' : 'do'} not match the consent on the chain (the receipt was altered)`,
    );
  }
  return {
    valid: problems.length === 0,
    problems,
    recomputedTermsHash,
    chainTermsHash,
    status: record.status,
    revokedAt: record.revokedAt === null ? null : record.revokedAt.toString(),
    expired: record.checkedAt.timestamp >= record.expiry,
    ownershipChanged: record.devices.filter((d) => d.epoch !== d.currentEpoch).map((d) => d.device),
    checkedAt: { blockNumber: record.checkedAt.blockNumber.toString(), timestamp: record.checkedAt.timestamp.toString() },
  };
}
