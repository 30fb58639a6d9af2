import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, concatHex, fromRlp, getAddress, hexToBytes, keccak256, toRlp, type Address, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import {
  ChainProofError,
  type ChainProofReason,
  type CliqueTrust,
  decodeCliqueHeader,
  type FleetRecordProof,
  followCliqueCheckpoint,
  verifyCliqueHeader,
  verifyDeviceStatusProof,
  verifyFleetRecordProof,
} from './index.js';
import {
  addressOfKey,
  checkpointOf,
  madeUpValidatorKey,
  readChainProofVectors,
  resealHeader,
  sealCliqueChain,
  trustAt,
  vouchedCheckpointCases,
  vouchersOf,
} from './chainProofCVectors.js';

/** Vectors from a real geth 1.13.15 Clique network (scripts/write-chain-proof-vectors.ts), shared with the C SDK. */
const vectors = readChainProofVectors();
const epoch = BigInt(vectors.epoch);
const genesisTrust: CliqueTrust = { validators: vectors.validators, checkpoint: 0n, epoch };
const lastCheckpoint = checkpointOf(vectors, vectors.block.number);
/** The set at the head's epoch, followed from the genesis set through every checkpoint (a 4th voted in, validator-3 voted out). */
const currentTrust: CliqueTrust = trustAt(vectors, lastCheckpoint);
const { changes } = vectors;
const fresh = { now: BigInt(vectors.block.timestamp) + 5n, maxAgeSeconds: 60n };
const proofOf = (name: string) => vectors.proofs.find((p) => p.name === name)!;

function refused(reason: ChainProofReason, run: () => unknown): void {
  assert.throws(run, (error: unknown) => error instanceof ChainProofError && error.reason === reason);
}
async function refusedAsync(reason: ChainProofReason, run: () => Promise<unknown>): Promise<void> {
  await assert.rejects(run, (error: unknown) => {
    assert.ok(error instanceof ChainProofError, String(error));
    assert.equal(error.reason, reason, error.message);
    return true;
  });
}

/** The header with `change` applied to its fields, sealed again with `privateKey` (a stranger's: the vectors' validator keys are gone). */
function reseal(rlp: Hex, privateKey: Hex, change: (fields: Hex[]) => void = () => {}): Hex {
  const fields = fromRlp(rlp, 'hex') as Hex[];
  change(fields);
  return resealHeader(toRlp(fields), privateKey);
}

