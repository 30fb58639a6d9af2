import { compactSignatureToSignature, type Hex, recoverTypedDataAddress, serializeSignature } from 'viem';
import { inspectReading } from '../../src/protocol/inspectReading.js';
import type { Profile } from '../../src/protocol/profile.js';
import { READING_DOMAIN_NAME, READING_DOMAIN_VERSION, type ReadingDomain, readingTypes } from '../../src/protocol/readingTypedData.js';
import { SECP256K1_HALF_N } from '../../src/protocol/signature.js';
import type { IndexedReading } from './api.js';

export type EvidenceCheck = { what: string; ok: boolean | undefined; detail: string };

export type CheckEvidenceParameters = {
  reading: IndexedReading;
  /** The device's last recorded reading before this one (accepted or flagged), when loaded; null: it has none. */
  previous: IndexedReading | null | undefined;
  /** The device's effective profile as the chain holds it now. */
  profile: Profile;
  domain: ReadingDomain;
};

const S_MASK = (1n << 255n) - 1n;
/** The rules the browser cannot re-derive from what it holds: ClockSkew needs the block's time. */
const NOT_RECHECKED = new Set(['ClockSkew']);

/**
 * Checks a flag's evidence in the browser, trusting neither the index nor the gateway's verdict:
 * recovers the signer of the signed reading (EIP-712, the fleet's domain, low s) and compares it
 * with the device; then inspects the reading against the profile by the protocol's rules
 * (src/protocol/inspectReading.ts, the model `pythia verify` judges the chain with) and compares the
 * rules it breaks with those the chain flagged.
 */
export async function checkEvidence({ reading, previous, profile, domain }: CheckEvidenceParameters): Promise<EvidenceCheck[]> {
  const checks: EvidenceCheck[] = [];
  if (!reading.signature || !reading.payload || reading.timestamp === null)
    return [{ what: 'signed reading', ok: false, detail: 'the index holds no signed reading for it' }];
  const { r, vs } = reading.signature as { r: Hex; vs: Hex };
  const lowS = (BigInt(vs) & S_MASK) <= SECP256K1_HALF_N;
  let signer: string | undefined;
  try {
    signer = await recoverTypedDataAddress({
      domain: { name: READING_DOMAIN_NAME, version: READING_DOMAIN_VERSION, ...domain },
      types: readingTypes,
      primaryType: 'Reading',
      message: {
        device: reading.device as Hex,
        sequence: BigInt(reading.sequence),
        timestamp: BigInt(reading.timestamp),
        payload: reading.payload as Hex,
      },
      signature: serializeSignature(compactSignatureToSignature({ r, yParityAndS: vs })),
    });
  } catch (error) {
    signer = undefined;
    checks.push({ what: 'signature', ok: false, detail: `no signer recovered: ${(error as Error).message.split('\n')[0]}` });
  }
  if (signer !== undefined) {
    const same = signer.toLowerCase() === reading.device.toLowerCase();
    checks.push({
      what: 'signature',
      ok: same && lowS,
      detail: `${same ? 'signed by the device itself' : `signed by ${signer}, not the device`} (EIP-712, chain ${domain.chainId}, fleet ${domain.verifyingContract}${lowS ? ', low s' : ', HIGH s: the contract refuses it'})`,
    });
  }

  const inspected = inspectReading({
    profile,
    previous:
      previous === null || previous === undefined
        ? undefined
        : { timestamp: previous.timestamp ?? 0, values: previous.values ?? undefined },
    reading: { timestamp: reading.timestamp, payload: reading.payload as Hex },
  });
  const flagged = (reading.flag?.rules ?? []).filter((rule) => !NOT_RECHECKED.has(rule));
  const derived = inspected.reasons.filter((rule) => !NOT_RECHECKED.has(rule));
  const history = new Set(['TooFrequent', 'ExcessiveChange']);
  if (previous === undefined) {
    // The previous reading is not loaded: only the rules that need none are compared.
    const own = (rules: string[]) => rules.filter((rule) => !history.has(rule)).join(', ');
    checks.push({
      what: 'rules',
      ok: own(flagged) === own(derived),
      detail: `re-derived ${own(derived) || 'none'} against the profile (the chain flagged ${own(flagged) || 'none'}); TooFrequent and ExcessiveChange not re-checked: the previous reading is not loaded`,
    });
  } else {
    checks.push({
      what: 'rules',
      ok: flagged.join(', ') === derived.join(', '),
      detail: `re-derived ${derived.join(', ') || 'none'} against the profile and the previous reading (the chain flagged ${flagged.join(', ') || 'none'})`,
    });
  }
  if (reading.flag?.rules.some((rule) => NOT_RECHECKED.has(rule)))
    checks.push({ what: 'ClockSkew', ok: undefined, detail: "not re-checked here: it needs the block's time" });
  return checks;
}
