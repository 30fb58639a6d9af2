import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sqliteStoreKind, storeContractTests } from '../testing/indexerStoreContract.js';
import { SqliteIndexerStore } from './sqliteIndexerStore.js';

const dir = mkdtempSync(join(tmpdir(), 'pythia-index-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

storeContractTests(sqliteStoreKind(dir));

test('the SQLite file is private to its user (0600)', () => {
  const path = join(dir, 'private.sqlite');
  new SqliteIndexerStore({ path, identity: '1:fleet' }).close();
  assert.equal(statSync(path).mode & 0o777, 0o600);
});
