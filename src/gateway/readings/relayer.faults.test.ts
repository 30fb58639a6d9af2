import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { encodeFunctionData, hexToBytes, keccak256, type Hex } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { createChainClients } from '../../chain/clients.js';
import { nativeAccount } from '../../chain/nativeAccount.js';
import { bindRelayer, registerPythiaKey } from '../../chain/pythiaRegistry.js';
import { pythiaFleetAbi } from '../../contracts/abis.js';
import { encodeMetrics } from '../../protocol/payload.js';
import { splitSignature, toCompact } from '../../protocol/signature.js';
import { generateDeviceKey } from '../../sdk/generateDeviceKey.js';
import { signReading } from '../../sdk/signReading.js';
import type { DeviceKey, SignedReading } from '../../sdk/types.js';
import { startAnvilNode, type AnvilNode } from '../../testing/anvilNode.js';
import { logLines } from '../../testing/logLines.js';
import { auditReadings } from '../../testing/crash/auditReadings.js';
import { ledgerKey, ReadingLedger } from '../../testing/crash/readingLedger.js';
import { deployTestChain, type TestChain } from '../../testing/testChain.js';
import { gatewayFleetAbi } from '../../contracts/gatewayFleetAbi.js';
import { GatewayDatabase } from '../database/gatewayDatabase.js';
import { ReadingQueue } from './readingQueue.js';
import { signedReadingOf } from './signedReadingOf.js';
import { createGatewayPublicClient, startGateway, type GatewayOptions, type RunningGateway } from '../server.js';
import { createNodeEvents } from '../../stack/events/nodeEvents.js';
import type { OperatorEvent } from '../../stack/events/operatorEvent.js';

/**
 * The relayer under chain faults, on real Anvil processes: rollbacks (evm_revert, a node
 * restarted from an older dump), dropped and underpriced transactions, nonce gaps, a second node
 * to fail over to, and readings the contract skips as Replayed. After each: every acknowledged
 * reading is on chain exactly once (the chain's own events, audited against a ledger) and none was
 * skipped as Replayed.
 */
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Rig = {
  node: AnvilNode;
  chain: TestChain;
  devices: DeviceKey[];
  ledger: ReadingLedger;
  dir: string;
  gateway?: RunningGateway;
  /** Signs readings `from`..`to` of device `d` (10 s apart) and posts them; they must be acknowledged. */
  post: (d: number, from: number, to: number) => Promise<SignedReading[]>;
  startGateway: (options?: Partial<GatewayOptions>) => Promise<RunningGateway>;
  /** Waits until every acknowledged reading has the finality asked (and the gateway holds nothing pending). */
  waitFor: (finality: 'included' | 'final', timeoutMs?: number) => Promise<void>;
  health: () => Promise<{ pending: number; relayer: Record<string, unknown> }>;
  /** Waits until the gateway has noticed that the chain went back (and opened the vanished batches again). */
  rolledBack: () => Promise<void>;
  audit: () => Promise<void>;
  close: () => Promise<void>;
};

const T0 = Math.floor(Date.now() / 1000) - 200_000;
// lagGraceMs: how long a node behind a recorded block is waited for (Anvil's default is 0: it syncs
// from no one); here the wait and the verdict after it are both exercised.
const fastRelayer = { monitorIntervalMs: 100, repairIntervalMs: 200, stuckAfterMs: 1500, rebroadcastMs: 1000, lagGraceMs: 1000 } as const;

