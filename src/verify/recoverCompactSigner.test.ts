import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import secp256k1 from 'secp256k1';
import { bytesToHex, hexToBytes, type Hex } from 'viem';
import { readingDigest, readingDomainSeparator } from '../protocol/eip712.js';
import { recoverDigestSigner } from '../protocol/recoverDigestSigner.js';
import { SECP256K1_HALF_N, splitSignature, toCompact } from '../protocol/signature.js';
import { recoverCompactSigner } from './recoverCompactSigner.js';

// The test vector of docs/protocol.md (a public key: never for a real device).
const vector = {
  deviceId: '0xbd9302f395cd8356bb228dBB2e118893FE6D45d7',
  chainId: 20601,
  verifyingContract: '0x00000000000000000000000000000000000F1EE7',
  digest: '0x8be1e2e22dfb91098979e2c786aee2b3ba738ab4bc799b780be7ea2332468e28',
  signature:
    '0x58d995d34b3e072ce320dbf9b53b29c5ad1b07fd453a65f9a175739f733aa6687db866182fd3685ab3ec3689e5c3bb629ee82388f9d9d9052c584bacaf3cbfb71c',
} as const;

describe('recoverCompactSigner (the contract signature rules)', () => {
  it('recovers the device of the protocol test vector from the compact form the contract receives', () => {
    const digest = readingDigest(readingDomainSeparator(vector), {
      device: vector.deviceId,
      sequence: 1n,
      timestamp: 1767225600n,
      payload: '0x007b00fb013001c40866157c',
    });
    assert.equal(bytesToHex(digest), vector.digest);
    const { r, vs } = toCompact(splitSignature(vector.signature));
    assert.equal(recoverCompactSigner(digest, r, vs), vector.deviceId.toLowerCase());
  });

  it('refuses s in the upper half even where plain ecrecover would give an address', () => {
    const digest = hexToBytes(vector.digest);
    const { r } = toCompact(splitSignature(vector.signature));
    const highS = SECP256K1_HALF_N + 12345n; // below 2^255: representable in compact form
    const vs = `0x${highS.toString(16).padStart(64, '0')}` as Hex;
    // Plain ecrecover (libsecp256k1, no EIP-2 rule) recovers a key from it.
    const plain = Buffer.from(`${r.slice(2)}${highS.toString(16).padStart(64, '0')}`, 'hex');
    assert.doesNotThrow(() => secp256k1.ecdsaRecover(plain, 0, digest, false), 'ecrecover alone recovers some key');
    assert.equal(recoverDigestSigner(digest, `0x${r.slice(2)}${highS.toString(16).padStart(64, '0')}1b`), undefined, 'not by our rules');
    assert.equal(recoverCompactSigner(digest, r, vs), undefined);
  });

  it('recovers nothing from r = 0 or r, s at or over the group order', () => {
    const digest = hexToBytes(vector.digest);
    const { r, vs } = toCompact(splitSignature(vector.signature));
    assert.equal(recoverCompactSigner(digest, `0x${'0'.repeat(64)}`, vs), undefined);
    assert.equal(recoverCompactSigner(digest, `0x${'f'.repeat(64)}`, vs), undefined);
    assert.equal(recoverCompactSigner(digest, r, `0x${'0'.repeat(64)}`), undefined);
  });
});
