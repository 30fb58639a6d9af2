import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import secp256k1 from 'secp256k1';
import { EcdsaPool } from './ecdsaPool.js';

const digestOf = (text: string) => new Uint8Array(createHash('sha256').update(text).digest());

describe('EcdsaPool', () => {
  const signingKey = new Uint8Array(randomBytes(32));
  const publicKey = secp256k1.publicKeyCreate(signingKey, false);
  const pool = new EcdsaPool({ threads: 2, signingKey });
  after(() => pool.close());

  it('signs exactly as libsecp256k1 does inline (RFC 6979, low s) and verifies its own signatures', async () => {
    const digests = Array.from({ length: 50 }, (_, i) => digestOf(`message ${i}`));
    const signatures = await Promise.all(digests.map((d) => pool.sign(d)));
    signatures.forEach((signature, i) => {
      assert.deepEqual(Buffer.from(signature), Buffer.from(secp256k1.ecdsaSign(digests[i]!, signingKey).signature));
    });
    const verdicts = await Promise.all(signatures.map((s, i) => pool.verify(s, digests[i]!, publicKey)));
    assert.ok(verdicts.every((v) => v === true));
  });

  it('keeps each answer with its own job when verdicts differ within a batch', async () => {
    const good = await pool.sign(digestOf('a'));
    const jobs = Array.from({ length: 40 }, (_, i) =>
      i % 3 === 0 ? pool.verify(good, digestOf('b'), publicKey) : pool.verify(good, digestOf('a'), publicKey),
    );
    assert.deepEqual(
      await Promise.all(jobs),
      Array.from({ length: 40 }, (_, i) => i % 3 !== 0),
    );
  });

  it('rejects one malformed job without failing the rest of its batch', async () => {
    const signature = await pool.sign(digestOf('x'));
    const [bad, ok] = await Promise.allSettled([
      pool.verify(signature, digestOf('x'), new Uint8Array(65)), // not a point
      pool.verify(signature, digestOf('x'), publicKey),
    ]);
    assert.equal(bad.status, 'rejected');
    assert.deepEqual(ok, { status: 'fulfilled', value: true });
  });

  it('refuses to sign without a key, and refuses work once closed', async () => {
    const keyless = new EcdsaPool({ threads: 1 });
    await assert.rejects(keyless.sign(digestOf('y')), /no signing key/);
    await keyless.close();
    await assert.rejects(keyless.verify(new Uint8Array(64), digestOf('y'), publicKey), /closed/);
    assert.throws(() => new EcdsaPool({ threads: 0 }), RangeError);
    assert.throws(() => new EcdsaPool({ threads: 1, signingKey: new Uint8Array(31) }), RangeError);
  });
});
