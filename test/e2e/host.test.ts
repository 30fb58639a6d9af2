import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Aedes } from 'aedes';
import { commandLineOf, descendantPids } from '../../src/testing/processTree.js';
import { runPythia, startPythiaUp, stopPythiaUp as stop } from './runPythia.js';
import { pythiaBin } from '../../src/testing/pythiaBin.js';

/**
 * docs/security.md, "Host": secrets never on argv, TLS or a refusal beyond loopback, through the
 * real `pythia` command and a real external MQTT broker.
 */
const pythiaCli = pythiaBin();
const passphrase = 'host-test-passphrase-not-a-secret';
const dir = mkdtempSync(join(tmpdir(), 'pythia-host-e2e-'));
const mqttPassword = `gw-${randomBytes(12).toString('hex')}`;
let broker: Awaited<ReturnType<typeof Aedes.createBroker>>;
let brokerServer: ReturnType<typeof createServer>;
let brokerPort: number;
const gatewayLogins: string[] = [];

before(async () => {
  broker = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      const ok = username === 'pythia-gateway' && password?.toString() === mqttPassword;
      if (ok) gatewayLogins.push(client.id);
      done(null, ok);
    },
  });
  brokerServer = createServer(broker.handle);
  await new Promise<void>((resolve) => brokerServer.listen(0, '127.0.0.1', resolve));
  brokerPort = (brokerServer.address() as AddressInfo).port;
});
after(async () => {
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => brokerServer.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** `pythia up --chain anvil` (plus `args`) until it prints its deployment. */
const upUntilReady = (args: string[], env: Record<string, string> = {}) => startPythiaUp(['--chain', 'anvil', ...args], passphrase, env);

describe('pythia up on a shared host', { timeout: 300_000 }, () => {
  it('refuses a password in --mqtt-url (exit 2) without repeating it, before it touches the data directory', async () => {
    const dataDir = join(dir, 'url-password');
    const run = await runPythia(
      ['up', '--mqtt-url', `mqtt://pythia-gateway:${mqttPassword}@127.0.0.1:${brokerPort}`, '--data-dir', dataDir],
      passphrase,
    );
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--mqtt-url carries a password .*process list/);
    assert.ok(!run.stderr.includes(mqttPassword) && !run.stdout.includes(mqttPassword), 'the password is not printed');
    assert.equal(existsSync(dataDir), false);
  });

  it('refuses --host 0.0.0.0 without TLS or --behind-tls-proxy (exit 2), and a password file others can read', async () => {
    const dataDir = join(dir, 'open-host');
    const run = await runPythia(['up', '--host', '0.0.0.0', '--data-dir', dataDir], passphrase);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--host 0\.0\.0\.0 is not a loopback address.*--tls-cert.*--behind-tls-proxy/);
    assert.equal(existsSync(dataDir), false);
    const file = join(dir, 'readable-password');
    writeFileSync(file, `${mqttPassword}\n`);
    chmodSync(file, 0o644);
    const readable = await runPythia(
      [
        'up',
        '--chain',
        'anvil',
        '--mqtt-url',
        `mqtt://pythia-gateway@127.0.0.1:${brokerPort}`,
        '--mqtt-password-file',
        file,
        '--data-dir',
        dataDir,
      ],
      passphrase,
    );
    assert.equal(readable.code, 2, readable.stderr);
    assert.match(readable.stderr, /mode 644: other users can read it; chmod 600 it/);
  });

  it('logs in to an external broker with the password from a 0600 file, no process it runs has it on argv, and refusals are logged by default', async () => {
    const file = join(dir, 'mqtt-password');
    writeFileSync(file, `${mqttPassword}\n`, { mode: 0o600 });
    const dataDir = join(dir, 'external-broker');
    const { child, deployment, stderr } = await upUntilReady([
      '--mqtt-url',
      `mqtt://pythia-gateway@127.0.0.1:${brokerPort}`,
      '--mqtt-password-file',
      file,
      '--data-dir',
      dataDir,
    ]);
    try {
      assert.equal(deployment.mqttUrl, `mqtt://127.0.0.1:${brokerPort}`);
      assert.ok(gatewayLogins.length >= 1, 'the gateway logged in to the broker with the password');
      const pids = [child.pid!, ...descendantPids(child.pid!)];
      assert.ok(pids.length >= 2, 'pythia up and the Anvil it started');
      for (const pid of pids) {
        const argv = commandLineOf(pid);
        if (argv === undefined) continue;
        assert.ok(!argv.includes(mqttPassword), `pid ${pid} has the MQTT password on its argv: ${argv}`);
        assert.ok(!argv.includes(passphrase), `pid ${pid} has the passphrase on its argv`);
      }
      // `pythia up` logs security events at warn without being asked (issue #17, point 17).
      const forged = `0x${'11'.repeat(64)}1b`;
      const refused = await fetch(`${deployment.gatewayUrl}/v1/readings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          device: `0x${'22'.repeat(20)}`,
          sequence: 1,
          timestamp: 1_700_000_000,
          payload: '0x00',
          signature: forged,
        }),
      });
      assert.ok(refused.status >= 400 && refused.status < 500, String(refused.status));
      await new Promise((r) => setTimeout(r, 300));
      const line = stderr()
        .split('\n')
        .find((l) => l.includes('"security":"device_refused"'));
      assert.ok(line, `a security line on stderr: ${stderr().slice(-2000)}`);
      assert.ok(!line.includes(forged.slice(2)), 'no signature in the log');
    } finally {
      assert.equal(await stop(child), 0);
    }
  });

  it('refuses to start the embedded chain where no network namespace can be made: the reason, what to do, no chain left running', async () => {
    // A host whose kernel refuses unprivileged namespaces (Ubuntu's AppArmor default, hardened
    // kernels): util-linux's unshare then fails as this stand-in does. Everything else is real.
    const bin = join(dir, 'no-namespaces');
    mkdirSync(bin);
    writeFileSync(join(bin, 'unshare'), '#!/bin/sh\necho "unshare: unshare failed: Operation not permitted" >&2\nexit 1\n', {
      mode: 0o755,
    });
    const dataDir = join(dir, 'no-isolation');
    const child = spawn(process.execPath, [pythiaCli, 'up', '--chain', 'anvil', '--port', '0', '--data-dir', dataDir], {
      env: { ...process.env, PYTHIA_PASSPHRASE: passphrase, PATH: `${bin}:${process.env.PATH}` },
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1, stderr);
    assert.match(
      stderr,
      /the embedded chain cannot be isolated from this host's network \(--net: unshare: unshare failed: Operation not permitted; --net --map-root-user: unshare: unshare failed: Operation not permitted\)/,
    );
    assert.match(
      stderr,
      /Allow unprivileged user namespaces .* or run the default geth chain \(no --chain anvil\), or a node of your own with --rpc-url/,
    );
    assert.equal(existsSync(dataDir), false, 'refused before anything was written: no key made, no chain started');
  });
});
