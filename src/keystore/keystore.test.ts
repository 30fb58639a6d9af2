import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keystore as OxKeystore } from 'ox';
import { privateKeyToAddress } from 'viem/accounts';
import {
  decryptKeystore,
  encryptKeystore,
  KeystoreError,
  parseKeystore,
  readKeystoreFile,
  writeKeystoreFile,
  type Keystore,
} from './index.js';

const PRIVATE_KEY = '0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d' as const;
const FAST = { scryptN: 1024, scryptR: 8, scryptP: 1 };

// The two published test vectors of the Web3 Secret Storage definition (password "testpassword").
const SPEC_SCRYPT = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
    ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
    kdf: 'scrypt',
    kdfparams: { dklen: 32, n: 262144, r: 1, p: 8, salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19' },
    mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};
const SPEC_PBKDF2 = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
    ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
    kdf: 'pbkdf2',
    kdfparams: { c: 262144, dklen: 32, prf: 'hmac-sha256', salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd' },
    mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};

const macMismatch = (error: unknown) =>
  error instanceof KeystoreError && error.code === 'mac_mismatch' && error.message === 'keystore MAC mismatch (wrong passphrase?)';

test('decrypts the Web3 Secret Storage scrypt test vector', async () => {
  const { privateKey, address } = await decryptKeystore(JSON.stringify(SPEC_SCRYPT), 'testpassword');
  assert.equal(privateKey, PRIVATE_KEY);
  assert.equal(address, privateKeyToAddress(PRIVATE_KEY));
});

test('decrypts the Web3 Secret Storage pbkdf2 test vector', async () => {
  const { privateKey } = await decryptKeystore(SPEC_PBKDF2 as Keystore, 'testpassword');
  assert.equal(privateKey, PRIVATE_KEY);
});

test('re-encrypting with the spec salt, iv and parameters reproduces the spec ciphertext and MAC', async () => {
  const params = SPEC_SCRYPT.crypto;
  const keystore = await encryptKeystore(PRIVATE_KEY, 'testpassword', {
    scryptN: 262144,
    scryptR: 1,
    scryptP: 8,
    salt: Buffer.from(params.kdfparams.salt, 'hex'),
    iv: Buffer.from(params.cipherparams.iv, 'hex'),
    id: SPEC_SCRYPT.id,
    includeAddress: false,
  });
  assert.deepEqual(keystore, SPEC_SCRYPT);
});

test('round trip, with the address field geth writes', async () => {
  const keystore = await encryptKeystore(PRIVATE_KEY, 'correct horse', FAST);
  assert.equal(keystore.version, 3);
  assert.match(keystore.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(keystore.address, privateKeyToAddress(PRIVATE_KEY).slice(2).toLowerCase());
  assert.equal(keystore.crypto.kdf, 'scrypt');
  const { privateKey } = await decryptKeystore(JSON.stringify(keystore), 'correct horse');
  assert.equal(privateKey, PRIVATE_KEY);
});

test('defaults to the standard scrypt cost (N = 262144)', async () => {
  const keystore = await encryptKeystore(PRIVATE_KEY, 'pw');
  assert.equal(keystore.crypto.kdf, 'scrypt');
  assert.deepEqual(
    { n: keystore.crypto.kdfparams.n, r: keystore.crypto.kdfparams.r, p: keystore.crypto.kdfparams.p },
    { n: 262144, r: 8, p: 1 },
  );
});

test('interop: an independent implementation (ox, on @noble) decrypts ours and we decrypt its', async () => {
  const ours = await encryptKeystore(PRIVATE_KEY, 'testpassword', FAST);
  const [oxKey] = OxKeystore.scrypt({ password: 'testpassword', salt: `0x${ours.crypto.kdfparams.salt}`, n: 1024, r: 8, p: 1 });
  assert.equal(OxKeystore.decrypt(ours as unknown as OxKeystore.Keystore, oxKey), PRIVATE_KEY);

  const [key, opts] = OxKeystore.scrypt({ password: 'ox password', n: 1024, r: 8, p: 1 });
  const theirs = OxKeystore.encrypt(PRIVATE_KEY, key, opts);
  assert.equal((await decryptKeystore(JSON.stringify(theirs), 'ox password')).privateKey, PRIVATE_KEY);
});

test('wrong passphrase: clear error', async () => {
  const keystore = await encryptKeystore(PRIVATE_KEY, 'right', FAST);
  await assert.rejects(decryptKeystore(keystore, 'wrong'), macMismatch);
});

test('tampered ciphertext or MAC is refused', async () => {
  const keystore = await encryptKeystore(PRIVATE_KEY, 'pw', FAST);
  const flip = (hex: string, at: number) => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);
  const badCipher = structuredClone(keystore);
  badCipher.crypto.ciphertext = flip(badCipher.crypto.ciphertext, 5);
  await assert.rejects(decryptKeystore(badCipher, 'pw'), macMismatch);
  const badMac = structuredClone(keystore);
  badMac.crypto.mac = flip(badMac.crypto.mac, 63);
  await assert.rejects(decryptKeystore(badMac, 'pw'), macMismatch);
  const badSalt = structuredClone(keystore);
  badSalt.crypto.kdfparams.salt = flip(badSalt.crypto.kdfparams.salt, 0);
  await assert.rejects(decryptKeystore(badSalt, 'pw'), macMismatch);
});