async function rig(devices = 2): Promise<Rig> {
  const node = await startAnvilNode();
  const chain = await deployTestChain(node);
  const dir = mkdtempSync(join(tmpdir(), 'pythia-faults-'));
  dirs.push(dir);
  const keys = Array.from({ length: devices }, () => generateDeviceKey());
  await chain.operatorWrite('registerDevices', [keys.map((k) => k.publicKey), 1]);
  const ledger = new ReadingLedger();
  const domain = { chainId: chain.chainId, verifyingContract: chain.fleetAddress };
  const r: Rig = {
    node,
    chain,
    devices: keys,
    ledger,
    dir,
    async post(d, from, to) {
      const readings: SignedReading[] = [];
      for (let s = from; s <= to; s++) {
        const reading = signReading({
          key: keys[d]!,
          domain,
          sequence: s,
          timestamp: T0 + 10 * s,
          payload: encodeMetrics([120, 250, 300, 450, 2150, 5500]),
        });
        ledger.signed(reading);
        readings.push(reading);
      }
      const response = await fetch(`${r.gateway!.url}/v1/readings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ readings }),
      });
      assert.equal(response.status, 202, await response.clone().text());
      ledger.acknowledge(readings);
      return readings;
    },
    async startGateway(options = {}) {
      r.gateway = await startGateway({
        rpcUrl: node.rpcUrl,
        chainId: chain.chainId,
        fleetAddress: chain.fleetAddress,
        relayerAccount: chain.relayer,
        dbPath: join(dir, 'gateway.sqlite'),
        port: 0,
        batchIntervalMs: 20,
        confirmations: 1,
        finalityDelayMs: 60_000,
        relayerTiming: fastRelayer,
        ...options,
      });
      return r.gateway;
    },
    async waitFor(finality, timeoutMs = 30_000) {
      const { queue } = r.gateway!.app.pythia;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const behind = [...ledger.acknowledged()].filter((key) => {
          const [device, sequence] = key.split(':');
          const f = queue.reading(device as Hex, BigInt(sequence!))?.finality;
          return finality === 'final' ? f !== 'final' : f === 'pending';
        });
        if (behind.length === 0 && queue.pendingCount() === 0) return;
        if (Date.now() > deadline) {
          assert.fail(`${behind.length} readings not ${finality} after ${timeoutMs} ms: ${JSON.stringify(await r.health())}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async health() {
      return (await (await fetch(`${r.gateway!.url}/healthz`)).json()) as { pending: number; relayer: Record<string, unknown> };
    },
    async rolledBack() {
      await waitUntil(async () => ((await r.health()).relayer.rollbacks as number) >= 1, 15_000);
    },
    async audit() {
      const audit = await auditReadings({ client: chain.publicClient, fleetAddress: chain.fleetAddress, ledger });
      assert.deepEqual(
        { lost: audit.lost, duplicated: audit.duplicated, unexpected: audit.unexpected, skipped: audit.skipped },
        { lost: [], duplicated: [], unexpected: [], skipped: {} },
      );
      assert.equal(audit.onChainOnce, ledger.acknowledgedCount);
      const health = await r.health();
      assert.equal(health.relayer.replayedUnexplained, 0);
    },
    async close() {
      try {
        await r.gateway?.close();
      } finally {
        await node.stop();
      }
    },
  };
  return r;
}

/** Every acknowledged reading on the chain of the node at `rpcUrl` exactly once, none skipped. */
async function auditOn(r: Rig, rpcUrl: string): Promise<void> {
  const audit = await auditReadings({
    client: createGatewayPublicClient(rpcUrl, r.chain.chainId),
    fleetAddress: r.chain.fleetAddress,
    ledger: r.ledger,
  });
  assert.deepEqual({ lost: audit.lost, duplicated: audit.duplicated, skipped: audit.skipped }, { lost: [], duplicated: [], skipped: {} });
  assert.equal(audit.onChainOnce, r.ledger.acknowledgedCount);
}

const readingOf = (r: Rig, d: number, sequence: number) => r.gateway!.app.pythia.queue.reading(r.devices[d]!.deviceId, BigInt(sequence))!;

describe('relayer: included and final', () => {
  it('reports a verdict as included (block number and hash) until the delay has passed, then final, checked at the canonical hash', async () => {
    const r = await rig(1);
    try {
      await r.startGateway({ finalityDelayMs: 1500 });
      await r.post(0, 1, 3);
      await r.waitFor('included');
      const included = (await (await fetch(`${r.gateway!.url}/v1/readings/${r.devices[0]!.deviceId}/2`)).json()) as Record<string, unknown>;
      assert.equal(included.status, 'accepted');
      assert.equal(included.finality, 'included');
      assert.equal(included.finalAt, undefined);
      const block = await r.chain.publicClient.getBlock({ blockNumber: BigInt(included.blockNumber as number) });
      assert.equal(included.blockHash, block.hash, 'the block the verdict was read in');
      const health = await r.health();
      assert.deepEqual(health.relayer.finality, {
        confirmations: 1,
        delayMs: 1500,
        chain: 'anvil',
        source: 'configured',
        savedBlock: false,
      });

      await r.waitFor('final', 10_000);
      const final = (await (await fetch(`${r.gateway!.url}/v1/readings/${r.devices[0]!.deviceId}/2`)).json()) as Record<string, unknown>;
      assert.equal(final.finality, 'final');
      assert.ok(Date.parse(final.finalAt as string) - Date.parse(final.decidedAt as string) >= 1400, 'not before the delay');
      const view = (await (await fetch(`${r.gateway!.url}/v1/devices/${r.devices[0]!.deviceId}`)).json()) as { relayed: unknown };
      assert.deepEqual(view.relayed, { accepted: 3, flagged: 0, rejected: 0, included: 0, final: 3 });
      await r.audit();
    } finally {
      await r.close();
    }
  });

  it('with N confirmations a verdict stays included until N blocks hold it, and defaults come from the chain (Anvil: time)', async () => {
    const r = await rig(1);
    try {
      await r.startGateway({ confirmations: 3, finalityDelayMs: 0 });
      await r.post(0, 1, 2);
      await r.waitFor('included');
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(readingOf(r, 0, 1).finality, 'included', 'one block: not final');
      await r.node.rpc('evm_mine');
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(readingOf(r, 0, 1).finality, 'included', 'two blocks: not final');
      await r.node.rpc('evm_mine');
      await r.waitFor('final', 5000);
      await r.gateway!.close();

      // Without configuration: Anvil's rule (one block, 30 s).
      await r.startGateway({ confirmations: undefined, finalityDelayMs: undefined });
      await waitUntil(async () => (await r.health()).relayer.finality !== null);
      const health = await r.health();
      assert.deepEqual(health.relayer.finality, {
        confirmations: 1,
        delayMs: 30_000,
        chain: 'anvil',
        source: 'default',
        savedBlock: false,
      });
    } finally {
      await r.close();
    }
  });

  it('when the node says which block it saved durably, nothing above it is final (Anvil: no delay then)', async () => {
    const r = await rig(1);
    try {
      let saved: number | undefined;
      await r.startGateway({ confirmations: undefined, finalityDelayMs: undefined, savedBlock: () => saved });
      await r.post(0, 1, 3);
      await r.waitFor('included');
      await new Promise((resolve) => setTimeout(resolve, 500));
      const block = readingOf(r, 0, 3).blockNumber!;
      assert.equal(readingOf(r, 0, 3).finality, 'included', 'nothing saved yet');
      saved = block - 1;
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(readingOf(r, 0, 3).finality, 'included', 'saved up to the block before');
      saved = block;
      await r.waitFor('final', 5000);
      const health = await r.health();
      assert.deepEqual(health.relayer.finality, { confirmations: 1, delayMs: 0, chain: 'anvil', source: 'default', savedBlock: true });
    } finally {
      await r.close();
    }
  });
});

describe('relayer: rollbacks', () => {
  it('evm_revert after the batches were mined: the vanished readings are sent again, recorded once, nothing skipped', async () => {
    const r = await rig(3);
    try {
      await r.startGateway({ batchSize: 10 });
      const snapshot = await r.node.rpc('evm_snapshot');
      for (let d = 0; d < 3; d++) await r.post(d, 1, 20);
      await r.waitFor('included');
      const before = readingOf(r, 1, 20);
      await r.node.rpc('evm_revert', [snapshot]);
      for (let d = 0; d < 3; d++) await r.post(d, 21, 30); // newer readings while the old ones are missing
      await r.rolledBack();
      await r.waitFor('included');
      const after = readingOf(r, 1, 20);
      assert.equal(after.status, 'accepted');
      assert.notEqual(after.blockHash, before.blockHash, 'recorded again, in another block (with the newer readings)');
      const health = await r.health();
      assert.ok((health.relayer.rollbacks as number) >= 1);
      assert.ok((health.relayer.batchesVanished as number) >= 6);
      await r.audit();
    } finally {
      await r.close();
    }
  });

  it('evm_revert after the batches were final: a security event, counted and logged once per batch over many looks; the readings stay final as reported, never reopened, and their bytes reach the chain again', async () => {
    const r = await rig(1);
    const log = logLines();
    try {
      await r.startGateway({ finalityDelayMs: 0, logger: { level: 'warn', stream: log.stream } });
      const snapshot = await r.node.rpc('evm_snapshot');
      await r.post(0, 1, 15);
      await r.waitFor('final');
      const reported = readingOf(r, 0, 7);
      // No mining for a while after the revert: the node's head stays below the recorded blocks and
      // its nonce below the batches', so every look at the nonces (every 200 ms) walks back over
      // them again, and each walk (after the lag grace, 1 s) finds them contradicted again.
      await r.node.rpc('evm_setAutomine', [false]);
      await r.node.rpc('evm_revert', [snapshot]);
      await waitUntil(async () => ((await r.health()).relayer.finalContradicted as number) >= 1, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 3500));
      await r.node.rpc('evm_setAutomine', [true]);
      await r.node.rpc('evm_mine');
      await r.post(0, 16, 20);
      await r.waitFor('final');
      const now = readingOf(r, 0, 7);
      assert.deepEqual(
        { finality: now.finality, blockNumber: now.blockNumber, blockHash: now.blockHash, txHash: now.txHash },
        { finality: 'final', blockNumber: reported.blockNumber, blockHash: reported.blockHash, txHash: reported.txHash },
        'a reading reported final never changes',
      );
      const health = await r.health();
      assert.equal(health.relayer.batchesVanished, 0, 'nothing final was opened again');
      await r.audit();
      const security = log.lines.filter((line) => line.security === true && String(line.msg).startsWith('SECURITY'));
      const contradicted = (await r.health()).relayer.finalContradicted as number;
      assert.ok(contradicted >= 1);
      assert.equal(security.length, contradicted, 'one SECURITY line per contradicted batch');
      assert.equal(new Set(security.map((line) => line.txHash)).size, security.length, 'no batch told twice');
    } finally {
      await r.close();
    }
  });

  it('evm_revert while batches wait in the pool: sent again in nonce order, recorded once', async () => {
    const r = await rig(2);
    try {
      await r.startGateway({ batchSize: 10 });
      const snapshot = await r.node.rpc('evm_snapshot');
      await r.node.rpc('evm_setAutomine', [false]);
      await r.post(0, 1, 10);
      await r.post(1, 1, 10);
      await waitUntil(async () => Number(((await r.node.rpc('txpool_status')) as { pending: string }).pending) >= 2);
      await r.node.rpc('evm_mine'); // these are mined...
      await r.waitFor('included');
      await r.post(0, 11, 20); // ...these are in flight...
      await waitUntil(async () => Number(((await r.node.rpc('txpool_status')) as { pending: string }).pending) >= 1);
      await r.node.rpc('evm_revert', [snapshot]); // ...and the chain goes back before all of them
      await r.node.rpc('evm_setAutomine', [true]);
      await r.post(1, 11, 20);
      await r.rolledBack();
      await r.waitFor('included');
      await r.audit();
    } finally {
      await r.close();
    }
  });

  it('a node restarted from an older state (dump, go on, kill -9, a fresh Anvil from the dump on the same port)', async () => {
    const r = await rig(2);
    try {
      await r.startGateway({ finalityDelayMs: 200 });
      await r.post(0, 1, 20);
      await r.waitFor('final');
      const dump = join(r.dir, 'state.json');
      await r.node.dumpStateTo(dump);
      await r.post(0, 21, 40);
      await r.post(1, 1, 20);
      await r.waitFor('included');
      await r.node.kill9();
      await new Promise((resolve) => setTimeout(resolve, 500)); // the gateway finds no node
      await r.node.restart({ loadState: dump });
      await r.post(1, 21, 30);
      await r.rolledBack();
      await r.waitFor('final', 60_000);
      // (A block mined again with the same parent, transactions and timestamp has the same hash.)
      assert.ok(((await r.health()).relayer.batchesVanished as number) >= 1);
      await r.audit();
    } finally {
      await r.close();
    }
  });
});

describe('relayer: nonces', () => {
  it('a dropped transaction is sent again, one priced under a risen base fee or stuck is signed again with higher fees', async () => {
    const r = await rig(1);
    // What `pythia up` shows of it: the gateway log through the operator's event lines.
    const told: OperatorEvent[] = [];
    const events = createNodeEvents({ dataDir: r.dir, onEvent: (e) => told.push(e) });
    try {
      await r.startGateway({ batchSize: 5, logger: { level: 'warn', stream: events.logStream } });
      await r.node.rpc('evm_setAutomine', [false]);
      await r.post(0, 1, 10);
      await waitUntil(async () => Number(((await r.node.rpc('txpool_status')) as { pending: string }).pending) === 2);
      // Dropped: the node forgets the lowest transaction (and what waits behind it).
      const [first] = r.gateway!.app.pythia.queue.openBatches();
      await r.node.rpc('anvil_dropTransaction', [first!.txHash]);
      await waitUntil(async () => ((await r.health()).relayer.droppedResent as number) >= 1, 10_000);
      await waitUntil(async () => Number(((await r.node.rpc('txpool_status')) as { pending: string }).pending) === 2, 10_000);
      await r.node.rpc('evm_mine');
      await r.waitFor('included');

      // Underpriced: the base fee rises tenfold; the pooled transaction cannot be mined.
      await r.post(0, 11, 15);
      await waitUntil(async () => Number(((await r.node.rpc('txpool_status')) as { pending: string }).pending) === 1);
      const block = await r.chain.publicClient.getBlock();
      await r.node.rpc('anvil_setNextBlockBaseFeePerGas', [`0x${((block.baseFeePerGas ?? 1n) * 40n).toString(16)}`]);
      await r.node.rpc('evm_mine');
      await waitUntil(async () => ((await r.health()).relayer.feeBumps as number) >= 1, 10_000);
      await r.node.rpc('evm_mine');
      await r.waitFor('included');
      const bumped = readingOf(r, 0, 12);
      assert.equal(r.gateway!.app.pythia.queue.isOwnTransaction(bumped.txHash!), true);

      // Stuck: known to the node, never mined (no block comes): signed again after stuckAfterMs.
      await r.post(0, 16, 20);
      await waitUntil(async () => Number(((await r.node.rpc('txpool_status')) as { pending: string }).pending) === 1);
      const [stuck] = r.gateway!.app.pythia.queue.openBatches();
      const bumps = (await r.health()).relayer.feeBumps as number;
      await waitUntil(async () => ((await r.health()).relayer.feeBumps as number) > bumps, 10_000);
      await r.node.rpc('evm_mine');
      await r.waitFor('included');
      const mined = readingOf(r, 0, 18);
      assert.notEqual(mined.txHash, stuck!.txHash, 'the higher-fee signature was mined');
      assert.deepEqual(r.gateway!.app.pythia.queue.earlierAttempts(stuck!.id), [stuck!.txHash]);
      await r.node.rpc('evm_setAutomine', [true]);
      await r.audit();
      const resent = told.find((e) => e.event === 'relayer_resend');
      assert.ok(resent && 'message' in resent, JSON.stringify(told));
      assert.match(resent.message, /dropped/);
      const bump = told.find((e) => e.event === 'relayer_fee_bump');
      assert.ok(bump && 'message' in bump, JSON.stringify(told));
      assert.equal(bump.level, 'info');
      assert.match(bump.txHash ?? '', /^0x[0-9a-f]{64}$/);
    } finally {
      await r.close();
    }
  });

  it('a nonce gap below a recorded batch is filled, so the batch and the readings it carries are mined', async () => {
    const r = await rig(1);
    try {
      // A gateway left a batch signed two nonces above the account's nonce (its predecessors lost).
      const database = new GatewayDatabase({ path: join(r.dir, 'gateway.sqlite') });
      const queue = new ReadingQueue({ database });
      const domain = { chainId: r.chain.chainId, verifyingContract: r.chain.fleetAddress };
      const signed = [1, 2, 3, 4].map((s) =>
        signReading({
          key: r.devices[0]!,
          domain,
          sequence: s,
          timestamp: T0 + 10 * s,
          payload: encodeMetrics([120, 250, 300, 450, 2150, 5500]),
        }),
      );
      queue.enqueue(
        signed.map((s) => ({
          device: s.device.toLowerCase() as Hex,
          sequence: BigInt(s.sequence),
          timestamp: BigInt(s.timestamp),
          payload: s.payload,
          signature: hexToBytes(s.signature as Hex),
        })),
      );
      for (const s of signed) r.ledger.signed(s);
      r.ledger.acknowledge(signed);
      const nonce = await r.chain.publicClient.getTransactionCount({ address: r.chain.relayer.address });
      const pending = queue.takeUnbatched(10);
      const data = encodeFunctionData({ abi: gatewayFleetAbi, functionName: 'submitReadings', args: [pending.map(signedReadingOf)] });
      const block = await r.chain.publicClient.getBlock();
      const rawTx = await r.chain.relayer.signTransaction({
        type: 'eip1559',
        chainId: r.chain.chainId,
        to: r.chain.fleetAddress,
        data,
        nonce: nonce + 2,
        gas: 3_000_000n,
        maxFeePerGas: (block.baseFeePerGas ?? 0n) * 2n + 1_000_000n,
        maxPriorityFeePerGas: 1_000_000n,
      });
      queue.recordBatch(
        { nonce: nonce + 2, txHash: keccak256(rawTx), rawTx, account: r.chain.relayer.address },
        pending.map((p) => p.id),
      );
      database.close();

      await r.startGateway();
      await r.waitFor('included');
      assert.equal(readingOf(r, 0, 4).txHash, keccak256(rawTx));
      assert.equal((await r.health()).relayer.gapsFilled, 2);
      assert.equal(await r.chain.publicClient.getTransactionCount({ address: r.chain.relayer.address }), nonce + 3);
      await r.audit();
    } finally {
      await r.close();
    }
  });
});

describe('relayer: failover', () => {
  it('fails over to a second node with the same state and sends what was in flight to it', async () => {
    const r = await rig(2);
    let spare: AnvilNode | undefined;
    try {
      await r.startGateway({ finalityDelayMs: 200 });
      await r.post(0, 1, 10);
      await r.waitFor('final');
      const dump = join(r.dir, 'shared.json');
      await r.node.dumpStateTo(dump);
      spare = await startAnvilNode({ loadState: dump });
      await r.gateway!.close();
      await r.startGateway({ rpcUrls: [r.node.rpcUrl, spare.rpcUrl], finalityDelayMs: 200 });
      assert.equal((await r.health()).relayer.rpcUrl, r.node.rpcUrl);

      await r.node.rpc('evm_setAutomine', [false]);
      await r.post(0, 11, 20); // in the first node's pool only
      await r.post(1, 1, 10);
      await waitUntil(async () => Number(((await r.node.rpc('txpool_status')) as { pending: string }).pending) >= 1);
      await r.node.kill9();
      await r.post(1, 11, 20);
      await r.waitFor('final', 60_000);
      assert.equal((await r.health()).relayer.rpcUrl, spare.rpcUrl);
      await auditOn(r, spare.rpcUrl);
    } finally {
      await spare?.stop();
      await r.close();
    }
  });
});

describe('relayer: a node behind is no evidence', () => {
  it('failing over to a node whose head is below the recorded blocks reopens nothing: what was final stays final', async () => {
    const r = await rig(1);
    let behind: AnvilNode | undefined;
    try {
      const dump = join(r.dir, 'before-readings.json');
      await r.node.dumpStateTo(dump); // the chain as a node that has not caught up has it
      await r.startGateway({ finalityDelayMs: 200 });
      await r.post(0, 1, 10);
      await r.waitFor('final');
      const reported = readingOf(r, 0, 5);
      behind = await startAnvilNode({ loadState: dump, noMining: true });
      const behindHead = Number(await behind.rpc('eth_blockNumber'));
      assert.ok(behindHead < reported.blockNumber!, `the spare (head ${behindHead}) is behind block ${reported.blockNumber}`);
      await r.gateway!.close();
      await r.startGateway({
        rpcUrls: [r.node.rpcUrl, behind.rpcUrl],
        finalityDelayMs: 200,
        relayerTiming: { ...fastRelayer, lagGraceMs: 60_000 },
      });
      await r.node.kill9();
      await r.post(0, 11, 15); // acknowledged (durably) while the only node left is behind
      await waitUntil(async () => {
        const { relayer } = await r.health();
        return relayer.rpcUrl === behind!.rpcUrl && (relayer.lagWaits as number) >= 1;
      }, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 2000)); // twenty more looks at the chain (every 100 ms)
      const now = readingOf(r, 0, 5);
      assert.deepEqual(
        { finality: now.finality, blockHash: now.blockHash },
        { finality: 'final', blockHash: reported.blockHash },
        'a node that is behind does not make a final reading pending',
      );
      const { relayer } = await r.health();
      assert.deepEqual(
        { rollbacks: relayer.rollbacks, batchesVanished: relayer.batchesVanished, finalContradicted: relayer.finalContradicted },
        { rollbacks: 0, batchesVanished: 0, finalContradicted: 0 },
      );
      assert.equal(readingOf(r, 0, 13).finality, 'pending');
    } finally {
      await behind?.stop();
      await r.close();
    }
  });

  it('a batch included but not final, whose block another node that has its height replaced, is sent again and recorded once', async () => {
    const r = await rig(1);
    let other: AnvilNode | undefined;
    try {
      const dump = join(r.dir, 'fork-point.json');
      await r.node.dumpStateTo(dump);
      other = await startAnvilNode({ loadState: dump, noMining: true });
      await other.rpc('evm_mine'); // an empty block of its own: a fork from here on
      await r.gateway?.close();
      await r.startGateway({ rpcUrls: [r.node.rpcUrl, other.rpcUrl], finalityDelayMs: 60_000 });
      await r.post(0, 1, 10);
      await r.waitFor('included');
      const before = readingOf(r, 0, 5);
      // The other node's chain grows past that height (the batch was handed to it too, and waits in its pool).
      await waitUntil(async () => Number(((await other!.rpc('txpool_status')) as { pending: string }).pending) >= 1);
      await other.rpc('anvil_mine', ['0x5']);
      await other.rpc('evm_setAutomine', [true]);
      assert.ok(Number(await other.rpc('eth_blockNumber')) >= before.blockNumber!);
      await r.node.kill9();
      await r.post(0, 11, 15);
      await r.rolledBack();
      await r.waitFor('included', 30_000);
      const after = readingOf(r, 0, 5);
      assert.equal(after.status, 'accepted');
      assert.notEqual(after.blockHash, before.blockHash, "recorded in the other node's block");
      const { relayer } = await r.health();
      assert.ok((relayer.batchesVanished as number) >= 1);
      assert.equal(relayer.finalContradicted, 0);
      await auditOn(r, other.rpcUrl);
    } finally {
      await other?.stop();
      await r.close();
    }
  });
});

