import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeFunctionData, keccak256, type Hex } from 'viem';
import { startTestChain, type TestChain } from '../../testing/testChain.js';
import { encodeMetrics } from '../../protocol/payload.js';
import { gatewayFleetAbi } from '../../contracts/gatewayFleetAbi.js';
import { GatewayDatabase } from '../database/gatewayDatabase.js';
import { ReadingQueue } from './readingQueue.js';
import { signedReadingOf } from './signedReadingOf.js';
import { buildGateway, startGateway, type GatewayOptions } from '../server.js';
import { newTestDevice, signedReading, typicalAirQuality, type TestDevice } from '../testKit.js';

/** The relayer against a real Anvil: outcomes from receipts, and no acknowledged reading lost across restarts. */
let chain: TestChain;
let dir: string;
const domain = () => ({ chainId: chain.chainId, verifyingContract: chain.fleetAddress });
const timestampOf = (sequence: number) => 1_700_000_000 + 10 * sequence;
const reading = (d: TestDevice, sequence: number, extra: { values?: number[]; payload?: Hex } = {}) =>
  signedReading(d, domain(), { sequence, timestamp: timestampOf(sequence), ...extra });

const options = (dbPath: string, extra: Partial<GatewayOptions> = {}): GatewayOptions => ({
  rpcUrl: chain.rpcUrl,
  chainId: chain.chainId,
  fleetAddress: chain.fleetAddress,
  relayerAccount: chain.relayer,
  dbPath,
  port: 0,
  batchIntervalMs: 20,
  ...extra,
});

async function registered(): Promise<TestDevice> {
  const d = newTestDevice();
  await chain.registerDevice(d.publicKey64);
  return d;
}

type Status = { status: string; reasons: string[]; metric?: number; value?: number; txHash?: string; blockNumber?: number };

