import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { selfSignedCertificate } from '../testing/selfSignedCertificate.js';
import { checkListenSecurity, isLoopbackHost, readTlsFiles, secureDataDir } from './hostSecurity.js';

const scratch = mkdtempSync(join(tmpdir(), 'pythia-host-'));
const umask = process.umask(0o022);
after(() => {
  process.umask(umask);
  rmSync(scratch, { recursive: true, force: true });
});

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('the data directory is private to the node', () => {
  it('narrows an existing 0755 directory and its 0644 files to 0700/0600, and new files are 0600', () => {
    const dataDir = join(scratch, 'existing');
    mkdirSync(join(dataDir, 'chain'), { recursive: true, mode: 0o755 });
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'chain'), 0o755);
    for (const file of ['gateway.sqlite', 'gateway.sqlite-wal', 'deployment.json', 'chain/state.json.gz']) {
      writeFileSync(join(dataDir, file), 'x', { mode: 0o644 });
      chmodSync(join(dataDir, file), 0o644);
    }
    writeFileSync(join(dataDir, 'operator-notes.txt'), "not Pythia's", { mode: 0o644 });
    chmodSync(join(dataDir, 'operator-notes.txt'), 0o644);
    const { narrowed } = secureDataDir(dataDir);
    assert.equal(
      modeOf(join(dataDir, 'operator-notes.txt')),
      0o644,
      "a file that is not Pythia's is left alone (the 0700 directory guards it)",
    );
    assert.equal(modeOf(dataDir), 0o700);
    assert.equal(modeOf(join(dataDir, 'chain')), 0o700);
    for (const file of ['gateway.sqlite', 'gateway.sqlite-wal', 'deployment.json', 'chain/state.json.gz']) {
      assert.equal(modeOf(join(dataDir, file)), 0o600, file);
    }
    assert.equal(narrowed.length, 6, narrowed.join(', '));
    assert.equal(process.umask(0o022), 0o022, 'the process umask is left alone: what the node creates later has explicit modes');
  });

  it('creates a missing directory 0700 and leaves a private one as it is', () => {
    const dataDir = join(scratch, 'new', 'nested');
    assert.deepEqual(secureDataDir(dataDir).narrowed, []);
    assert.equal(modeOf(dataDir), 0o700);
    assert.deepEqual(secureDataDir(dataDir).narrowed, []);
  });
});

describe('listening beyond loopback', () => {
  it('loopback addresses are 127.0.0.0/8, ::1 and localhost', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) assert.ok(isLoopbackHost(host), host);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'gateway.example.org', '128.0.0.1']) assert.ok(!isLoopbackHost(host), host);
  });

  it('needs TLS or a TLS proxy the operator names', () => {
    assert.doesNotThrow(() => checkListenSecurity({ host: '127.0.0.1' }));
    assert.throws(
      () => checkListenSecurity({ host: '0.0.0.0' }),
      /--host 0\.0\.0\.0 is not a loopback address.*--tls-cert.*--behind-tls-proxy/,
    );
    assert.doesNotThrow(() => checkListenSecurity({ host: '0.0.0.0', behindTlsProxy: true }));
    const tls = readTlsFiles(selfSignedCertificate(mkdtempSync(join(scratch, 'tls-'))));
    assert.doesNotThrow(() => checkListenSecurity({ host: '0.0.0.0', tls }));
  });

  it('refuses a certificate with another key, and files it cannot read', () => {
    const a = selfSignedCertificate(mkdtempSync(join(scratch, 'a-')));
    const b = selfSignedCertificate(mkdtempSync(join(scratch, 'b-')));
    assert.throws(() => readTlsFiles({ certPath: a.certPath, keyPath: b.keyPath }), /cannot be used together/);
    assert.throws(() => readTlsFiles({ certPath: join(scratch, 'missing.pem'), keyPath: a.keyPath }), /cannot read the TLS certificate/);
  });
});
