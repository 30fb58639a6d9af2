import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { indexedContracts } from './indexedContracts.js';
import { SqliteIndexerStore } from './sqliteIndexerStore.js';
import { deploymentIdentity } from './startIndexer.js';
import { chainLogKeys, pollutedValues, startIndexerChain, type IndexerChain } from './testKit.js';

const main = fileURLToPath(new URL('../testing/crash/indexerMain.ts', import.meta.url));
let kit: IndexerChain;
let dir: string;

before(async () => {
  kit = await startIndexerChain({ deviceCount: 20 });
  const start = await kit.now();
  for (let sequence = 1; sequence <= 40; sequence++) {
    await kit.submitReadings(sequence, start - 3000 + sequence * 60, sequence % 7 === 0 ? pollutedValues : undefined);
  }
  dir = mkdtempSync(join(tmpdir(), 'pythia-indexer-crash-'));
});

after(async () => {
  await kit?.chain.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The position the running indexer has committed, read beside it (WAL lets a reader in); undefined before it wrote one. */
function committedCursor(databasePath: string): number | undefined {
  try {
    const db = new Database(databasePath, { readonly: true, fileMustExist: true });
    try {
      const value = db.prepare("SELECT value FROM meta WHERE key = 'cursor_number'").pluck().get() as string | undefined;
      return value === undefined ? undefined : Number(value);
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * Runs the indexer in a child process and kills it with SIGKILL once it has committed block
 * `killAt` or beyond, a few random milliseconds later (so that the kill lands anywhere in its cycle,
 * mid-transaction included). Kills follow the indexer's progress, not the clock: a catch-up takes
 * 0.2 s on a quiet machine and seconds on a loaded one, and a timed kill once always came after the
 * end (CI, a dry run).
 */
async function runAndKill(databasePath: string, killAt: number): Promise<void> {
  const config = { deployment: kit.chain.deployment, databasePath, confirmations: 1, chunkBlocks: 1, pollMs: 50 };
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { ...process.env, PYTHIA_CRASH_INDEXER: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the indexer exited (${code}) before it was ready`)));
  });
  const deadline = Date.now() + 30_000;
  while ((committedCursor(databasePath) ?? -1) < killAt && Date.now() < deadline) await sleep(2);
  await sleep(Math.floor(Math.random() * 5));
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
}

test('kill -9 at any moment leaves the index at a block boundary; a restart resumes with no gap and no duplicate', async () => {
  const databasePath = join(dir, 'index.sqlite');
  const head = Number(await kit.chain.publicClient.getBlockNumber());
  const addresses = indexedContracts(kit.chain.deployment.contracts).map((c) => c.address);
  const from = kit.chain.deployment.deploymentBlock;
  const positions: number[] = [];
  for (let run = 0; run < 12; run++) {
    // Each run kills at a random block between where it resumes and the head (the last runs: at the head).
    const resumed = positions.at(-1) ?? from - 1;
    const killAt = run < 4 ? resumed + 1 + Math.floor(Math.random() * Math.max(1, (head - resumed) * 0.6)) : head;
    await runAndKill(databasePath, killAt);
    const store = new SqliteIndexerStore({ path: databasePath, identity: deploymentIdentity(kit.chain.deployment) });
    try {
      const cursor = store.position().cursor?.number ?? from - 1;
      positions.push(cursor);
      const stored = (
        store.db.prepare('SELECT block_number, log_index FROM events ORDER BY block_number, log_index').all() as {
          block_number: number;
          log_index: number;
        }[]
      ).map((r) => `${r.block_number}:${r.log_index}`);
      assert.deepEqual(
        stored,
        cursor < from ? [] : await chainLogKeys(kit.chain, addresses, from, cursor),
        `run ${run}: rows = the chain's logs up to the cursor ${cursor}`,
      );
      const readings = store.db.prepare("SELECT count(*) FROM readings WHERE outcome <> 'skipped'").pluck().get() as number;
      const counted = store.db.prepare('SELECT coalesce(sum(readings), 0) FROM devices').pluck().get() as number;
      assert.equal(counted, readings, 'device counters match the reading rows');
      if (cursor === head) break;
    } finally {
      store.close();
    }
  }
  console.log(`cursor after each kill: ${positions.join(', ')} (head ${head})`);
  assert.equal(positions.at(-1), head, 'the index caught up across restarts');
  assert.ok(
    positions.some((p) => p > from && p < head),
    'at least one kill hit the indexer in the middle of the chain',
  );
});
