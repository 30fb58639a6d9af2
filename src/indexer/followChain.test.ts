import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { anvilTestClient } from '../testing/anvilTestClient.js';
import { ChainFollower, type ChainChange } from './followChain.js';
import { indexedContracts } from './indexedContracts.js';
import { SqliteIndexerStore } from './sqliteIndexerStore.js';
import { chainLogKeys, pollutedValues, startIndexerChain, type IndexerChain } from './testKit.js';

let kit: IndexerChain;

before(async () => {
  kit = await startIndexerChain({ deviceCount: 3 });
});

after(async () => {
  await kit?.chain.stop();
});

function follower(store: SqliteIndexerStore, confirmations: number, changes: ChainChange[] = []) {
  return new ChainFollower({
    client: kit.chain.publicClient,
    store,
    contracts: indexedContracts(kit.chain.deployment.contracts),
    startBlock: kit.chain.deployment.deploymentBlock,
    confirmations,
    chunkBlocks: 4,
    onChange: (change) => changes.push(change),
  });
}

async function catchUp(f: ChainFollower): Promise<void> {
  for (let i = 0; i < 10_000; i++) if ((await f.step()).caughtUp) return;
  throw new Error('the follower never caught up');
}

const addresses = () => indexedContracts(kit.chain.deployment.contracts).map((c) => c.address);
const storedKeys = (store: SqliteIndexerStore) =>
  (
    store.db.prepare('SELECT block_number, log_index FROM events ORDER BY block_number, log_index').all() as {
      block_number: number;
      log_index: number;
    }[]
  ).map((r) => `${r.block_number}:${r.log_index}`);

test('every event of every contract is stored once, with devices, readings (signed fields), flags and status changes', async () => {
  const start = await kit.now();
  await kit.submitReadings(1, start - 600);
  await kit.submitReadings(2, start - 300, pollutedValues, [kit.devices[0]!]);
  await kit.chain.suspendDevice(kit.devices[1]!.address, 'inspection');
  const store = new SqliteIndexerStore({ path: ':memory:', identity: kit.identity });
  try {
    await catchUp(follower(store, 1));
    const head = Number(await kit.chain.publicClient.getBlockNumber());
    assert.deepEqual(storedKeys(store), await chainLogKeys(kit.chain, addresses(), kit.chain.deployment.deploymentBlock, head));
    const contracts = store.db.prepare('SELECT DISTINCT contract FROM events ORDER BY contract').pluck().all();
    assert.ok(
      contracts.includes('fleet') && contracts.includes('timelock') && contracts.includes('consentRegistry'),
      `contracts: ${contracts}`,
    );
    assert.equal(store.db.prepare("SELECT count(*) FROM events WHERE name = 'unknown'").pluck().get(), 0, 'every log decoded by its ABI');

    const devices = store.db
      .prepare('SELECT address, status, class_id, readings, flags, last_sequence FROM devices ORDER BY address')
      .all() as {
      address: string;
      status: string;
      readings: number;
      flags: number;
      last_sequence: number;
    }[];
    assert.equal(devices.length, 3);
    const byAddress = new Map(devices.map((d) => [d.address, d]));
    assert.deepEqual(byAddress.get(kit.devices[0]!.address), {
      address: kit.devices[0]!.address,
      status: 'active',
      class_id: 1,
      readings: 2,
      flags: 1,
      last_sequence: 2,
    });
    assert.equal(byAddress.get(kit.devices[1]!.address)?.status, 'suspended');

    const flag = store.db.prepare("SELECT * FROM readings WHERE outcome = 'flagged'").get() as Record<string, unknown>;
    assert.equal(flag.device, kit.devices[0]!.address);
    assert.equal(flag.sequence, 2);
    assert.equal(flag.timestamp, start - 300, 'the signed timestamp from the submitReadings call');
    assert.equal(flag.value, 9000);
    assert.equal(flag.metric, 0);
    assert.match(String(flag.payload), /^0x2328/);
    assert.match(String(flag.r), /^0x[0-9a-f]{64}$/);
    const change = store.db
      .prepare('SELECT device, previous, current, reason FROM status_changes WHERE device = ?')
      .get(kit.devices[1]!.address);
    assert.deepEqual(
      { ...(change as object) },
      { device: kit.devices[1]!.address, previous: 'active', current: 'suspended', reason: 'inspection' },
    );
    assert.equal(store.position().finalBlock, head, 'one confirmation: the head is final');
  } finally {
    store.close();
  }
});

