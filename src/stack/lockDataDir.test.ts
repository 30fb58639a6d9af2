import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { processIdentity } from '../processes/processIdentity.js';
import { DataDirInUseError, LOCK_FILE, lockDataDir, parseLockRecord } from './lockDataDir.js';

const holderScript = fileURLToPath(new URL('../testing/holdDataDir.ts', import.meta.url));

describe('lockDataDir', () => {
  const root = mkdtempSync(join(tmpdir(), 'pythia-lock-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const freshDir = (name: string) => {
    const dir = join(root, name);
    mkdirSync(dir);
    return dir;
  };

  it('refuses a second holder, naming the first (pid, since, endpoints), and is free again once released', () => {
    const dataDir = freshDir('twice');
    const first = lockDataDir({ dataDir, command: 'pythia up' });
    first.setEndpoints({ chain: 'http://127.0.0.1:8545', gateway: 'http://127.0.0.1:8780' });
    assert.throws(
      () => lockDataDir({ dataDir, command: 'pythia demo' }),
      (error: unknown) =>
        error instanceof DataDirInUseError &&
        error.holder.pid === process.pid &&
        error.message.includes(`is in use by pythia up (pid ${process.pid}, since ${first.record().since}`) &&
        error.message.includes('chain http://127.0.0.1:8545, gateway http://127.0.0.1:8780'),
    );
    first.release();
    assert.equal(existsSync(join(dataDir, LOCK_FILE)), false);
    lockDataDir({ dataDir, command: 'pythia up' }).release();
  });

  it('is held by another process until it is killed with SIGKILL, then taken over with a message', async () => {
    const dataDir = freshDir('killed');
    const holder = spawn(process.execPath, ['--import', 'tsx', holderScript, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = await once(holder.stdout, 'data');
      assert.equal(String(line).trim(), 'locked');
      assert.throws(
        () => lockDataDir({ dataDir, command: 'pythia up' }),
        (error: unknown) =>
          error instanceof DataDirInUseError &&
          error.holder.pid === holder.pid &&
          /in use by holdDataDir test helper \(pid \d+, since .*; gateway http:\/\/127\.0\.0\.1:1\)/.test(error.message),
      );
    } finally {
      holder.kill('SIGKILL');
      await once(holder, 'exit');
    }
    const messages: string[] = [];
    const lock = lockDataDir({ dataDir, command: 'pythia up', onProgress: (m) => messages.push(m) });
    assert.equal(messages.length, 1);
    assert.match(
      messages[0]!,
      new RegExp(`taking over the lock of .* left by holdDataDir test helper \\(pid ${holder.pid}, .*no longer running`),
    );
    assert.equal(parseLockRecord(readFileSync(lock.path, 'utf8'))?.pid, process.pid);
    lock.release();
  });

  it('takes over a lock whose pid now belongs to a process started later (pid reuse)', () => {
    const dataDir = freshDir('reused');
    const self = processIdentity(process.pid)!;
    const stale = {
      pid: process.pid,
      startTicks: String(BigInt(self.startTicks!) - 1n),
      bootId: self.bootId,
      host: hostname(),
      since: '2020-01-01T00:00:00.000Z',
      command: 'pythia up',
    };
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify(stale));
    const messages: string[] = [];
    const lock = lockDataDir({ dataDir, command: 'pythia up', onProgress: (m) => messages.push(m) });
    assert.match(messages.join('\n'), /taking over the lock .* since 2020-01-01T00:00:00\.000Z.*no longer running/);
    assert.notEqual(lock.record().since, stale.since);
    lock.release();
  });

  it('refuses a lock file it cannot read rather than guess, and release leaves a lock that is not its own', () => {
    const dataDir = freshDir('garbage');
    writeFileSync(join(dataDir, LOCK_FILE), '{"pid": "not a number"');
    assert.throws(() => lockDataDir({ dataDir, command: 'pythia up' }), /cannot be read .* delete it/);

    const other = freshDir('other');
    const lock = lockDataDir({ dataDir: other, command: 'pythia up' });
    const theirs = { pid: 1, host: hostname(), since: '2020-01-01T00:00:00.000Z', command: 'someone else' };
    writeFileSync(join(other, LOCK_FILE), JSON.stringify(theirs));
    lock.release();
    assert.equal(parseLockRecord(readFileSync(join(other, LOCK_FILE), 'utf8'))?.command, 'someone else');
  });
});