describe('Clique headers from a real geth network', () => {
  it('the header RLP hashes to the block hash, and the seal recovers to one of the validators of its epoch', () => {
    const header = verifyCliqueHeader({ header: vectors.block.header, trust: currentTrust, freshness: fresh });
    assert.equal(header.hash, vectors.block.hash);
    assert.equal(header.stateRoot, vectors.block.stateRoot);
    assert.equal(header.number, BigInt(vectors.block.number));
    assert.ok(currentTrust.validators.includes(header.signer));
  });

  it('every header of the last epoch: its signer is a validator and its difficulty is its turn (2 in turn, 1 out of turn)', () => {
    const sorted = [...currentTrust.validators].map((v) => v.toLowerCase()).sort();
    assert.ok(vectors.headers.length > 0);
    for (const rlp of vectors.headers) {
      const h = verifyCliqueHeader({ header: rlp, trust: currentTrust });
      assert.equal(h.inTurn, sorted[Number(h.number % BigInt(sorted.length))] === h.signer.toLowerCase());
      assert.equal(h.difficulty, h.inTurn ? 2n : 1n);
    }
  });

  it('follows the checkpoints from the genesis set to the current epoch: the validator voted in from the checkpoint after the vote, the one voted out gone from the checkpoint after its removal', () => {
    assert.deepEqual(
      decodeCliqueHeader(vectors.genesis)
        .checkpointSigners.map((s) => getAddress(s))
        .sort(),
      [...vectors.validators].sort(),
    );
    const addedFrom = checkpointOf(vectors, changes.addedAt) + epoch;
    const removedFrom = checkpointOf(vectors, changes.removedAt) + epoch;
    assert.ok(addedFrom < removedFrom && removedFrom <= lastCheckpoint, 'both changes, each followed by a checkpoint');
    let trust = genesisTrust;
    for (const checkpoint of vectors.checkpoints) {
      trust = followCliqueCheckpoint({ trust, header: checkpoint, vouchers: vouchersOf(vectors, trust.checkpoint + epoch) });
      const expected = [
        ...vectors.validators.filter((v) => trust.checkpoint < removedFrom || v !== changes.removed),
        ...(trust.checkpoint >= addedFrom ? [changes.added] : []),
      ];
      assert.deepEqual([...trust.validators].sort(), expected.sort(), `checkpoint ${trust.checkpoint}`);
    }
    assert.equal(trust.checkpoint, lastCheckpoint);
    assert.deepEqual(trust.validators, currentTrust.validators);
    assert.equal(verifyCliqueHeader({ header: vectors.block.header, trust, freshness: fresh }).hash, vectors.block.hash);
  });

  it('accepts headers sealed by the validator voted in once a checkpoint names it; refuses one sealed with the key of the validator voted out after the checkpoint that drops it', () => {
    assert.ok(changes.addedAfterCheckpoint.length > 0, 'the new validator sealed after its checkpoint');
    for (const rlp of changes.addedAfterCheckpoint) {
      const number = decodeCliqueHeader(rlp).number;
      const h = verifyCliqueHeader({ header: rlp, trust: trustAt(vectors, checkpointOf(vectors, number)) });
      assert.equal(h.signer, changes.added);
    }
    // Before the set change reaches a checkpoint the device does not know the new validator (votes are not followed).
    for (const rlp of changes.addedAfterCheckpoint)
      refused('unknown_signer', () =>
        verifyCliqueHeader({ header: rlp, trust: { ...genesisTrust, checkpoint: checkpointOf(vectors, decodeCliqueHeader(rlp).number) } }),
      );
    // The removed validator's real headers, sealed while it was a validator, under the trust of their epoch.
    assert.ok(changes.removedLastHeaders.length > 0);
    for (const rlp of changes.removedLastHeaders) {
      const number = decodeCliqueHeader(rlp).number;
      assert.equal(verifyCliqueHeader({ header: rlp, trust: trustAt(vectors, checkpointOf(vectors, number)) }).signer, changes.removed);
    }
    // The head, sealed again with the removed validator's own key: refused under the set the checkpoints lead to.
    const byRemoved = resealHeader(vectors.block.header, changes.removedKey);
    refused('unknown_signer', () => verifyCliqueHeader({ header: byRemoved, trust: currentTrust, freshness: fresh }));
    // ... and a non-validator's seal, a stale header: the same refusals as before the changes.
    refused('unknown_signer', () =>
      verifyCliqueHeader({ header: reseal(vectors.block.header, generatePrivateKey()), trust: currentTrust }),
    );
    refused('stale_header', () =>
      verifyCliqueHeader({ header: vectors.block.header, trust: currentTrust, freshness: { ...fresh, now: fresh.now + 3600n } }),
    );
  });

  it('a header past the trusted epoch needs its checkpoint first; a header before the trusted checkpoint is stale', () => {
    refused('checkpoint_needed', () => verifyCliqueHeader({ header: vectors.block.header, trust: genesisTrust }));
    refused('stale_header', () => verifyCliqueHeader({ header: vectors.checkpoints[0]!, trust: currentTrust }));
  });

  it('a checkpoint is followed only in order, and only a checkpoint header', () => {
    refused('not_a_checkpoint', () => followCliqueCheckpoint({ trust: genesisTrust, header: vectors.checkpoints[1]! }));
    refused('not_a_checkpoint', () => followCliqueCheckpoint({ trust: currentTrust, header: vectors.block.header }));
  });

  it('refuses a header signed by a non-validator (the real header, sealed again with a stranger key)', () => {
    refused('unknown_signer', () =>
      verifyCliqueHeader({ header: reseal(vectors.block.header, generatePrivateKey()), trust: currentTrust }),
    );
    // A checkpoint sealed by a stranger naming the stranger as the new set.
    const stranger = generatePrivateKey();
    const forged = reseal(vectors.checkpoints[0]!, stranger, (f) => {
      f[12] = concatHex([`0x${'00'.repeat(32)}`, privateKeyToAddress(stranger).toLowerCase() as Hex, `0x${'00'.repeat(65)}`]);
    });
    // It names itself, so its seal holds under the set it names; no validator the device trusts vouches for it.
    refused('unvouched_checkpoint', () => followCliqueCheckpoint({ trust: genesisTrust, header: forged }));
  });

  it('refuses a header whose state root was changed after sealing (the seal recovers to someone else)', () => {
    const fields = fromRlp(vectors.block.header, 'hex') as Hex[];
    fields[3] = keccak256('0x01');
    refused('unknown_signer', () => verifyCliqueHeader({ header: toRlp(fields), trust: currentTrust }));
  });

  it('refuses a stale header (by the clock and by the highest block seen) and one from the future', () => {
    const t = BigInt(vectors.block.timestamp);
    const run = (freshness: Parameters<typeof verifyCliqueHeader>[0]['freshness']) =>
      verifyCliqueHeader({ header: vectors.block.header, trust: currentTrust, ...(freshness && { freshness }) });
    assert.ok(run({ now: t + 60n, maxAgeSeconds: 60n }));
    refused('stale_header', () => run({ now: t + 61n, maxAgeSeconds: 60n }));
    refused('stale_header', () => run({ now: t, maxAgeSeconds: 60n, highestBlock: BigInt(vectors.block.number) + 11n, maxAgeBlocks: 10n }));
    assert.ok(run({ now: t, maxAgeSeconds: 60n, highestBlock: BigInt(vectors.block.number) + 10n, maxAgeBlocks: 10n }));
    refused('future_header', () => run({ now: t - 31n, maxAgeSeconds: 60n }));
  });

  it('with a validator set it knows the keys of: in-turn and out-of-turn difficulties, and a wrong one refused', () => {
    const keys = [generatePrivateKey(), generatePrivateKey(), generatePrivateKey()];
    const addresses = keys.map((k) => privateKeyToAddress(k));
    const trust: CliqueTrust = { validators: addresses, checkpoint: lastCheckpoint, epoch };
    const number = BigInt(vectors.block.number);
    const sorted = [...addresses].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
    const inTurnKey = keys[addresses.indexOf(sorted[Number(number % 3n)]!)]!;
    const otherKey = keys.find((k) => k !== inTurnKey)!;
    const withDifficulty = (d: Hex) => (f: Hex[]) => {
      f[7] = d;
    };
    assert.equal(verifyCliqueHeader({ header: reseal(vectors.block.header, inTurnKey, withDifficulty('0x02')), trust }).inTurn, true);
    assert.equal(verifyCliqueHeader({ header: reseal(vectors.block.header, otherKey, withDifficulty('0x01')), trust }).inTurn, false);
    refused('wrong_difficulty', () =>
      verifyCliqueHeader({ header: reseal(vectors.block.header, inTurnKey, withDifficulty('0x01')), trust }),
    );
    refused('wrong_difficulty', () =>
      verifyCliqueHeader({ header: reseal(vectors.block.header, otherKey, withDifficulty('0x02')), trust }),
    );
    refused('wrong_difficulty', () =>
      verifyCliqueHeader({ header: reseal(vectors.block.header, otherKey, withDifficulty('0x03')), trust }),
    );
  });

  it('refuses malformed headers with bad_header, a broken seal with bad_seal', () => {
    const h = vectors.block.header;
    const fields = fromRlp(h, 'hex') as Hex[];
    refused('bad_header', () => decodeCliqueHeader(h.slice(0, -2) as Hex));
    refused('bad_header', () => decodeCliqueHeader('0xzz'));
    refused('bad_header', () => decodeCliqueHeader(toRlp([...fields, '0x01'])));
    refused('bad_header', () => decodeCliqueHeader(toRlp(fields.slice(0, 14))));
    refused('bad_header', () => decodeCliqueHeader(toRlp([...fields.slice(0, 12), '0x00', ...fields.slice(13)])));
    refused('bad_header', () => decodeCliqueHeader(toRlp(fields.map((f, i) => (i === 8 ? (`0x00${f.slice(2)}` as Hex) : f)))));
    refused('bad_header', () => decodeCliqueHeader(`0x${'ff'.repeat(5000)}`));
    // Non-canonical: the list's length written in a longer form than needed.
    const body = h.slice(8);
    refused('bad_header', () => decodeCliqueHeader(`0xfa00${(body.length / 2).toString(16).padStart(4, '0')}${body}` as Hex));
    const noUncles = [...fields];
    noUncles[1] = keccak256('0x');
    refused('bad_header', () => verifyCliqueHeader({ header: toRlp(noUncles), trust: currentTrust }));
    const badSeal = [...fields];
    badSeal[12] = `${fields[12]!.slice(0, -2)}05` as Hex;
    refused('bad_seal', () => verifyCliqueHeader({ header: toRlp(badSeal), trust: currentTrust }));
    const zeroSeal = [...fields];
    zeroSeal[12] = `${fields[12]!.slice(0, -130)}${'00'.repeat(65)}` as Hex;
    refused('bad_seal', () => verifyCliqueHeader({ header: toRlp(zeroSeal), trust: currentTrust }));
  });
});

