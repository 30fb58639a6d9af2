import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createChainClients } from '../../src/chain/clients.js';
import { withDatabasePassword } from '../../src/indexer/databaseUrl.js';
import { indexSchemaName } from '../../src/indexer/postgresIndexerStore.js';
import { deploymentIdentity } from '../../src/indexer/startIndexer.js';
import { newTestDevice, type ReadingJson, signedReading, type TestDevice, typicalAirQuality } from '../../src/gateway/testKit.js';
import { startTestPostgres, type TestPostgres } from '../../src/testing/testPostgres.js';
import { pythiaAt, type RunningUp, startPythiaUp, stopPythiaUp, until } from './runPythia.js';

const passphrase = 'up-postgres-test-passphrase-not-a-secret';
const FIRST = 4;
const SECOND = 4;

/**
 * `pythia up --database-url` as an operator runs it: the index in PostgreSQL (a throwaway cluster),
 * readings signed by devices and sent through the gateway, the query API answering from PostgreSQL,
 * and a kill -9 of the node once the index holds blocks its chain has not saved (the restarted chain
 * has lost them): every acknowledged reading indexed once, the rows from before untouched.
 */
describe('pythia up --database-url: the index in PostgreSQL', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-up-postgres-'));
  const dataDir = join(dir, 'node');
  const cli = pythiaAt(dataDir, passphrase);
  let postgres: TestPostgres;
  let databaseUrl: string;
  let node: RunningUp | undefined;
  const devices: TestDevice[] = [newTestDevice(), newTestDevice()];
  /** Device time of reading 1; one a minute from there, all in the past. */
  const start = Math.floor(Date.now() / 1000) - 3600 - 60 * (FIRST + SECOND);

  const up = (args: string[] = []) =>
    startPythiaUp(['--chain', 'anvil', '--data-dir', dataDir, '--database-url', databaseUrl, ...args], passphrase, {
      // The password never on the command line (docs/operations.md, "The index in PostgreSQL").
      PYTHIA_DATABASE_PASSWORD: postgres.password,
    });
  const sql = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: withDatabasePassword(databaseUrl, postgres.password) });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  /** GET of the query API with the console token (docs/api.md); `missing` is the answer to a 404 (a device not indexed yet). */
  const indexGet = async (path: string, missing?: unknown) => {
    const token = readFileSync(join(dataDir, 'console-token'), 'utf8').trim();
    const response = await fetch(`${node!.deployment.gatewayUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (response.status === 404 && missing !== undefined) return missing;
    assert.equal(response.status, 200, `${path}: ${response.status}`);
    // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, checked where used
    return (await response.json()) as any;
  };
  /** Readings `from`..`to` of each device, signed by it, posted to the gateway: resolves once acknowledged (202). */
  const send = async (from: number, to: number) => {
    const domain = { chainId: node!.deployment.chainId, verifyingContract: node!.deployment.contracts.fleet };
    const readings: ReadingJson[] = [];
    for (const device of devices)
      for (let sequence = from; sequence <= to; sequence++) {
        const values = typicalAirQuality.map((v, m) => v + sequence * (m + 1));
        readings.push(await signedReading(device, domain, { sequence, timestamp: start + 60 * sequence, values }));
      }
    const posted = await fetch(`${node!.deployment.gatewayUrl}/v1/readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ readings }),
    });
    assert.equal(posted.status, 202, await posted.text());
  };
  /** What the query API answers for each device: its counter and the sequences of its readings, oldest first. */
  const indexed = async () =>
    Promise.all(
      devices.map(async (device) => {
        const row = await indexGet(`/v1/index/devices/${device.id}`, { readings: 0 });
        const readings = await indexGet(`/v1/index/devices/${device.id}/readings?order=asc&limit=100`);
        return { readings: row.readings as number, sequences: readings.items.map((r: { sequence: number }) => Number(r.sequence)) };
      }),
    );
  /** What PostgreSQL itself holds for each device, in the deployment's schema. */
  const stored = async () => {
    const schema = indexSchemaName(deploymentIdentity(node!.deployment));
    return Promise.all(
      devices.map(async (device) => {
        const [counter] = await sql<{ readings: string }>(`SELECT readings FROM "${schema}".devices WHERE address = $1`, [device.id]);
        const rows = await sql<{ sequence: string }>(
          `SELECT sequence FROM "${schema}".readings WHERE device = $1 ORDER BY block_number, log_index`,
          [device.id],
        );
        return { readings: Number(counter?.readings), sequences: rows.map((r) => Number(r.sequence)) };
      }),
    );
  };
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  before(async () => {
    postgres = await startTestPostgres();
    databaseUrl = await postgres.createDatabase('pythia_up');
  });
  after(async () => {
    if (node && node.child.exitCode === null && node.child.signalCode === null) {
      node.child.removeAllListeners('exit');
      const exited = new Promise((resolve) => node!.child.once('exit', resolve));
      node.child.kill('SIGTERM');
      await exited;
    }
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('indexes signed readings into PostgreSQL, answers them through the query API, and loses and duplicates none across a kill -9', async () => {
    node = await up();
    const schema = indexSchemaName(deploymentIdentity(node.deployment));
    assert.match(
      node.stderr(),
      new RegExp(`indexing the chain into postgres://pythia_test@localhost/pythia_up\\S* \\(schema ${schema}\\)`),
    );
    assert.ok(!node.stderr().includes(postgres.password), 'the password is printed nowhere');

    // The operator registers two sensors (`pythia profile set`, `pythia device register`), which send readings.
    await cli.ok(['profile', 'set', '--class', '1', '--preset', 'air-quality']);
    for (const device of devices) await cli.ok(['device', 'register', device.publicKey64, '--class', '1']);
    await send(1, FIRST);
    const first = await until('the index to hold the first readings', async () => {
      const answered = await indexed();
      return answered.every((d) => d.readings === FIRST) ? answered : undefined;
    });
    assert.deepEqual(
      first.map((d) => d.sequences),
      devices.map(() => range(1, FIRST)),
    );
    assert.deepEqual(await stored(), first, 'the query API answers what PostgreSQL holds');
    const [{ count }] = (await sql<{ count: string }>(`SELECT count(*) FROM "${schema}".events WHERE name = 'DeviceRegistered'`)) as [
      { count: string },
    ];
    assert.equal(Number(count), devices.length);

    // Stopped (as Ctrl-C does: the chain is saved) and started again with Anvil's snapshots 10 minutes apart, so that
    // what the chain mines from now on is not on disk when the node is killed below.
    assert.equal(await stopPythiaUp(node.child), 0);
    node = await up(['--chain-save-interval', '600000']);
    const rowVersions = `SELECT xmin::text AS version, block_number, log_index FROM "${schema}".readings ORDER BY block_number, log_index`;
    const kept = await sql(rowVersions);
    assert.equal(kept.length, devices.length * FIRST);

    // A second batch, acknowledged by the gateway, indexed but not final (Anvil has not saved its blocks); then kill -9
    // (its Anvil dies with it): the restarted chain has lost those blocks, the index must undo them, the gateway send again.
    await send(FIRST + 1, FIRST + SECOND);
    const ahead = await until('the index to hold the second readings', async () => {
      const answered = await indexed();
      return answered.every((d) => d.readings === FIRST + SECOND) ? await indexGet('/v1/index/status') : undefined;
    });
    assert.ok(ahead.finalBlock < ahead.cursor.number, `indexed, not final: ${JSON.stringify(ahead)}`);
    const killed = node.child;
    killed.removeAllListeners('exit');
    const gone = new Promise((resolve) => killed.once('exit', (_code, signal) => resolve(signal)));
    killed.kill('SIGKILL');
    assert.equal(await gone, 'SIGKILL');

    const restarted = Date.now();
    node = await up();
    const clients = createChainClients(node.deployment);
    const chainHead = await clients.publicClient.getBlockNumber();
    console.log(
      `# killed with the index at block ${ahead.cursor.number} (final ${ahead.finalBlock}); the chain restarted at block ${chainHead}`,
    );
    assert.match(node.stderr(), /contracts found from an earlier start/);
    assert.equal(indexSchemaName(deploymentIdentity(node.deployment)), schema, 'the same deployment, the same schema');
    // Done when the index holds, at the height it had reached, the restarted chain's block (not the one the kill took
    // away), and every acknowledged reading.
    const heldAt = async (number: number) =>
      (await sql<{ hash: string }>(`SELECT hash FROM "${schema}".blocks WHERE number = $1`, [number]))[0]?.hash;
    const chainAt = (number: number) =>
      clients.publicClient.getBlock({ blockNumber: BigInt(number) }).then(
        (block) => block.hash,
        () => undefined,
      );
    const all = await until('the index to follow the restarted chain and hold every acknowledged reading', async () => {
      const chainHash = await chainAt(ahead.cursor.number);
      if (chainHash === undefined || (await heldAt(ahead.cursor.number)) !== chainHash) return undefined;
      const answered = await indexed();
      return answered.every((d) => d.readings >= FIRST + SECOND) ? answered : undefined;
    });
    assert.notEqual(await chainAt(ahead.cursor.number), ahead.cursor.hash, 'the kill took the block away; the index undid it');
    console.log(`# every acknowledged reading indexed ${Date.now() - restarted} ms after the restart began`);
    assert.deepEqual(
      all.map((d) => d.sequences),
      devices.map(() => range(1, FIRST + SECOND)),
      'each reading once, none lost',
    );
    assert.deepEqual(
      all.map((d) => d.readings),
      devices.map(() => FIRST + SECOND),
    );
    assert.deepEqual(await stored(), all, 'PostgreSQL holds each reading once, its counters agree');
    assert.deepEqual((await sql(rowVersions)).slice(0, kept.length), kept, "the first batch's rows untouched: the index resumed");
    const status = await indexGet('/v1/index/status');
    const [cursor] = await sql<{ value: string }>(`SELECT value FROM "${schema}".meta WHERE key = 'cursor_number'`);
    assert.equal(status.cursor.number, Number(cursor!.value), 'the index position is the one in PostgreSQL');
    // The fleet page's query, from PostgreSQL too.
    const fleet = await indexGet('/v1/index/devices');
    assert.deepEqual(fleet.items.map((d: { device: string }) => d.device).sort(), devices.map((d) => d.id).sort());
  });
});
