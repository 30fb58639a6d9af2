import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { isProcessEnding, isProcessRunning, processIdentity, readCommandLine } from './processIdentity.js';
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

// A process whose main thread has ended while another thread still runs: the kernel shows it as a
// zombie, yet its files stay open, as with a killed geth whose last thread finishes a disk write.
const LINGERING_THREAD = `
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
static void *linger(void *arg) { (void)arg; for (;;) pause(); return 0; }
int main(void) {
  pthread_t thread;
  pthread_create(&thread, 0, linger, 0);
  puts("ready");
  fflush(stdout);
  pthread_exit(0);
}
`;

describe('isProcessEnding', () => {
  it('is true while a thread of a process whose main thread ended still runs, false once every thread has ended', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'pythia-ending-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'linger.c'), LINGERING_THREAD);
    execFileSync('gcc', ['-pthread', '-o', join(dir, 'linger'), join(dir, 'linger.c')]);
    const child = spawn(join(dir, 'linger'), { stdio: ['ignore', 'pipe', 'ignore'] });
    await once(child.stdout, 'data');
    const state = () => readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]![0];
    for (let waited = 0; state() !== 'Z'; waited += 20) {
      assert.ok(waited < 5_000, 'the main thread ends');
      await sleep(20);
    }
    assert.equal(processIdentity(child.pid!), undefined, 'it no longer counts as running');
    assert.equal(isProcessEnding(child.pid!), true, 'but a thread of it still holds its files');

    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    assert.equal(isProcessEnding(child.pid!), false);
  });

  it('is false for a running process and for a kernel thread (empty command lines that never end)', async () => {
    const child = sleeper();
    await once(child, 'spawn');
    assert.equal(isProcessEnding(child.pid!), false);
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(isProcessEnding(child.pid!), false, 'gone');
    if (readFileSync('/proc/2/stat', 'utf8').startsWith('2 (kthreadd)')) assert.equal(isProcessEnding(2), false, 'kthreadd');
  });
});