describe('a checkpoint sealed by the validator just voted in (vouched for by the headers after it)', () => {
  const checkpoint = BigInt(changes.addedCheckpoint);
  const header = vectors.checkpoints[Number(checkpoint / epoch) - 1]!;
  const before = trustAt(vectors, checkpoint - epoch);
  const after = changes.afterAddedCheckpoint;

  it("on the real network the checkpoint after the vote in is the new validator's, and it is not in the set the device trusts", () => {
    assert.equal(decodeCliqueHeader(header).number, checkpoint);
    assert.equal(changes.checkpointSealers[Number(checkpoint / epoch) - 1], changes.added);
    assert.ok(!before.validators.includes(changes.added));
    assert.ok(
      decodeCliqueHeader(header)
        .checkpointSigners.map((s) => getAddress(s))
        .includes(changes.added),
    );
  });

  it("is refused alone (unvouched_checkpoint), taken with the next header (an old validator's, built on it), and the device follows on to the head", () => {
    refused('unvouched_checkpoint', () => followCliqueCheckpoint({ trust: before, header }));
    const followed = followCliqueCheckpoint({ trust: before, header, vouchers: after.slice(0, 1) });
    assert.equal(followed.checkpoint, checkpoint);
    assert.ok(followed.vouchedBy && before.validators.includes(followed.vouchedBy), 'vouched for by a validator of the old set');
    assert.deepEqual([...followed.validators].sort(), [...before.validators, changes.added].sort());
    // From there on, every checkpoint to the head's epoch, and the head itself.
    let trust: CliqueTrust = followed;
    for (const next of vectors.checkpoints.slice(Number(checkpoint / epoch))) trust = followCliqueCheckpoint({ trust, header: next });
    assert.equal(trust.checkpoint, lastCheckpoint);
    assert.equal(verifyCliqueHeader({ header: vectors.block.header, trust, freshness: fresh }).hash, vectors.block.hash);
  });

  it('refuses it with a header not built on it, one sealed by the new validator itself, by a stranger, or headers past the one that vouched', () => {
    refused('unvouched_checkpoint', () => followCliqueCheckpoint({ trust: before, header, vouchers: after.slice(1, 2) }));
    refused('unvouched_checkpoint', () => followCliqueCheckpoint({ trust: before, header, vouchers: [after[0]!, after[2]!] }));
    const sorted = [...before.validators, changes.added].map((a) => a.toLowerCase()).sort();
    const resealed = (key: Hex) =>
      reseal(after[0]!, key, (f) => {
        f[7] = sorted[Number((checkpoint + 1n) % BigInt(sorted.length))] === addressOfKey(key) ? '0x02' : '0x01';
      });
    refused('unvouched_checkpoint', () => followCliqueCheckpoint({ trust: before, header, vouchers: [resealed(changes.addedKey)] }));
    refused('unknown_signer', () => followCliqueCheckpoint({ trust: before, header, vouchers: [resealed(generatePrivateKey())] }));
    refused('unvouched_checkpoint', () => followCliqueCheckpoint({ trust: before, header, vouchers: after.slice(0, 2) }));
  });

  it("with a made-up set whose keys the test holds: a newcomer's voucher is not enough, a voted-out validator's is refused, and the chain is bounded by the set's size", () => {
    const k = Array.from({ length: 5 }, (_, i) => madeUpValidatorKey(i));
    const a = k.map(addressOfKey);
    const old: CliqueTrust = { validators: a.slice(0, 3).map((x) => getAddress(x)), checkpoint: checkpoint - epoch, epoch };
    const follow = (listed: Hex[], sealers: Hex[]) => {
      const chain = sealCliqueChain(vectors, listed, sealers);
      return followCliqueCheckpoint({ trust: old, header: chain.checkpoint, vouchers: chain.vouchers });
    };
    const old3 = a.slice(0, 3);
    assert.equal(follow([...old3, a[3]!], [k[3]!, k[0]!]).vouchedBy, getAddress(a[0]!));
    refused('unvouched_checkpoint', () => follow([...old3, a[3]!, a[4]!], [k[3]!, k[4]!]));
    assert.equal(follow([...old3, a[3]!, a[4]!], [k[3]!, k[4]!, k[1]!]).vouchedBy, getAddress(a[1]!));
    refused('unknown_signer', () => follow([a[0]!, a[1]!, a[3]!], [k[3]!, k[2]!]));
    refused('unvouched_checkpoint', () => follow([a[0]!, a[3]!], [k[3]!, k[3]!, k[3]!, k[0]!]));
    assert.equal(follow([a[0]!, a[3]!], [k[3]!, k[3]!, k[0]!]).checkpoint, checkpoint);
    // The checkpoint's own turn is checked under the set it names.
    const chain = sealCliqueChain(vectors, [...old3, a[3]!], [k[3]!, k[0]!]);
    const wrongTurn = reseal(chain.checkpoint, k[3]!, (f) => {
      f[7] = f[7] === '0x02' ? '0x01' : '0x02';
    });
    refused('wrong_difficulty', () => followCliqueCheckpoint({ trust: old, header: wrongTurn, vouchers: chain.vouchers }));
  });

  it('every vouching case the C SDK gets has the verdict docs/protocol.md gives it', () => {
    for (const c of vouchedCheckpointCases(vectors)) {
      const run = () =>
        followCliqueCheckpoint({
          trust: { validators: c.validators, checkpoint: c.checkpoint, epoch },
          header: c.header,
          vouchers: c.vouchers,
        });
      if (c.expect === 'ok') assert.ok(run(), c.name);
      else refused(c.expect as ChainProofReason, run);
    }
  });
});

