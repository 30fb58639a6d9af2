import { readFileSync } from 'node:fs';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, concatHex, fromRlp, hexToBytes, keccak256, toRlp, type Address, type Hex } from 'viem';
import { fleetRecordSlot } from '../../protocol/fleetRecordSlot.js';
import { ChainProofError } from './errors.js';
import { followCliqueCheckpoint } from './followCliqueCheckpoint.js';
import { type CliqueTrust, verifyCliqueHeader } from './verifyCliqueHeader.js';
import { verifyDeviceStatusProof } from './verifyDeviceStatusProof.js';
import type { FleetRecordProof } from './verifyFleetRecordProof.js';

/** sdk-c/test/chain_proof_vectors.json: what scripts/write-chain-proof-vectors.ts read from a real geth Clique network. */
export type ChainProofVectors = {
  chainId: number;
  epoch: number;
  validators: Address[];
  genesis: Hex;
  checkpoints: Hex[];
  headers: Hex[];
  block: { number: number; hash: Hex; timestamp: number; stateRoot: Hex; header: Hex };
  fleet: Address;
  proofs: Array<{ name: string; device: Address; status: string; proof: FleetRecordProof }>;
  /** The validator-set changes voted on the network (clique_propose), and headers around them. */
  changes: {
    added: Address;
    addedAt: number;
    addedBeforeCheckpoint: Hex[];
    addedAfterCheckpoint: Hex[];
    removed: Address;
    removedAt: number;
    /** The removed validator's key (a throwaway network's): seals a header as it could after its removal. */
    removedKey: Hex;
    removedLastHeaders: Hex[];
    checkpointSealers: Address[];
  };
};

const followed = new WeakMap<ChainProofVectors, Map<bigint, CliqueTrust>>();

/** The trust a device holds at `checkpoint`: the genesis set of `vectors.validators`, followed through every checkpoint up to it. */
export function trustAt(vectors: ChainProofVectors, checkpoint: bigint): CliqueTrust {
  const known = followed.get(vectors) ?? new Map<bigint, CliqueTrust>();
  followed.set(vectors, known);
  const cached = known.get(checkpoint);
  if (cached) return cached;
  const epoch = BigInt(vectors.epoch);
  let trust: CliqueTrust = { validators: vectors.validators, checkpoint: 0n, epoch };
  for (const header of vectors.checkpoints) {
    if (trust.checkpoint >= checkpoint) break;
    const { hash: _, ...next } = followCliqueCheckpoint({ trust, header });
    trust = next;
  }
  if (trust.checkpoint !== checkpoint) throw new RangeError(`the vectors hold no checkpoint ${checkpoint}`);
  known.set(checkpoint, trust);
  return trust;
}

/** The checkpoint (a multiple of the epoch) at or below block `n`. */
export const checkpointOf = (vectors: ChainProofVectors, n: bigint | number): bigint => BigInt(n) - (BigInt(n) % BigInt(vectors.epoch));

export function readChainProofVectors(): ChainProofVectors {
  return JSON.parse(readFileSync(new URL('../../../sdk-c/test/chain_proof_vectors.json', import.meta.url), 'utf8'));
}

/** One case for the C SDK: a header (and, with a device, a proof) and what the TypeScript SDK says of it. */
export type ChainProofCCase = {
  name: string;
  header: Hex;
  checkpoint: bigint;
  /** The trusted set at `checkpoint` (followed from the genesis set). */
  validators: readonly Address[];
  now: bigint;
  maxAgeSeconds: bigint;
  device?: Address;
  accountProof: Hex[];
  storageProof: Hex[];
  /** 'ok' or the ChainProofError reason. */
  expect: string;
  /** The proven status (0 none .. 3 revoked) when expect is ok and there is a device. */
  status: number;
};

/** A key nobody uses: it seals a header as a stranger would (deterministic, RFC 6979). */
const STRANGER_KEY = keccak256(new TextEncoder().encode('pythia chain proof vectors: a stranger, not a validator'));
const STATUSES = ['none', 'active', 'suspended', 'revoked'];