test('a reorg removes the rows of the blocks it replaced and the new blocks are read', async () => {
  const store = new SqliteIndexerStore({ path: ':memory:', identity: kit.identity });
  const changes: ChainChange[] = [];
  const f = follower(store, 3, changes);
  const testClient = anvilTestClient(kit.chain.publicClient);
  try {
    await catchUp(f);
    const snapshot = await testClient.snapshot();
    const base = Number(await kit.chain.publicClient.getBlockNumber());
    const start = await kit.now();
    await kit.submitReadings(10, start);
    await kit.submitReadings(11, start + 60);
    await catchUp(f);
    assert.equal(store.db.prepare('SELECT count(*) FROM readings WHERE sequence IN (10, 11)').pluck().get(), 6);
    assert.equal(store.position().finalBlock, base + 2 - 3 + 1, 'final = head − confirmations + 1');

    // The two blocks are replaced by three others: another reading, and two empty blocks.
    await testClient.revert({ id: snapshot });
    await kit.submitReadings(12, start + 120, pollutedValues, [kit.devices[2]!]);
    await testClient.mine({ blocks: 2 });
    changes.length = 0;
    await catchUp(f);
    const rollback = changes.find((c) => c.kind === 'rollback');
    assert.ok(rollback && rollback.kind === 'rollback' && rollback.above <= base, `rolled back to ${JSON.stringify(rollback)}`);
    assert.equal(store.db.prepare('SELECT count(*) FROM readings WHERE sequence IN (10, 11)').pluck().get(), 0, 'removed rows are gone');
    assert.equal(store.db.prepare('SELECT count(*) FROM readings WHERE sequence = 12').pluck().get(), 1);
    const head = Number(await kit.chain.publicClient.getBlockNumber());
    assert.deepEqual(storedKeys(store), await chainLogKeys(kit.chain, addresses(), kit.chain.deployment.deploymentBlock, head));
    const device2 = store.db.prepare('SELECT readings, flags, last_sequence FROM devices WHERE address = ?').get(kit.devices[2]!.address);
    assert.deepEqual({ ...(device2 as object) }, { readings: 2, flags: 1, last_sequence: 12 }, 'device columns recomputed');
    assert.equal(store.position().cursor?.number, head);

    // A node that goes back (revert without new blocks): the head is below the cursor.
    const again = await testClient.snapshot();
    await kit.submitReadings(13, start + 180, undefined, [kit.devices[2]!]);
    await catchUp(f);
    await testClient.revert({ id: again });
    await catchUp(f);
    assert.equal(store.db.prepare('SELECT count(*) FROM readings WHERE sequence = 13').pluck().get(), 0);
    assert.equal(store.position().cursor?.number, head);
  } finally {
    store.close();
  }
});

test('a chain that goes back below the final block (a node restarted from an older save): the rows follow the chain', async () => {
  const store = new SqliteIndexerStore({ path: ':memory:', identity: kit.identity });
  const changes: ChainChange[] = [];
  const f = follower(store, 1, changes);
  const testClient = anvilTestClient(kit.chain.publicClient);
  try {
    await catchUp(f);
    const snapshot = await testClient.snapshot();
    const base = Number(await kit.chain.publicClient.getBlockNumber());
    await kit.submitReadings(20, (await kit.now()) + 600, undefined, [kit.devices[0]!]);
    await catchUp(f);
    assert.equal(store.position().finalBlock, base + 1, 'one confirmation: final at once');
    await testClient.revert({ id: snapshot });
    changes.length = 0;
    await catchUp(f);
    assert.deepEqual(
      changes.filter((c) => c.kind === 'rollback'),
      [{ kind: 'rollback', above: base, removedFrom: base + 1 }],
    );
    assert.deepEqual(store.position(), {
      cursor: { number: base, hash: (await kit.chain.publicClient.getBlock()).hash },
      finalBlock: base,
    });
    assert.equal(store.db.prepare('SELECT count(*) FROM readings WHERE sequence = 20').pluck().get(), 0);
  } finally {
    store.close();
  }
});
