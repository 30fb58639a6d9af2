import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, concatBytes, hexToBytes, keccak256 } from 'viem';
import { checkpointOf, readChainProofVectors, trustAt } from './chainProofCVectors.js';
import { ChainProofError, type ChainProofReason, type CliqueTrust, decodeCliqueTrust, encodeCliqueTrust } from './index.js';

/** The trust followed through the real checkpoints of the geth vectors (a 4th validator voted in, validator-3 voted out). */
const vectors = readChainProofVectors();
const genesis: CliqueTrust = { validators: vectors.validators, checkpoint: 0n, epoch: BigInt(vectors.epoch) };
const reached = trustAt(vectors, checkpointOf(vectors, vectors.block.number));
/** The same bytes sdk-c/test/test_vectors.c expects from pythia_clique_trust_encode: the two SDKs store one format. */
const C_SDK_BYTES =
  '0x5059435401030000000000000000053900000000000000080000000000000038bddd73241eb1bc4bb72ac8ad0272a9277ba9cc079b8ffc17ed7c758d8ee46d8a3818ae41155202dcd214de1fa20b82f05643bc1e87b2f86ff8bce2afa96f5a77e2c96c215297e7e29b118de18eb5882a0fb83035b2ad6c80ece96926b20eee11c03906ff51bb7cac3051516acc44709f2fe24320f25baf33e0028986';

const decode = (bytes: Uint8Array, over: Partial<{ chainId: number; genesis: CliqueTrust }> = {}) =>
  decodeCliqueTrust({ bytes, chainId: 1337, genesis, ...over });
function refused(reason: ChainProofReason, run: () => unknown): void {
  assert.throws(run, (error: unknown) => error instanceof ChainProofError && error.reason === reason, reason);
}
/** An edit with the checksum made again, so that it reaches the checks behind the checksum. */
const resealed = (bytes: Uint8Array) => concatBytes([bytes.subarray(0, -32), hexToBytes(keccak256(bytes.subarray(0, -32)))]);

describe('the stored Clique trust (encodeCliqueTrust / decodeCliqueTrust, C pythia_clique_trust_encode/decode)', () => {
  it('stores the trust reached through the real checkpoints in the C SDK’s bytes and reads it back', () => {
    assert.ok(reached.checkpoint > 0n);
    const bytes = encodeCliqueTrust({ trust: reached, chainId: 1337, genesis });
    assert.equal(bytes.length, 96 + 20 * reached.validators.length);
    assert.equal(bytesToHex(bytes), C_SDK_BYTES);
    assert.deepEqual(decode(bytes), reached);
    assert.deepEqual(decode(encodeCliqueTrust({ trust: genesis, chainId: 1337, genesis })), genesis);
  });

  it('refuses a record cut, lengthened, with any bit flipped, from another chain or genesis, or resealed with bad contents', () => {
    const bytes = encodeCliqueTrust({ trust: reached, chainId: 1337, genesis });
    for (let n = 0; n < bytes.length; n++) refused('trust_truncated', () => decode(bytes.subarray(0, n)));
    refused('trust_truncated', () => decode(concatBytes([bytes, new Uint8Array(1)])));
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = bytes.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      const at = bit >> 3;
      assert.throws(() => decode(flipped), ChainProofError, `bit ${bit}`);
      if (at < 5 || at === 6 || at === 7) refused('trust_unknown_format', () => decode(flipped));
      if (at >= 8) refused('trust_corrupted', () => decode(flipped));
    }
    refused('trust_foreign', () => decode(bytes, { chainId: 1338 }));
    refused('trust_foreign', () => decode(bytes, { genesis: { ...genesis, validators: genesis.validators.slice(1) } }));
    refused('trust_foreign', () => decode(bytes, { genesis: { ...genesis, epoch: genesis.epoch * 2n } }));
    const twice = bytes.slice();
    twice.set(bytes.subarray(64, 84), 84);
    refused('trust_invalid', () => decode(resealed(twice)));
    const offEpoch = bytes.slice();
    offEpoch[31]! += 1;
    refused('trust_invalid', () => decode(resealed(offEpoch)));
    refused('trust_unknown_format', () => decode(new TextEncoder().encode('{"checkpoint":"0"}')));
  });

  it('will not store what it could not read back', () => {
    assert.throws(() => encodeCliqueTrust({ trust: { ...reached, validators: [] }, chainId: 1337, genesis }), RangeError);
    assert.throws(
      () => encodeCliqueTrust({ trust: { ...reached, checkpoint: reached.checkpoint + 1n }, chainId: 1337, genesis }),
      RangeError,
    );
    assert.throws(() => encodeCliqueTrust({ trust: { ...reached, epoch: genesis.epoch * 2n }, chainId: 1337, genesis }), RangeError);
    const twice = [reached.validators[0]!, reached.validators[0]!];
    assert.throws(() => encodeCliqueTrust({ trust: { ...reached, validators: twice }, chainId: 1337, genesis }), RangeError);
  });
});