describe('EIP-1186 proofs of a device record from a real geth network', () => {
  const verify = (name: string, proof: FleetRecordProof = proofOf(name).proof, device: Address = proofOf(name).device) =>
    verifyFleetRecordProof({ stateRoot: vectors.block.stateRoot, fleet: vectors.fleet, device, proof });

  it('proves active, suspended and unregistered (an exclusion proof) devices', async () => {
    for (const p of vectors.proofs) {
      const proven = await verify(p.name);
      assert.equal(proven.status, p.status, p.name);
      assert.equal(proven.record, BigInt(p.proof.storageProof[0]!.value));
    }
    assert.equal((await verify('active')).record >> 232n, (1n << 16n) | 1n, 'status active (1) above class 1');
  });

  it('the whole chain of trust: sealed fresh header, then the proof against its state root', async () => {
    const p = proofOf('suspended');
    const proven = await verifyDeviceStatusProof({
      header: vectors.block.header,
      proof: p.proof,
      trust: currentTrust,
      freshness: fresh,
      fleet: vectors.fleet,
      device: p.device,
    });
    assert.equal(proven.status, 'suspended');
    assert.equal(proven.blockHash, vectors.block.hash);
    const stale = { now: fresh.now + 3600n, maxAgeSeconds: 60n };
    await refusedAsync('stale_header', () =>
      verifyDeviceStatusProof({
        header: vectors.block.header,
        proof: p.proof,
        trust: currentTrust,
        freshness: stale,
        fleet: vectors.fleet,
        device: p.device,
      }),
    );
  });

  it('refuses a tampered proof: any byte of any node of the account or storage proof', async () => {
    const p = proofOf('active').proof;
    const flip = (hex: Hex, at: number): Hex => {
      const bytes = hexToBytes(hex);
      bytes[at] = bytes[at]! ^ 0x01;
      return bytesToHex(bytes);
    };
    for (const [i, node] of p.accountProof.entries()) {
      for (const at of [0, 1, Math.floor(node.length / 4), node.length / 2 - 2]) {
        const accountProof = p.accountProof.map((n, j) => (j === i ? flip(n, at) : n));
        await refusedAsync('bad_account_proof', () => verify('active', { ...p, accountProof }));
      }
    }
    const storage = p.storageProof[0]!;
    for (const [i, node] of storage.proof.entries()) {
      for (const at of [0, 1, Math.floor(node.length / 4), node.length / 2 - 2]) {
        const proof = storage.proof.map((n, j) => (j === i ? flip(n, at) : n));
        await refusedAsync('bad_storage_proof', () => verify('active', { ...p, storageProof: [{ ...storage, proof }] }));
      }
    }
  });

  it('refuses a proof that claims another value, a missing node, another device, another contract, another state root', async () => {
    const p = proofOf('active');
    const storage = p.proof.storageProof[0]!;
    const suspendedValue = proofOf('suspended').proof.storageProof[0]!.value;
    await refusedAsync('bad_storage_proof', () => verify('active', { ...p.proof, storageProof: [{ ...storage, value: suspendedValue }] }));
    await refusedAsync('bad_storage_proof', () =>
      verify('active', { ...p.proof, storageProof: [{ ...storage, proof: storage.proof.slice(0, -1) }] }),
    );
    await refusedAsync('bad_account_proof', () => verify('active', { ...p.proof, accountProof: p.proof.accountProof.slice(1) }));
    // Nodes in order only, and nothing the path does not use (a node after the leaf, the account proof's root repeated).
    await refusedAsync('bad_storage_proof', () =>
      verify('active', {
        ...p.proof,
        storageProof: [{ ...storage, proof: [...storage.proof, proofOf('suspended').proof.storageProof[0]!.proof.at(-1)!] }],
      }),
    );
    await refusedAsync('bad_storage_proof', () =>
      verify('active', { ...p.proof, storageProof: [{ ...storage, proof: [...storage.proof].reverse() }] }),
    );
    await refusedAsync('bad_account_proof', () =>
      verify('active', { ...p.proof, accountProof: [...p.proof.accountProof, p.proof.accountProof[0]!] }),
    );
    // The suspended device's proof handed to the active device: another slot.
    await refusedAsync('wrong_proof', () => verify('active', proofOf('suspended').proof));
    // The active device's proof, relabelled with the suspended device's slot: does not lead there.
    const relabelled = { ...storage, key: proofOf('suspended').proof.storageProof[0]!.key, value: suspendedValue };
    await refusedAsync('bad_storage_proof', () =>
      verify('active', { ...p.proof, storageProof: [relabelled] }, proofOf('suspended').device),
    );
    await refusedAsync('wrong_proof', () =>
      verifyFleetRecordProof({ stateRoot: vectors.block.stateRoot, fleet: vectors.validators[0]!, device: p.device, proof: p.proof }),
    );
    // Not an address at all (39 digits): wrong_proof too, not viem's InvalidAddressError.
    await refusedAsync('wrong_proof', () => verify('active', { ...p.proof, address: p.proof.address.slice(0, -1) as Hex }));
    await refusedAsync('bad_account_proof', () =>
      verifyFleetRecordProof({ stateRoot: keccak256('0x01'), fleet: vectors.fleet, device: p.device, proof: p.proof }),
    );
    await refusedAsync('bad_account_proof', () => verify('active', { ...p.proof, accountProof: [] }));
    await refusedAsync('bad_account_proof', () => verify('active', { ...p.proof, accountProof: ['0xzz' as Hex] }));
  });
});
