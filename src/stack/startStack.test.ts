import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { deploymentPath, readDeployment } from '../chain/deployment.js';
import { deploymentSchemaError } from '../chain/deploymentSchema.js';
import { privateKeyOfNativeAccount } from '../chain/nativeAccount.js';
import { LIGHT_SCRYPT } from '../keystore/index.js';
import { commandLineOf, descendantPids } from '../testing/processTree.js';
import { selfSignedCertificate } from '../testing/selfSignedCertificate.js';
import { readTlsFiles } from './hostSecurity.js';
import { startStack, type Stack } from './startStack.js';

/**
 * Host hygiene of a whole node (issue #17, docs/security.md "Host"): a real startStack (Anvil,
 * contracts, gateway, embedded MQTT broker) with TLS, then the files it left and the processes it runs.
 */
const scratch = mkdtempSync(join(tmpdir(), 'pythia-stack-host-'));
const dataDir = join(scratch, 'node');
const passphrase = 'host hygiene passphrase';
// The usual umask (022): every private mode found below is one the node set itself.
const umask = process.umask(0o022);
let stack: Stack | undefined;
let tls: ReturnType<typeof readTlsFiles>;

before(async () => {
  tls = readTlsFiles(selfSignedCertificate(scratch));
  // A directory someone made world-readable, with a database file from an earlier, careless run.
  mkdirSync(dataDir, { mode: 0o755 });
  chmodSync(dataDir, 0o755);
  writeFileSync(join(dataDir, 'notes.txt'), 'left by the operator', { mode: 0o644 });
  chmodSync(join(dataDir, 'notes.txt'), 0o644);
});
after(async () => {
  await stack?.stop();
  process.umask(umask);
  rmSync(scratch, { recursive: true, force: true });
});

/** Every file and directory under `dir`, with its mode. */
function modes(dir: string): Array<{ path: string; mode: number; directory: boolean }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) return [];
    const here = { path, mode: statSync(path).mode & 0o777, directory: entry.isDirectory() };
    return entry.isDirectory() ? [here, ...modes(path)] : [here];
  });
}

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('a node on its host', { timeout: 240_000 }, () => {
  it('refuses a non-loopback --host without TLS before it writes anything', async () => {
    const elsewhere = join(scratch, 'refused');
    await assert.rejects(
      startStack({
        dataDir: elsewhere,
        passphrase,
        chain: 'anvil',
        gatewayHost: '0.0.0.0',
        gatewayPort: 0,
        scryptN: LIGHT_SCRYPT.n,
      }),
      /--host 0\.0\.0\.0 is not a loopback address/,
    );
    assert.equal(existsSync(elsewhere), false);
  });

  it('starts with TLS: the data directory is 0700 and every file of Pythia’s in it 0600', async () => {
    stack = await startStack({
      dataDir,
      passphrase,
      chain: 'anvil',
      gatewayPort: 0,
      mqttPort: 0,
      tls,
      scryptN: LIGHT_SCRYPT.n,
    });
    assert.match(stack.gatewayUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(stack.mqttUrl ?? '', /^mqtts:\/\/127\.0\.0\.1:\d+$/);
    // Some traffic first, so that SQLite has its -wal and -shm files and Anvil a snapshot.
    assert.equal((await httpsGet(`${stack.gatewayUrl}/healthz`, tls.cert)).status, 200);
    await stack.embeddedChain!.save();
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    const all = modes(dataDir);
    const names = all.map((f) => f.path.slice(dataDir.length + 1));
    for (const expected of [
      'deployment.json',
      'pythia.lock',
      'gateway.sqlite',
      'gateway.sqlite-wal',
      'gateway.sqlite-shm',
      'chain/anvil.pid',
      'keys/admin.json',
      'notes.txt',
    ]) {
      assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
    }
    assert.ok(
      names.some((n) => n.startsWith('chain/state')),
      'a chain snapshot',
    );
    for (const f of all.filter((f) => !f.path.endsWith('notes.txt'))) {
      assert.equal(f.mode, f.directory ? 0o700 : 0o600, `${f.path} is ${f.mode.toString(8)}`);
    }
    const now = process.umask(0o022);
    assert.equal(now, 0o022, 'the node left the process umask alone');
    assert.equal(
      statSync(join(dataDir, 'notes.txt')).mode & 0o777,
      0o644,
      'the operator’s own file is left alone, behind the 0700 directory',
    );
  });

  it('writes a deployment.json that its documented schema accepts', () => {
    const raw = JSON.parse(readFileSync(deploymentPath(dataDir), 'utf8'));
    assert.equal(deploymentSchemaError(raw), undefined);
    assert.equal(readDeployment(dataDir).gatewayUrl, stack!.gatewayUrl);
  });

  it('serves HTTPS and MQTT over TLS that a client holding the certificate verifies', async () => {
    const abi = await httpsGet(`${stack!.gatewayUrl}/v1/abi`, tls.cert);
    assert.equal(abi.status, 200);
    await assert.rejects(
      httpsGet(stack!.gatewayUrl.replace('https', 'http').concat('/healthz'), tls.cert).then(() => 'plain'),
      'no plain HTTP on the port',
    );
    const client = mqtt.connect(stack!.mqttUrl!, {
      ca: tls.cert,
      username: 'stranger',
      password: 'x',
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    const error = await new Promise<Error>((resolve) => client.once('error', resolve));
    client.end(true);
    assert.match(
      error.message,
      /Bad username or password|Not authorized/,
      'the TLS handshake held and the broker itself refused the stranger',
    );
    const untrusted = mqtt.connect(stack!.mqttUrl!, { reconnectPeriod: 0, connectTimeout: 5000 });
    const tlsError = await new Promise<Error>((resolve) => untrusted.once('error', resolve));
    untrusted.end(true);
    assert.match(tlsError.message, /self[- ]signed|certificate/i, 'a client that does not trust the certificate is refused by TLS');
  });

  it('puts no secret on the command line of any process it started', () => {
    const { admin, operator, relayer, pythia } = stack!.roles;
    const secrets = [passphrase, ...[admin, operator, relayer, pythia].map((account) => privateKeyOfNativeAccount(account))]
      .filter((s): s is string => typeof s === 'string' && s.length > 0)
      .flatMap((s) => (s.startsWith('0x') ? [s, s.slice(2)] : [s]));
    assert.ok(secrets.length >= 3, 'the passphrase and role keys to look for');
    const children = descendantPids(process.pid);
    assert.ok(children.includes(stack!.embeddedChain!.pid()), 'Anvil is among the processes looked at');
    for (const pid of children) {
      const argv = commandLineOf(pid);
      if (argv === undefined) continue;
      for (const secret of secrets)
        assert.ok(!argv.toLowerCase().includes(secret.toLowerCase()), `pid ${pid} (${argv.slice(0, 60)}…) has a secret on its argv`);
    }
  });
});