/** The header sealed again by `privateKey`. */
export function resealHeader(rlp: Hex, privateKey: Hex): Hex {
  const fields = fromRlp(rlp, 'hex') as Hex[];
  const extra = fields[12]!;
  const unsealed = [...fields];
  unsealed[12] = extra.slice(0, extra.length - 130) as Hex;
  const signature = secp256k1.sign(hexToBytes(keccak256(toRlp(unsealed))), hexToBytes(privateKey), { prehash: false, format: 'recovered' });
  fields[12] = concatHex([unsealed[12]!, bytesToHex(signature.subarray(1)), bytesToHex(signature.subarray(0, 1))]);
  return toRlp(fields);
}

function flipByte(hex: Hex, at: number): Hex {
  const bytes = hexToBytes(hex);
  bytes[at] = bytes[at]! ^ 0x01;
  return bytesToHex(bytes);
}

/**
 * The C SDK's chain-proof cases, each with the verdict of the TypeScript SDK's own code: the real
 * head and the headers of its epoch, every device's proof, and refusals (a stranger's seal, stale,
 * from the future, past the trusted epoch, truncated; proof nodes flipped or missing, another
 * device's proof). Both SDKs walk the nodes as given, so the C side agrees case by case.
 */
export async function makeChainProofCCases(vectors: ChainProofVectors = readChainProofVectors()): Promise<ChainProofCCase[]> {
  const epoch = BigInt(vectors.epoch);
  const head = BigInt(vectors.block.number);
  const current = head - (head % epoch);
  const t = BigInt(vectors.block.timestamp);
  const base = {
    checkpoint: current,
    validators: trustAt(vectors, current).validators,
    now: t + 5n,
    maxAgeSeconds: 60n,
    accountProof: [],
    storageProof: [],
  };
  const raw: Array<Omit<ChainProofCCase, 'expect' | 'status'>> = [];
  for (const [i, header] of vectors.headers.entries())
    raw.push({ ...base, name: `epoch header ${i + 1}`, header, now: 0n, maxAgeSeconds: 0n });
  const proofCase = (name: string, p: ChainProofVectors['proofs'][number], edit: Partial<Omit<ChainProofCCase, 'name'>> = {}) =>
    raw.push({
      ...base,
      name,
      header: vectors.block.header,
      device: p.device,
      accountProof: [...p.proof.accountProof],
      storageProof: [...p.proof.storageProof[0]!.proof],
      ...edit,
    });
  // The validator-set changes: trusted from (added) and until (removed) the checkpoint that restates the set.
  const { changes } = vectors;
  const headerCase = (name: string, header: Hex, number: bigint) => {
    const checkpoint = checkpointOf(vectors, number);
    raw.push({ ...base, name, header, checkpoint, validators: trustAt(vectors, checkpoint).validators, now: 0n, maxAgeSeconds: 0n });
  };
  const numberOf = (header: Hex) => BigInt((fromRlp(header, 'hex') as Hex[])[8]!);
  for (const [i, header] of changes.addedAfterCheckpoint.entries())
    headerCase(`sealed by the validator voted in, after the checkpoint naming it (${i + 1})`, header, numberOf(header));
  for (const header of changes.addedBeforeCheckpoint)
    headerCase('sealed by the validator voted in, before the checkpoint naming it', header, numberOf(header));
  for (const [i, header] of changes.removedLastHeaders.entries())
    headerCase(`sealed by the validator voted out, before the checkpoint dropping it (${i + 1})`, header, numberOf(header));
  headerCase(
    'sealed with the key of the validator voted out, after the checkpoint dropping it',
    resealHeader(vectors.block.header, changes.removedKey),
    BigInt(vectors.block.number),
  );
  for (const p of vectors.proofs) proofCase(`${p.name} device`, p);
  const active = vectors.proofs.find((p) => p.name === 'active')!;
  const suspended = vectors.proofs.find((p) => p.name === 'suspended')!;
  proofCase('header sealed by a stranger', active, { header: resealHeader(vectors.block.header, STRANGER_KEY) });
  proofCase('stale header (an hour old)', active, { now: t + 3600n });
  proofCase('header from the future', active, { now: t - 31n });
  proofCase('header past the trusted epoch', active, {
    checkpoint: current - epoch,
    validators: trustAt(vectors, current - epoch).validators,
  });
  proofCase('truncated header', active, { header: vectors.block.header.slice(0, -2) as Hex });
  proofCase('state root changed after sealing', active, {
    header: (() => {
      const f = fromRlp(vectors.block.header, 'hex') as Hex[];
      f[3] = keccak256('0x01');
      return toRlp(f);
    })(),
  });
  for (const [i, node] of active.proof.accountProof.entries()) {
    const accountProof = [...active.proof.accountProof];
    accountProof[i] = flipByte(node, Math.floor(node.length / 4));
    proofCase(`account proof node ${i} flipped`, active, { accountProof });
  }
  for (const [i, node] of active.proof.storageProof[0]!.proof.entries()) {
    const storageProof = [...active.proof.storageProof[0]!.proof];
    storageProof[i] = flipByte(node, Math.floor(node.length / 4));
    proofCase(`storage proof node ${i} flipped`, active, { storageProof });
  }
  proofCase('storage proof without its last node', active, { storageProof: active.proof.storageProof[0]!.proof.slice(0, -1) });
  proofCase('account proof without its root node', active, { accountProof: active.proof.accountProof.slice(1) });
  proofCase('storage proof with a node after its leaf', active, {
    storageProof: [...active.proof.storageProof[0]!.proof, suspended.proof.storageProof[0]!.proof.at(-1)!],
  });
  proofCase('storage proof nodes out of order', active, { storageProof: [...active.proof.storageProof[0]!.proof].reverse() });
  proofCase("the suspended device's storage proof for the active device", active, {
    storageProof: [...suspended.proof.storageProof[0]!.proof],
  });

  const cases: ChainProofCCase[] = [];
  for (const c of raw) {
    const trust: CliqueTrust = { validators: c.validators, checkpoint: c.checkpoint, epoch };
    let expect = 'ok';
    let status = 0;
    try {
      if (c.device === undefined) {
        verifyCliqueHeader({ header: c.header, trust });
      } else {
        const original = vectors.proofs.find((p) => p.device === c.device)!.proof.storageProof[0]!;
        const proven = await verifyDeviceStatusProof({
          header: c.header,
          trust,
          freshness: { now: c.now, maxAgeSeconds: c.maxAgeSeconds },
          fleet: vectors.fleet,
          device: c.device,
          // The C SDK computes the slot itself and believes no claimed value: claim what the original proof proves.
          proof: {
            address: vectors.fleet,
            accountProof: c.accountProof,
            storageProof: [{ key: fleetRecordSlot(c.device), value: original.value, proof: c.storageProof }],
          },
        });
        status = STATUSES.indexOf(proven.status);
      }
    } catch (error) {
      if (!(error instanceof ChainProofError)) throw error;
      expect = error.reason;
    }
    cases.push({ ...c, expect, status });
  }
  return cases;
}

