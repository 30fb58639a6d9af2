import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  accountNonceOf,
  headBlockNumberOf,
  LEGACY_STATE_FILE,
  PREVIOUS_SNAPSHOT_FILE,
  readAnvilSnapshot,
  readDumpHead,
  removeSnapshotLeftovers,
  SNAPSHOT_FILE,
  SnapshotError,
  snapshotFiles,
  writeAnvilSnapshot,
} from './anvilSnapshot.js';

/** The shape of Anvil's dump (keys in Anvil's order), small. */
const dump = (head: number, nonce = 3) =>
  Buffer.from(
    `{"block":{"number":"0x${head.toString(16)}","timestamp":"0x1"},"accounts":{"0x00000000000000000000000000000000000000aa":{"nonce":${nonce},"balance":"0x0","code":"0x","storage":{}}},"best_block_number":${head},"blocks":[],"transactions":[],"historical_states":null}`,
  );

const writerScript = fileURLToPath(new URL('../testing/writeSnapshotsForever.ts', import.meta.url));

describe('anvil snapshots on disk', () => {
  const root = mkdtempSync(join(tmpdir(), 'pythia-snapshot-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('keeps the newest and the one before it, and leaves no temporary file', async () => {
    const dir = mkdtempSync(join(root, 'rotate-'));
    await writeAnvilSnapshot(dir, gzipSync(dump(5)));
    assert.deepEqual(snapshotFiles(dir), [join(dir, SNAPSHOT_FILE)]);
    await writeAnvilSnapshot(dir, gzipSync(dump(9)));
    assert.deepEqual(snapshotFiles(dir), [join(dir, SNAPSHOT_FILE), join(dir, PREVIOUS_SNAPSHOT_FILE)]);
    assert.equal(readAnvilSnapshot(join(dir, SNAPSHOT_FILE)).blockNumber, 9n);
    assert.equal(readAnvilSnapshot(join(dir, PREVIOUS_SNAPSHOT_FILE)).blockNumber, 5n);
    assert.deepEqual(readAnvilSnapshot(join(dir, SNAPSHOT_FILE)).json, dump(9), 'unpacked to what --load-state reads');
    assert.deepEqual(readdirSync(dir).sort(), [SNAPSHOT_FILE, PREVIOUS_SNAPSHOT_FILE].sort());
  });

  it('tells a damaged or truncated file, and a file that is no state dump, with the reason', () => {
    const dir = mkdtempSync(join(root, 'damaged-'));
    const gz = gzipSync(dump(7));
    const cases: Array<[string, Buffer, RegExp]> = [
      ['truncated gzip', gz.subarray(0, gz.length - 9), /damaged or truncated gzip data/],
      ['flipped byte', Buffer.from(gz.map((b, i) => (i === 40 ? b ^ 0xff : b))), /damaged or truncated gzip data/],
      ['empty', Buffer.alloc(0), /not an Anvil state dump/],
      ['other JSON', gzipSync('{"hello":1}'), /not an Anvil state dump/],
      ['truncated plain JSON (Anvil writing state.json in place)', dump(7).subarray(0, 120), /truncated \(120 bytes/],
      ['no head', gzipSync('{"block":{"timestamp":"0x1"},"accounts":{}}'), /names no head block/],
    ];
    for (const [name, bytes, reason] of cases) {
      const path = join(dir, LEGACY_STATE_FILE);
      writeFileSync(path, bytes);
      assert.throws(
        () => readAnvilSnapshot(path),
        (error: unknown) => error instanceof SnapshotError && error.path === path && reason.test(error.message),
        name,
      );
    }
    writeFileSync(join(dir, LEGACY_STATE_FILE), dump(7));
    assert.equal(readAnvilSnapshot(join(dir, LEGACY_STATE_FILE)).blockNumber, 7n, 'a whole plain state.json still reads');
  });

  it('reads the head and account nonces without parsing the dump', () => {
    assert.equal(headBlockNumberOf(dump(300)), 300n);
    assert.equal(headBlockNumberOf(Buffer.from('{"block":{"number":"0x1f","timestamp":"0x1"},"accounts":{}}')), 31n, 'older dumps');
    assert.equal(accountNonceOf(dump(1, 42), '0x00000000000000000000000000000000000000AA'), 42n);
    assert.equal(accountNonceOf(dump(1), '0x00000000000000000000000000000000000000bb'), undefined);
  });

  it('unpacks only the head of a dump (accounts and head block), not the blocks after it', () => {
    const blocks = Array.from({ length: 300 }, () => `{"input":"0x${randomBytes(2_000).toString('hex')}"}`).join(',');
    const big = Buffer.from(dump(12, 5).toString().replace('"blocks":[]', `"blocks":[${blocks}]`));
    const head = readDumpHead(gzipSync(big));
    assert.ok(head.length < big.length / 4, `${head.length} of ${big.length} bytes unpacked`);
    assert.equal(headBlockNumberOf(head), 12n);
    assert.equal(accountNonceOf(head, '0x00000000000000000000000000000000000000aa'), 5n);
    assert.deepEqual(readDumpHead(gzipSync(dump(3))), dump(3), 'a small dump is unpacked whole');
    assert.throws(() => readDumpHead(gzipSync(big).subarray(0, 100)), 'damaged: the stream ends before the head block');
  });

  it('removes what an interrupted save left, and only that', async () => {
    const dir = mkdtempSync(join(root, 'leftovers-'));
    await writeAnvilSnapshot(dir, gzipSync(dump(1)));
    for (const name of [`.${SNAPSHOT_FILE}.123.abcd.tmp`, `.${PREVIOUS_SNAPSHOT_FILE}.123.tmp`, '.state.load.123.beef.tmp'])
      writeFileSync(join(dir, name), 'x');
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    removeSnapshotLeftovers(dir);
    assert.deepEqual(readdirSync(dir).sort(), ['notes.txt', SNAPSHOT_FILE].sort());
    assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'mine');
  });

  const writerKills = Number(process.env.PYTHIA_CRASH_TRIALS ?? 12);
  it('leaves a whole newest snapshot whenever its writer is killed with SIGKILL, mid-write included', {
    timeout: 30_000 + writerKills * 5_000,
  }, async () => {
    const dir = mkdtempSync(join(root, 'killed-'));
    // 4 MB that gzip cannot shrink (like the signatures in readings batches): each write takes a while.
    const source = join(root, 'source.json.gz');
    writeFileSync(
      source,
      gzipSync(Buffer.concat([dump(77).subarray(0, -1), Buffer.from(`,"pad":"${randomBytes(2_000_000).toString('hex')}"}`)])),
    );
    const trials = writerKills;
    let midWrite = 0;
    for (let trial = 0; trial < trials; trial++) {
      const writer = spawn(process.execPath, ['--import', 'tsx', writerScript, dir, source], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = once(writer, 'exit');
      await once(writer.stdout, 'data');
      await new Promise((r) => setTimeout(r, Math.random() * 150));
      writer.kill('SIGKILL');
      await exited;
      if (readdirSync(dir).some((name) => name.endsWith('.tmp'))) midWrite++;
      for (const path of snapshotFiles(dir)) assert.equal(readAnvilSnapshot(path).blockNumber, 77n, `${path} after kill ${trial + 1}`);
      assert.ok(snapshotFiles(dir).includes(join(dir, SNAPSHOT_FILE)), 'the newest snapshot is always there');
      removeSnapshotLeftovers(dir);
    }
    process.stderr.write(`snapshot writer killed ${trials} times, ${midWrite} of them in the middle of a write\n`);
  });
});