describe('relayer: readings skipped as Replayed', () => {
  it('settles a reading from the earlier transaction that recorded the same signed bytes; reports one recorded nowhere', async () => {
    const r = await rig(1);
    try {
      // Another relayer (the device also sent its readings elsewhere) gets the same bytes in first.
      const other = nativeAccount(generatePrivateKey());
      await r.node.rpc('anvil_setBalance', [other.address, '0x56bc75e2d63100000']);
      const role = (await r.chain.publicClient.readContract({
        address: r.chain.fleetAddress,
        abi: pythiaFleetAbi,
        functionName: 'RELAYER_ROLE',
      } as never)) as Hex;
      // The council's timelock holds the fleet's admin role (no delay on a test chain); a relayer
      // must also be bound to a trusted Pythia key (issue #12), which the operator registers for it.
      await r.chain.govern(r.chain.fleetAddress, pythiaFleetAbi, 'grantRole', [role, other.address]);
      const clients = createChainClients(r.chain);
      const registry = r.chain.deployment.contracts.pythiaRegistry!;
      const otherPythia = nativeAccount(generatePrivateKey());
      await registerPythiaKey({ clients, account: r.chain.operator, address: registry, publicKey: otherPythia.publicKey });
      await bindRelayer({ clients, account: r.chain.operator, address: registry, key: otherPythia.address, relayer: other.address });

      await r.startGateway();
      await r.node.rpc('evm_setAutomine', [false]);
      const ours = await r.post(0, 1, 3);
      await waitUntil(async () => Number(((await r.node.rpc('txpool_status')) as { pending: string }).pending) === 1);
      // The other relayer carries reading 1 unchanged, and a different reading the device signed with sequence 2.
      const twin = signReading({
        key: r.devices[0]!,
        domain: { chainId: r.chain.chainId, verifyingContract: r.chain.fleetAddress },
        sequence: 2,
        timestamp: T0 + 20,
        payload: encodeMetrics([121, 250, 300, 450, 2150, 5500]),
      });
      const item = (s: SignedReading) => ({
        device: s.device,
        sequence: BigInt(s.sequence),
        timestamp: BigInt(s.timestamp),
        payload: s.payload,
        ...toCompact(splitSignature(s.signature as Hex)),
      });
      const foreign = await r.chain.walletClient(other).writeContract({
        address: r.chain.fleetAddress,
        abi: pythiaFleetAbi,
        functionName: 'submitReadings',
        args: [[item(ours[0]!), item(twin)]],
        gas: 1_000_000n,
        maxPriorityFeePerGas: 10_000_000_000n,
        maxFeePerGas: 100_000_000_000n,
      } as never);
      await r.node.rpc('evm_mine'); // the higher tip goes first
      await r.node.rpc('evm_setAutomine', [true]);
      await r.waitFor('included');

      const first = readingOf(r, 0, 1);
      assert.equal(first.status, 'accepted');
      assert.equal(first.txHash, foreign, 'settled from the transaction that recorded it');
      const second = readingOf(r, 0, 2);
      assert.equal(second.status, 'rejected');
      assert.deepEqual(second.reasons, ['Replayed']);
      assert.equal(readingOf(r, 0, 3).status, 'accepted');
      const health = await r.health();
      assert.equal(health.relayer.replayedRecorded, 1);
      assert.equal(health.relayer.replayedUnexplained, 1, 'the reading recorded nowhere is reported, not hidden');
      const audit = await auditReadings({ client: r.chain.publicClient, fleetAddress: r.chain.fleetAddress, ledger: r.ledger });
      assert.deepEqual(audit.lost, [ledgerKey(r.devices[0]!.deviceId, 2)]);
      assert.deepEqual(audit.unexpected, [ledgerKey(r.devices[0]!.deviceId, 2)], 'the twin is not the reading the test acknowledged');
    } finally {
      await r.close();
    }
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