/** A checkpoint to follow from the trust at `checkpoint` (the genesis validators' set), and the TypeScript SDK's verdict. */
export type ChainCheckpointCCase = {
  name: string;
  header: Hex;
  checkpoint: bigint;
  validators: readonly Address[];
  expect: string;
  next: bigint;
  /** The set the checkpoint names (when followed). */
  nextValidators: readonly Address[];
};

export function makeChainCheckpointCCases(vectors: ChainProofVectors = readChainProofVectors()): ChainCheckpointCCase[] {
  const epoch = BigInt(vectors.epoch);
  const at = (checkpoint: bigint) => ({ checkpoint, validators: trustAt(vectors, checkpoint).validators });
  const raw: Array<Omit<ChainCheckpointCCase, 'expect' | 'next' | 'nextValidators'>> = vectors.checkpoints.map((header, i) => ({
    name: `checkpoint ${(BigInt(i) + 1n) * epoch}`,
    header,
    ...at(BigInt(i) * epoch),
  }));
  raw.push({ name: 'a checkpoint out of order', header: vectors.checkpoints[1]!, ...at(0n) });
  raw.push({ name: 'a header that is no checkpoint', header: vectors.block.header, ...at(checkpointOf(vectors, vectors.block.number)) });
  // The checkpoint after the vote out, sealed again with the removed validator's key: it is still trusted there (the set
  // changes at this checkpoint), so the device takes it; the one after, sealed with that key, is refused.
  const { changes } = vectors;
  const dropping = checkpointOf(vectors, changes.removedAt) + epoch;
  const droppingHeader = vectors.checkpoints[Number(dropping / epoch) - 1]!;
  raw.push({
    name: 'the checkpoint dropping the validator voted out, sealed with its key',
    header: resealHeader(droppingHeader, changes.removedKey),
    ...at(dropping - epoch),
  });
  if (vectors.checkpoints.length > Number(dropping / epoch))
    raw.push({
      name: 'the checkpoint after that, sealed with its key',
      header: resealHeader(vectors.checkpoints[Number(dropping / epoch)]!, changes.removedKey),
      ...at(dropping),
    });
  const stranger = `0x${Buffer.from(secp256k1.getPublicKey(hexToBytes(STRANGER_KEY), false).subarray(1)).toString('hex')}` as Hex;
  const strangerAddress = `0x${keccak256(stranger).slice(-40)}` as Hex;
  const forged = (() => {
    const f = fromRlp(vectors.checkpoints[0]!, 'hex') as Hex[];
    f[12] = concatHex([`0x${'00'.repeat(32)}`, strangerAddress, `0x${'00'.repeat(65)}`]);
    return resealHeader(toRlp(f), STRANGER_KEY);
  })();
  raw.push({ name: "a stranger's checkpoint naming the stranger", header: forged, ...at(0n) });
  return raw.map((c) => {
    try {
      const next = followCliqueCheckpoint({ header: c.header, trust: { validators: c.validators, checkpoint: c.checkpoint, epoch } });
      return { ...c, expect: 'ok', next: next.checkpoint, nextValidators: next.validators };
    } catch (error) {
      if (!(error instanceof ChainProofError)) throw error;
      return { ...c, expect: error.reason, next: 0n, nextValidators: [] };
    }
  });
}

