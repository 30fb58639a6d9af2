import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemorySequenceStore, createSequenceStore, SequenceStoreError } from './index.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'pythia-seq-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('memory store counts from 1 and skips forward', () => {
  const store = createMemorySequenceStore();
  assert.equal(store.next(), 1n);
  assert.equal(store.next(), 2n);
  store.skipPast(10n);
  assert.equal(store.peek(), 11n);
  store.skipPast(3n);
  assert.equal(store.next(), 11n);
});

test('file store: a restarted device continues after every sequence it handed out', async (t) => {
  const path = join(await tempDir(t), 'sequence');
  const first = createSequenceStore(path);
  assert.deepEqual([first.next(), first.next(), first.next()], [1n, 2n, 3n]);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  // "reboot": a new store on the same file, the old one abandoned at any point
  const second = createSequenceStore(path);
  assert.equal(second.next(), 4n);
  assert.equal(createSequenceStore(path).next(), 5n);
});

test('file store: write-ahead — the file already covers a sequence when it is handed out', async (t) => {
  const path = join(await tempDir(t), 'sequence');
  const store = createSequenceStore(path, { first: 100n });
  const seq = store.next();
  assert.equal(seq, 100n);
  assert.ok(BigInt((await readFile(path, 'utf8')).trim()) > seq);
});

test('file store with blocks: one write per block, a gap (never a reuse) after a restart', async (t) => {
  const path = join(await tempDir(t), 'sequence');
  const store = createSequenceStore(path, { block: 10 });
  const used = Array.from({ length: 12 }, () => store.next());
  assert.deepEqual(
    used,
    Array.from({ length: 12 }, (_, i) => BigInt(i + 1)),
  );
  assert.equal((await readFile(path, 'utf8')).trim(), '21');
  const after = createSequenceStore(path, { block: 10 });
  assert.equal(after.next(), 21n);
});

test('file store: skipPast persists before it matters', async (t) => {
  const path = join(await tempDir(t), 'sequence');
  const store = createSequenceStore(path);
  store.next();
  store.skipPast(500n);
  assert.equal(createSequenceStore(path).next(), 501n);
});

test('file store: a corrupt file stops the device instead of restarting from 1', async (t) => {
  const path = join(await tempDir(t), 'sequence');
  await writeFile(path, 'garbage');
  assert.throws(() => createSequenceStore(path), SequenceStoreError);
  await writeFile(path, '');
  assert.throws(() => createSequenceStore(path), /corrupt/);
});
