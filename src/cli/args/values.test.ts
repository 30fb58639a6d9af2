import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../output.js';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { collect, parseChainEndpoint, parseChoice, parseHexBytes, parsePublicKey, parseText, parseUrl } from './values.js';

const refused = (fn: () => unknown, pattern: RegExp, label: string) =>
  assert.throws(fn, (e: unknown) => e instanceof InvalidArgumentError && pattern.test(e.message), label);

describe('text, hex, keys, URLs and names', () => {
  it('text: 1 to n bytes, not only blanks', () => {
    assert.equal(parseText('--reason', 'stolen', 256), 'stolen');
    assert.equal(parseText('--reason', 'é'.repeat(128), 256), 'é'.repeat(128));
    refused(() => parseText('--reason', ' ', 256), /--reason must be 1 to 256 bytes/, 'blank');
    refused(() => parseText('--reason', 'é'.repeat(129), 256), /--reason must be 1 to 256 bytes/, '258 bytes');
  });

  it('hex bytes with an optional 0x, of a fixed or bounded length', () => {
    assert.equal(parseHexBytes('--nonce', 'AB'.repeat(32), { bytes: 32 }), `0x${'ab'.repeat(32)}`);
    assert.equal(parseHexBytes('--args', '0x', { maxBytes: 256 }), '0x');
    refused(() => parseHexBytes('--nonce', '0xabc', { bytes: 32 }), /--nonce must be 32 bytes of hex/, 'odd');
    refused(() => parseHexBytes('--args', `0x${'00'.repeat(257)}`, { maxBytes: 256 }), /--args must be at most 256 bytes of hex/, 'long');
  });

  it('chain endpoints: an http(s) URL, or the path of an existing IPC socket (made absolute)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pythia-endpoint-'));
    const socket = join(dir, 'node.ipc');
    const server = createServer().listen(socket);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      assert.equal(parseChainEndpoint('--rpc-url', 'http://127.0.0.1:8545/'), 'http://127.0.0.1:8545');
      assert.equal(parseChainEndpoint('--rpc-url', socket), socket);
      assert.equal(parseChainEndpoint('--rpc-url', relative(process.cwd(), socket)), socket);
      writeFileSync(join(dir, 'file.ipc'), '');
      refused(
        () => parseChainEndpoint('--rpc-url', join(dir, 'file.ipc')),
        /--rpc-url must be an http\(s\) URL or the path of an IPC socket; .* is not a socket/,
        'a file',
      );
      refused(() => parseChainEndpoint('--rpc-url', join(dir, 'none.ipc')), /does not exist/, 'missing');
      refused(() => parseChainEndpoint('--rpc-url', 'ws://127.0.0.1:8546'), /must be a http:\/\/, https:\/\/ URL/, 'websocket');
      assert.throws(() => parseChainEndpoint('--rpc-url', 'https://user:secret@node.example'), UsageError, 'a password in the URL');
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('public keys: 64 bytes X ‖ Y or 65 bytes 04 ‖ X ‖ Y', () => {
    const xy = `0x${'11'.repeat(64)}`;
    assert.equal(parsePublicKey('<publicKey>', xy), xy);
    assert.equal(parsePublicKey('<publicKey>', `0x04${'11'.repeat(64)}`), xy);
    refused(() => parsePublicKey('<publicKey>', `0x02${'11'.repeat(32)}`), /must be 64 bytes \(X ‖ Y\) or 65 bytes/, 'compressed');
  });

  it('URLs of the allowed schemes, without a trailing slash', () => {
    assert.equal(parseUrl('--gateway', 'http://127.0.0.1:8080/'), 'http://127.0.0.1:8080');
    assert.equal(parseUrl('--mqtt-url', 'mqtt://host:1883', ['mqtt:', 'mqtts:']), 'mqtt://host:1883');
    refused(() => parseUrl('--gateway', 'not a url'), /--gateway is not a URL/, 'text');
    refused(() => parseUrl('--gateway', 'ftp://host'), /--gateway must be a http:\/\/, https:\/\/ URL/, 'scheme');
    assert.equal(
      parseUrl('--mqtt-url', 'mqtt://pythia-gateway@host:1883', ['mqtt:']),
      'mqtt://pythia-gateway@host:1883',
      'a user name is no secret',
    );
    assert.throws(
      () => parseUrl('--mqtt-url', 'mqtt://pythia-gateway:s3cret-pw@host:1883', ['mqtt:']),
      (e: unknown) =>
        e instanceof UsageError &&
        e.exitCode === 2 &&
        /--mqtt-url carries a password \(mqtt:\/\/pythia-gateway:…@host:1883\).*process list/.test(e.message) &&
        !e.message.includes('s3cret-pw'),
      'a password in a URL is refused, and not repeated',
    );
  });

  it('names from a list, case-insensitive, returned as listed', () => {
    assert.equal(parseChoice('<tee>', 'SGX', ['sgx', 'tdx'] as const), 'sgx');
    refused(() => parseChoice('<tee>', 'sev', ['sgx', 'tdx'] as const), /<tee> must be sgx or tdx, got "sev"/, 'other');
  });

  it('repeatable options keep every value in order, each parsed', () => {
    const parseAll = collect((v: string) => parseText('--x', v, 3));
    assert.deepEqual(parseAll('b', parseAll('a')), ['a', 'b']);
    assert.throws(() => parseAll('long'), InvalidArgumentError);
  });
});