/** Polls GET /v1/readings/... until every reading is settled (not pending). */
async function settled(url: string, device: TestDevice, sequences: number[], timeoutMs = 20_000): Promise<Status[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await Promise.all(
      sequences.map(async (s) => (await (await fetch(`${url}/v1/readings/${device.id}/${s}`)).json()) as Status),
    );
    if (statuses.every((s) => s.status !== 'pending')) return statuses;
    if (Date.now() > deadline) assert.fail(`still pending after ${timeoutMs} ms: ${JSON.stringify(statuses)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const postJson = (url: string, body: unknown) =>
  fetch(`${url}/v1/readings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

before(async () => {
  chain = await startTestChain();
  dir = mkdtempSync(join(tmpdir(), 'pythia-relayer-'));
});

after(async () => {
  await chain?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('relayer', () => {
  it('puts readings on chain and records each outcome: accepted, flagged (reasons, metric, value)', async () => {
    const gateway = await startGateway(options(join(dir, 'outcomes.sqlite')));
    try {
      const d = await registered();
      const outOfRange = [...typicalAirQuality];
      outOfRange[0] = 6000; // PM2.5 600 µg/m³: over the class maximum (5000 raw)
      const response = await postJson(gateway.url, {
        readings: [
          await reading(d, 1),
          await reading(d, 2, { values: outOfRange }),
          await reading(d, 3, { payload: encodeMetrics([...typicalAirQuality, 1]) }), // 14 bytes > maxPayloadBytes 12
          await reading(d, 4),
        ],
      });
      assert.equal(response.status, 202, await response.clone().text());
      const [a, b, c, e] = await settled(gateway.url, d, [1, 2, 3, 4]);
      assert.equal(a!.status, 'accepted');
      assert.deepEqual(b!.reasons, ['OutOfRange', 'ExcessiveChange']);
      assert.equal(b!.status, 'flagged');
      assert.equal(b!.metric, 0);
      assert.equal(b!.value, undefined, 'the public outcome never shows the offending value');
      assert.equal(gateway.app.pythia.queue.reading(d.id, 2n)?.value, 6000, 'the gateway keeps it');
      assert.equal(c!.status, 'flagged');
      // PM2.5 drops back from 6000 to 120: a change over maxDelta too, and 14 bytes > maxPayloadBytes.
      assert.deepEqual(c!.reasons, ['ExcessiveChange', 'PayloadSize']);
      assert.equal(e!.status, 'accepted');
      for (const s of [a, b, c, e]) {
        assert.match(s!.txHash!, /^0x[0-9a-f]{64}$/);
        assert.ok(s!.blockNumber! > 0);
      }
      const view = await (await fetch(`${gateway.url}/v1/devices/${d.id}`)).json();
      assert.equal(view.lastReading.sequence, '4');
      assert.equal(view.counters.flags, 2);
      assert.equal(view.counters.pending, 0);
      assert.deepEqual(view.relayed, { accepted: 2, flagged: 2, rejected: 0, included: 4, final: 0 });
      // The chain's sequence is now the floor: a replay is refused at the gateway.
      assert.equal((await postJson(gateway.url, await reading(d, 4))).status, 409);
    } finally {
      await gateway.close();
    }
  });

  it('keeps several batches in flight and settles a few thousand readings in order', async () => {
    const gateway = await startGateway(options(join(dir, 'many.sqlite'), { batchSize: 100, maxInFlightBatches: 3 }));
    try {
      const devices: TestDevice[] = [];
      for (let i = 0; i < 5; i++) devices.push(await registered()); // one operator nonce at a time
      const perDevice = 200;
      for (let start = 1; start <= perDevice; start += 50) {
        const readings = [];
        for (const d of devices) for (let s = start; s < start + 50; s++) readings.push(await reading(d, s));
        const response = await postJson(gateway.url, { readings });
        assert.equal(response.status, 202);
      }
      for (const d of devices) {
        const [last] = await settled(gateway.url, d, [perDevice], 60_000);
        assert.equal(last!.status, 'accepted');
      }
      const health = await (await fetch(`${gateway.url}/healthz`)).json();
      assert.equal(health.pending, 0);
      assert.equal(health.relayer.readingsSettled, devices.length * perDevice);
      for (const d of devices) {
        const view = await (await fetch(`${gateway.url}/v1/devices/${d.id}`)).json();
        assert.deepEqual(view.relayed, { accepted: perDevice, flagged: 0, rejected: 0, included: perDevice, final: 0 });
      }
    } finally {
      await gateway.close();
    }
  });

  it('readings acknowledged by a gateway closed before relaying them reach the chain from the next one on the same file', async () => {
    const dbPath = join(dir, 'restart.sqlite');
    const d = await registered();
    const first = await buildGateway(options(dbPath)); // not relaying: the readings stay queued
    const response = await first.inject({
      method: 'POST',
      url: '/v1/readings',
      payload: { readings: [await reading(d, 1), await reading(d, 2), await reading(d, 3)] },
    });
    assert.equal(response.statusCode, 202);
    await first.close();

    const second = await startGateway(options(dbPath));
    try {
      const statuses = await settled(second.url, d, [1, 2, 3]);
      assert.deepEqual(
        statuses.map((s) => s.status),
        ['accepted', 'accepted', 'accepted'],
      );
    } finally {
      await second.close();
    }
  });

  it('after a crash: a mined batch is settled from its receipt, a recorded but unsent one is broadcast, nothing twice', async () => {
    const dbPath = join(dir, 'crash.sqlite');
    const d = await registered();
    const first = await buildGateway(options(dbPath));
    const payload = { readings: await Promise.all([1, 2, 3, 4].map((s) => reading(d, s))) };
    assert.equal((await first.inject({ method: 'POST', url: '/v1/readings', payload })).statusCode, 202);
    await first.close();

    // What a relayer that crashed mid-way leaves behind, written through the queue itself.
    const database = new GatewayDatabase({ path: dbPath });
    const queue = new ReadingQueue({ database });
    const nonce = await chain.publicClient.getTransactionCount({ address: chain.relayer.address, blockTag: 'pending' });
    const block = await chain.publicClient.getBlock();
    const sign = async (rows: ReturnType<ReadingQueue['takeUnbatched']>, n: number) => {
      const data = encodeFunctionData({ abi: gatewayFleetAbi, functionName: 'submitReadings', args: [rows.map(signedReadingOf)] });
      const rawTx = await chain.relayer.signTransaction({
        type: 'eip1559',
        chainId: chain.chainId,
        to: chain.fleetAddress,
        data,
        nonce: n,
        gas: 3_000_000n,
        maxFeePerGas: (block.baseFeePerGas ?? 0n) * 2n + 1_000_000n,
        maxPriorityFeePerGas: 1_000_000n,
      });
      return queue.recordBatch(
        { nonce: n, txHash: keccak256(rawTx), rawTx },
        rows.map((r) => r.id),
      );
    };
    const mined = await sign(queue.takeUnbatched(2), nonce);
    await chain.publicClient.request({ method: 'eth_sendRawTransaction', params: [mined.rawTx] });
    await chain.publicClient.waitForTransactionReceipt({ hash: mined.txHash });
    const unsent = await sign(queue.takeUnbatched(2), nonce + 1);
    database.close();

    const second = await startGateway(options(dbPath));
    try {
      const statuses = await settled(second.url, d, [1, 2, 3, 4]);
      assert.deepEqual(
        statuses.map((s) => s.status),
        ['accepted', 'accepted', 'accepted', 'accepted'],
      );
      assert.deepEqual(
        statuses.map((s) => s.txHash),
        [mined.txHash, mined.txHash, unsent.txHash, unsent.txHash],
      );
      const nonceAfter = await chain.publicClient.getTransactionCount({ address: chain.relayer.address });
      assert.equal(nonceAfter, nonce + 2, 'no transaction beyond the two recorded ones');
    } finally {
      await second.close();
    }
  });
});
