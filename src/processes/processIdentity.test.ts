import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { isProcessRunning, processIdentity, readCommandLine } from './processIdentity.js';
import { terminateProcess } from './terminateProcess.js';

const sleeper = () => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'pythia-test-sleeper'], { stdio: 'ignore' });

describe('processIdentity', () => {
  it('tells a running process from a gone one and from a later process that reuses its pid', async () => {
    const child = sleeper();
    await once(child, 'spawn');
    const identity = processIdentity(child.pid!);
    assert.ok(identity, 'the child runs');
    assert.match(identity.startTicks ?? '', /^\d+$/, 'its start time is read from /proc');
    assert.ok(isProcessRunning(identity));
    assert.equal(isProcessRunning({ ...identity, startTicks: String(BigInt(identity.startTicks!) + 1n) }), false, 'same pid, later start');
    assert.equal(isProcessRunning({ ...identity, bootId: 'another-boot' }), false, 'same pid, another boot');
    assert.deepEqual(readCommandLine(child.pid!)?.slice(-1), ['pythia-test-sleeper']);

    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(isProcessRunning(identity), false);
    assert.equal(processIdentity(child.pid!), undefined);
  });

  it('terminateProcess stops a process with SIGTERM, and with SIGKILL one that ignores it', async () => {
    const polite = sleeper();
    await once(polite, 'spawn');
    const exited = once(polite, 'exit');
    await terminateProcess(processIdentity(polite.pid!)!);
    assert.deepEqual(await exited, [null, 'SIGTERM']);

    const stubborn = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('ready')"], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    await once(stubborn.stdout, 'data');
    const killed = once(stubborn, 'exit');
    await terminateProcess(processIdentity(stubborn.pid!)!, { graceMs: 300 });
    assert.deepEqual(await killed, [null, 'SIGKILL']);
  });
});