test('a swapped address field is refused', async () => {
  const keystore = await encryptKeystore(PRIVATE_KEY, 'pw', FAST);
  keystore.address = '00'.repeat(20);
  await assert.rejects(decryptKeystore(keystore, 'pw'), (e: unknown) => e instanceof KeystoreError && e.code === 'address_mismatch');
});

test('malformed and hostile documents get clear errors, not crashes', async () => {
  const base = await encryptKeystore(PRIVATE_KEY, 'pw', FAST);
  const cases: Array<[unknown, RegExp]> = [
    ['not json', /not valid JSON/],
    [[], /JSON object/],
    [{ ...base, version: 1 }, /version 1/],
    [{ ...base, crypto: { ...base.crypto, cipher: 'aes-128-cbc' } }, /cipher "aes-128-cbc"/],
    [{ ...base, crypto: { ...base.crypto, mac: 'zz' } }, /mac must be hex/],
    [{ ...base, crypto: { ...base.crypto, kdf: 'argon2' } }, /kdf "argon2"/],
    [{ ...base, crypto: { ...base.crypto, kdfparams: { ...base.crypto.kdfparams, n: 1000 } } }, /power of two/],
    [{ ...base, crypto: { ...base.crypto, kdfparams: { ...base.crypto.kdfparams, n: 2 ** 24 } } }, /MiB/],
  ];
  for (const [input, message] of cases) {
    await assert.rejects(
      decryptKeystore(typeof input === 'string' ? input : JSON.stringify(input), 'pw'),
      (e: unknown) => e instanceof KeystoreError && message.test(e.message),
      String(message),
    );
  }
  await assert.rejects(
    encryptKeystore(`0x${'00'.repeat(32)}`, 'pw', FAST),
    (e: unknown) => e instanceof KeystoreError && e.code === 'invalid_key',
  );
});

test('accepts the "Crypto" capitalisation and 0x-prefixed fields of older wallets', async () => {
  const keystore = await encryptKeystore(PRIVATE_KEY, 'pw', FAST);
  const { crypto, ...rest } = keystore;
  const legacy = { ...rest, Crypto: { ...crypto, mac: `0x${crypto.mac}` } };
  assert.equal(parseKeystore(legacy).crypto.mac, crypto.mac);
  assert.equal((await decryptKeystore(JSON.stringify(legacy), 'pw')).privateKey, PRIVATE_KEY);
});

test('files: written 0600 and atomically, read back', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pythia-keystore-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'device.json');
  await writeFile(path, 'old content', { mode: 0o644 });
  const keystore = await encryptKeystore(PRIVATE_KEY, 'pw', FAST);
  await writeKeystoreFile(path, keystore);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(dir), ['device.json'], 'no temp file left behind');
  assert.deepEqual(await readKeystoreFile(path), keystore);
  assert.equal((await decryptKeystore(await readFile(path, 'utf8'), 'pw')).privateKey, PRIVATE_KEY);
  await assert.rejects(writeKeystoreFile(path, { version: 3 } as unknown as Keystore), KeystoreError);
  assert.deepEqual(await readKeystoreFile(path), keystore, 'a refused write leaves the old file intact');
});