const cString = (s: string) => JSON.stringify(s);
const cList = (items: readonly string[]) => (items.length === 0 ? 'NULL' : `(const char *const[]){${items.map(cString).join(', ')}}`);

/** sdk-c/test/chain_vectors.h: the cases as C data (compound literals: C99). */
export function chainProofCHeader(
  vectors: ChainProofVectors,
  cases: readonly ChainProofCCase[],
  checkpoints: readonly ChainCheckpointCCase[] = makeChainCheckpointCCases(vectors),
): string {
  const lines = [
    '/* Generated by scripts/write-chain-proof-c-vectors.ts from src/sdk/chainProof/chainProofCVectors.ts: do not edit. */',
    '#ifndef PYTHIA_CHAIN_VECTORS_H',
    '#define PYTHIA_CHAIN_VECTORS_H',
    '#include <stddef.h>',
    '#include <stdint.h>',
    '',
    'typedef struct { const char *name, *header; uint64_t checkpoint; const char *const *validators; size_t validator_count; uint64_t now, max_age_seconds; const char *device;',
    '  const char *const *account_proof; size_t account_nodes; const char *const *storage_proof; size_t storage_nodes; const char *expect; int status; } chain_case;',
    '',
    `static const char *const chain_validators[] = {${vectors.validators.map(cString).join(', ')}};`,
    `static const uint64_t chain_epoch = ${vectors.epoch};`,
    `static const char *const chain_fleet = ${cString(vectors.fleet)};`,
    `static const char *const chain_block_hash = ${cString(vectors.block.hash)};`,
    'static const chain_case chain_cases[] = {',
    ...cases.map(
      (c) =>
        `  {${cString(c.name)}, ${cString(c.header)}, ${c.checkpoint}u, ${cList(c.validators)}, ${c.validators.length}, ${c.now}u, ${c.maxAgeSeconds}u, ${c.device ? cString(c.device) : 'NULL'}, ${cList(c.accountProof)}, ${c.accountProof.length}, ${cList(c.storageProof)}, ${c.storageProof.length}, ${cString(c.expect)}, ${c.status}},`,
    ),
    '};',
    'typedef struct { const char *name, *header; uint64_t checkpoint; const char *const *validators; size_t validator_count; const char *expect; uint64_t next;',
    '  const char *const *next_validators; size_t next_count; } chain_checkpoint_case;',
    'static const chain_checkpoint_case chain_checkpoint_cases[] = {',
    ...checkpoints.map(
      (c) =>
        `  {${cString(c.name)}, ${cString(c.header)}, ${c.checkpoint}u, ${cList(c.validators)}, ${c.validators.length}, ${cString(c.expect)}, ${c.next}u, ${cList(c.nextValidators)}, ${c.nextValidators.length}},`,
    ),
    '};',
    '#endif',
    '',
  ];
  return lines.join('\n');
}
