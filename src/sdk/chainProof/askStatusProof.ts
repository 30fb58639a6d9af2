import type { Address, Hex } from 'viem';
import type { RetryOptions } from '../backoffDelay.js';
import { gatewayRequest } from '../gatewayRequest.js';
import { decodeCliqueHeader } from './decodeCliqueHeader.js';
import { ChainProofError, UnvouchedCheckpointError } from './errors.js';
import { followCliqueCheckpoint } from './followCliqueCheckpoint.js';
import { type CliqueTrust, type HeaderFreshness, verifyCliqueHeader } from './verifyCliqueHeader.js';
import { verifyDeviceStatusProof, type VerifyDeviceStatusProofReturnType } from './verifyDeviceStatusProof.js';
import type { FleetRecordProof } from './verifyFleetRecordProof.js';

export type AskStatusProofParameters = {
  gatewayUrl: string;
  /** The device whose record is proven (normally the asker itself). */
  device: Address;
  fleet: Address;
  trust: CliqueTrust;
  /** The device's clock and bounds; `now` defaults to the system clock. */
  freshness: Omit<HeaderFreshness, 'now'> & { now?: bigint };
  fetch?: typeof fetch;
  retry?: RetryOptions;
};

export type AskStatusProofReturnType = VerifyDeviceStatusProofReturnType & {
  /** The header and proof as the gateway sent them, for a device that keeps or forwards them. */
  header: Hex;
  proof: FleetRecordProof;
  /** The trust the header was checked under: `trust`, or the set followed from it through the checkpoints up to the header. Keep it for the next ask. */
  trust: CliqueTrust;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isHexString = (v: unknown): v is Hex => typeof v === 'string' && /^0x[0-9a-fA-F]*$/.test(v);
const isHexList = (v: unknown): v is Hex[] => Array.isArray(v) && v.every(isHexString);
/** Arrays and objects nested in an answer, at most (the C SDK's PYTHIA_BUNDLE_MAX_DEPTH: a status proof needs 5). */
export const MAX_ANSWER_DEPTH = 8;
/** Whether `value` holds arrays or objects nested more than `depth` deep (a scalar: 0; [] or {}: 1). */
const nestedDeeperThan = (value: unknown, depth: number): boolean =>
  typeof value === 'object' && value !== null && (depth === 0 || Object.values(value).some((v) => nestedDeeperThan(v, depth - 1)));

/**
 * Asks a gateway for a sealed header and the proof of the device's fleet record
 * (GET /v1/devices/{id}/status-proof) and checks both itself (verifyDeviceStatusProof): the status
 * comes from the chain, and the gateway is trusted for nothing but delivery. Throws
 * ChainProofError (`.reason`) for anything it refuses, GatewayRejection/GatewayUnavailable when the
 * gateway does not answer.
 */
export async function askStatusProof(parameters: AskStatusProofParameters): Promise<AskStatusProofReturnType> {
  const { gatewayUrl, device, fleet, trust } = parameters;
  const url = `${gatewayUrl.replace(/\/$/, '')}/v1/devices/${device}/status-proof`;
  const { body } = await gatewayRequest({
    url,
    method: 'GET',
    ...(parameters.fetch && { fetch: parameters.fetch }),
    ...(parameters.retry && { retry: parameters.retry }),
  });
  const { header, proof } = parseStatusProofBody(body);
  const freshness = { ...parameters.freshness, now: parameters.freshness.now ?? BigInt(Math.floor(Date.now() / 1000)) };
  let followed = trust;
  const number = decodeCliqueHeader(header).number;
  if (number >= trust.checkpoint + trust.epoch) {
    // What the header shows before its epoch matters (bad_header, stale_header) is refused before any checkpoint is asked
    // for, as the C SDK's pythia_clique_header_verify does: past those checks it says checkpoint_needed.
    try {
      verifyCliqueHeader({ header, trust });
    } catch (error) {
      if (!(error instanceof ChainProofError) || error.reason !== 'checkpoint_needed') throw error;
    }
    followed = await askCliqueCheckpoints({ ...parameters, trust, upTo: number - (number % trust.epoch) });
  }
  const proven = await verifyDeviceStatusProof({ header, proof, trust: followed, freshness, fleet, device });
  return { ...proven, header, proof, trust: followed };
}

export type AskCliqueCheckpointsParameters = {
  gatewayUrl: string;
  trust: CliqueTrust;
  /** The checkpoint to reach (a multiple of the epoch). */
  upTo: bigint;
  fetch?: typeof fetch;
  retry?: RetryOptions;
};

/**
 * Follows the validator set from `trust` to checkpoint `upTo`, one checkpoint header after the other
 * (GET /v1/chain/headers/{number}), each checked by followCliqueCheckpoint: the gateway only delivers.
 * A checkpoint sealed by a validator voted in during the epoch (unvouched_checkpoint) is asked again
 * with the headers after it, one more each time, while they are right and none is a trusted
 * validator's yet, up to the bound (the set's size, at most MAX_CHECKPOINT_VOUCHERS): as the C sensor does.
 */
export async function askCliqueCheckpoints(parameters: AskCliqueCheckpointsParameters): Promise<CliqueTrust> {
  let trust = parameters.trust;
  const base = parameters.gatewayUrl.replace(/\/$/, '');
  const headerAt = async (number: bigint): Promise<Hex> => {
    const { body } = await gatewayRequest({
      url: `${base}/v1/chain/headers/${number}`,
      method: 'GET',
      ...(parameters.fetch && { fetch: parameters.fetch }),
      ...(parameters.retry && { retry: parameters.retry }),
    });
    return parseChainHeaderBody(body, number);
  };
  while (trust.checkpoint < parameters.upTo) {
    const number = trust.checkpoint + trust.epoch;
    const header = await headerAt(number);
    const vouchers: Hex[] = [];
    for (;;) {
      try {
        const { hash: _, vouchedBy: __, ...next } = followCliqueCheckpoint({ trust, header, vouchers });
        trust = next;
        break;
      } catch (error) {
        // Sealed by a validator voted in, and every header after it so far right but none a trusted validator's: the next one.
        if (!(error instanceof UnvouchedCheckpointError) || !error.moreMayVouch) throw error;
        vouchers.push(await headerAt(number + BigInt(vouchers.length) + 1n));
      }
    }
  }
  return trust;
}

/** The body of GET /v1/chain/headers/{number}, checked for shape only (`malformed_proof`, also for JSON nested deeper than MAX_ANSWER_DEPTH; followCliqueCheckpoint checks the content). */
export function parseChainHeaderBody(body: unknown, number?: bigint): Hex {
  const header = isObject(body) && !nestedDeeperThan(body, MAX_ANSWER_DEPTH) ? body.header : undefined;
  if (!isHexString(header))
    throw new ChainProofError('malformed_proof', `the gateway's answer${number === undefined ? '' : ` for block ${number}`}: no header`);
  return header;
}

/** The body of GET /v1/devices/{id}/status-proof, checked for shape only (`malformed_proof`, also for JSON nested deeper than MAX_ANSWER_DEPTH; verifyDeviceStatusProof checks the content). */
export function parseStatusProofBody(body: unknown): { header: Hex; proof: FleetRecordProof } {
  const bad = (what: string) => new ChainProofError('malformed_proof', `the gateway's answer: ${what}`);
  if (!isObject(body) || !isHexString(body.header)) throw bad('no header');
  if (nestedDeeperThan(body, MAX_ANSWER_DEPTH)) throw bad(`arrays or objects nested more than ${MAX_ANSWER_DEPTH} deep`);
  const proof = body.proof;
  if (!isObject(proof) || !isHexString(proof.address) || !isHexList(proof.accountProof) || !Array.isArray(proof.storageProof))
    throw bad('no proof of the fleet account');
  const storageProof = proof.storageProof.map((entry) => {
    if (!isObject(entry) || !isHexString(entry.key) || !isHexString(entry.value) || !isHexList(entry.proof))
      throw bad('a malformed storage proof');
    return { key: entry.key, value: entry.value, proof: entry.proof };
  });
  return { header: body.header, proof: { address: proof.address, accountProof: proof.accountProof, storageProof } };
}
