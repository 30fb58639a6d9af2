import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Address, Hex } from 'viem';
import { AccessLedger } from '../consentedData/accessLedger.js';
import { GatewayDatabase } from '../database/gatewayDatabase.js';
import { ReadingQueue, sequenceKey, type NewReading } from './readingQueue.js';

/** A queue on a database of its own; close() closes the database. */
function openQueue(path: string) {
  const database = new GatewayDatabase({ path });
  return Object.assign(new ReadingQueue({ database }), { close: () => database.close() });
}

const dir = mkdtempSync(join(tmpdir(), 'pythia-queue-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const deviceA = '0x00000000000000000000000000000000000000aa' as Address;
const deviceB = '0x00000000000000000000000000000000000000bb' as Address;
const reading = (device: Address, sequence: bigint): NewReading => ({
  device,
  sequence,
  timestamp: 1_700_000_000n,
  payload: '0x00010002',
  signature: new Uint8Array(65).fill(1),
});

describe('ReadingQueue', () => {
  it('orders sequences numerically, for any uint64', () => {
    assert.ok(sequenceKey(9n) < sequenceKey(10n));
    assert.ok(sequenceKey((1n << 64n) - 2n) < sequenceKey((1n << 64n) - 1n));
  });

  it('stores readings durably: they survive closing and reopening the file', () => {
    const path = join(dir, 'durable.sqlite');
    const queue = openQueue(path);
    queue.enqueue([reading(deviceA, 1n), reading(deviceA, 2n), reading(deviceB, (1n << 64n) - 1n)]);
    assert.equal(queue.pendingCount(), 3);
    queue.close();
    const reopened = openQueue(path);
    assert.equal(reopened.pendingCount(), 3);
    assert.deepEqual(
      reopened.highestSequences(),
      new Map([
        [deviceA, 2n],
        [deviceB, (1n << 64n) - 1n],
      ]),
    );
    assert.deepEqual(
      reopened.takeUnbatched(10).map((r) => r.sequence),
      [1n, 2n, (1n << 64n) - 1n],
    );
    const stored = reopened.reading(deviceB, (1n << 64n) - 1n);
    assert.equal(stored?.status, 'pending');
    reopened.close();
  });

  it('is all or nothing: a duplicate (device, sequence) stores none of its group', () => {
    const queue = openQueue(join(dir, 'atomic.sqlite'));
    queue.enqueue([reading(deviceA, 1n)]);
    assert.throws(() => queue.enqueue([reading(deviceA, 2n), reading(deviceA, 1n)]));
    assert.equal(queue.pendingCount(), 1);
    assert.equal(queue.reading(deviceA, 2n), undefined);
    queue.close();
  });

  it('batches readings in arrival order, settles them from outcomes, and requeues abandoned batches', () => {
    const queue = openQueue(join(dir, 'batches.sqlite'));
    queue.enqueue([reading(deviceA, 1n), reading(deviceB, 1n), reading(deviceA, 2n)]);
    assert.equal(queue.hasUnbatched(3), true);
    assert.equal(queue.hasUnbatched(4), false);
    const first = queue.takeUnbatched(2);
    const batch = queue.recordBatch(
      { nonce: 0, txHash: `0x${'11'.repeat(32)}` as Hex, rawTx: '0x02' },
      first.map((r) => r.id),
    );
    assert.deepEqual(
      queue.takeUnbatched(10).map((r) => [r.device, r.sequence]),
      [[deviceA, 2n]],
    );
    assert.deepEqual(
      queue.openBatches().map((b) => b.id),
      [batch.id],
    );

    const settled = queue.settleBatch(batch, 12, [
      { device: deviceA, sequence: 1n, status: 'flagged', reasons: ['OutOfRange'], metric: 2, value: -5 },
    ]);
    assert.equal(settled, 2, 'the reading the receipt is silent about is settled too');
    const decided = queue.reading(deviceA, 1n)!;
    assert.deepEqual(decided, {
      device: deviceA,
      sequence: 1n,
      timestamp: 1_700_000_000n,
      status: 'flagged',
      reasons: ['OutOfRange'],
      metric: 2,
      value: -5,
      txHash: batch.txHash,
      blockNumber: 12,
      finality: 'included',
      receivedAt: decided.receivedAt,
      decidedAt: decided.decidedAt,
    });
    assert.ok(
      Number.isInteger(decided.decidedAt) && decided.decidedAt! >= decided.receivedAt,
      'the verdict time is recorded, after receipt',
    );
    assert.deepEqual(
      queue.verdictLatencies(),
      [decided.decidedAt! - decided.receivedAt, queue.reading(deviceB, 1n)!.decidedAt! - queue.reading(deviceB, 1n)!.receivedAt].sort(
        (a, b) => a - b,
      ),
    );
    assert.equal(queue.reading(deviceA, 2n)!.decidedAt, undefined, 'a pending reading has no verdict time');
    assert.deepEqual(queue.reading(deviceB, 1n)?.reasons, ['NoOutcome']);
    assert.equal(queue.pendingCount(), 1);
    assert.deepEqual(queue.openBatches(), []);

    const second = queue.recordBatch(
      { nonce: 1, txHash: `0x${'22'.repeat(32)}` as Hex, rawTx: '0x02' },
      queue.takeUnbatched(10).map((r) => r.id),
    );
    assert.equal(queue.hasUnbatched(1), false);
    queue.abandonBatch(second.id, 'reverted', 13);
    assert.deepEqual(
      queue.takeUnbatched(10).map((r) => r.sequence),
      [2n],
    );
    assert.deepEqual(queue.countsOf(deviceA), { pending: 1, accepted: 0, flagged: 1, rejected: 0 });
    queue.close();
  });
});

const txHash = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex;
const blockHash = (n: number) => `0x${(0xb000 + n).toString(16).padStart(64, '0')}` as Hex;
const relayerA = '0x00000000000000000000000000000000000000a1' as Address;
const relayerB = '0x00000000000000000000000000000000000000b1' as Address;

describe('ReadingQueue: included, final, vanished', () => {
  it('a mined batch is included until finalized; an included one whose block vanishes is open again with its readings pending, a final one never', () => {
    const queue = openQueue(join(dir, 'finality.sqlite'));
    queue.enqueue([reading(deviceA, 1n), reading(deviceA, 2n)]);
    const batch = queue.recordBatch(
      { nonce: 7, txHash: txHash(1), rawTx: '0x02aa', account: relayerA },
      queue.takeUnbatched(10).map((r) => r.id),
    );
    queue.settleBatch(batch, 40, [{ device: deviceA, sequence: 1n, status: 'accepted', reasons: [] }], blockHash(40));
    const included = queue.reading(deviceA, 1n)!;
    assert.equal(included.finality, 'included');
    assert.equal(included.blockHash, blockHash(40));
    assert.equal(included.finalAt, undefined);
    assert.deepEqual(queue.finalityCountsOf(deviceA), { included: 2, final: 0 });
    assert.equal(queue.finalWindow(), undefined, 'nothing final yet');

    // Not deep enough (block 40 > 39) or seen too recently: nothing to finalize.
    assert.deepEqual(queue.batchesToFinalize(39, Date.now() + 1), []);
    assert.deepEqual(queue.batchesToFinalize(40, 0), []);
    const due = queue.batchesToFinalize(40, Date.now() + 1);
    assert.deepEqual(
      due.map((b) => [b.id, b.state, b.blockNumber, b.blockHash]),
      [[batch.id, 'mined', 40, blockHash(40)]],
    );
    queue.finalizeBatch(batch.id, 1_800_000_000_000);
    assert.equal(queue.reading(deviceA, 1n)!.finality, 'final');
    assert.equal(queue.reading(deviceA, 1n)!.finalAt, 1_800_000_000_000);
    assert.deepEqual(queue.finalityCountsOf(deviceA), { included: 0, final: 2 });
    assert.deepEqual(queue.finalWindow(), { first: 1_800_000_000_000, last: 1_800_000_000_000, readings: 2, atFirst: 2 });
    assert.equal(queue.finalWindow(Date.now() + 60_000), undefined, 'none received since then');
    const stages = queue.finalityStages();
    assert.deepEqual([stages.queued.length, stages.toIncluded.length, stages.toFinal.length], [2, 2, 2]);
    assert.ok(stages.queued.every((ms) => ms >= 0) && stages.toIncluded.every((ms) => ms >= 0));
    const sinceInclusion = 1_800_000_000_000 - Date.now(); // final_at set above, minus included_at (a moment ago)
    assert.ok(
      stages.toFinal.every((ms) => Math.abs(ms - sinceInclusion) < 60_000),
      String(stages.toFinal),
    );
    assert.deepEqual(queue.finalityStages(Date.now() + 60_000), { queued: [], toIncluded: [], toFinal: [] });
    assert.deepEqual(queue.batchesToFinalize(1000, Date.now() + 1), []);
    assert.deepEqual(
      queue.batchesOnChainBelow().map((b) => [b.id, b.state]),
      [[batch.id, 'final']],
    );

    // A final batch is never opened again, whatever the caller thinks it saw: its readings stay final.
    assert.throws(() => queue.reopenBatch(batch.id), /batch \d+ is final: a final batch is never reopened/);
    assert.equal(queue.reading(deviceA, 1n)!.finality, 'final');
    assert.equal(queue.pendingCount(), 0);

    // An included batch whose block the node lost: open again, same signed bytes, readings pending.
    queue.enqueue([reading(deviceA, 3n), reading(deviceA, 4n)]);
    const second = queue.recordBatch(
      { nonce: 8, txHash: txHash(2), rawTx: '0x02bb', account: relayerA },
      queue.takeUnbatched(10).map((r) => r.id),
    );
    queue.settleBatch(second, 41, [{ device: deviceA, sequence: 3n, status: 'accepted', reasons: [] }], blockHash(41));
    assert.equal(queue.reading(deviceA, 3n)!.finality, 'included');
    assert.equal(queue.reopenBatch(second.id), 2);
    assert.equal(queue.pendingCount(), 2);
    assert.deepEqual(queue.openBatches(), [{ id: second.id, nonce: 8, txHash: txHash(2), rawTx: '0x02bb', createdAt: second.createdAt }]);
    const again = queue.reading(deviceA, 3n)!;
    assert.equal(again.status, 'pending');
    assert.equal(again.finality, 'pending');
    assert.equal(again.blockNumber, undefined);
    assert.equal(again.blockHash, undefined);
    assert.deepEqual(
      queue.readingsOfBatch(second.id).map((r) => r.sequence),
      [3n, 4n],
      'still carried by the same batch',
    );
    assert.deepEqual(queue.takeUnbatched(10), [], 'not queued for another batch: they keep their place');
    assert.deepEqual(
      queue.batchesOnChainBelow().map((b) => [b.id, b.state]),
      [[batch.id, 'final']],
    );
    queue.close();
  });

  it('walks back newest block first, in pages, and keeps nonces per relayer account', () => {
    const queue = openQueue(join(dir, 'walk.sqlite'));
    const ids: number[] = [];
    for (let n = 0; n < 5; n++) {
      const b = queue.recordBatch({ nonce: n, txHash: txHash(10 + n), rawTx: '0x02', account: relayerA }, []);
      queue.settleBatch(b, 100 + n, [], blockHash(100 + n));
      ids.push(b.id);
    }
    const open = queue.recordBatch({ nonce: 5, txHash: txHash(15), rawTx: '0x02', account: relayerA }, []);
    const firstPage = queue.batchesOnChainBelow(undefined, 2);
    assert.deepEqual(
      firstPage.map((b) => b.blockNumber),
      [104, 103],
    );
    const last = firstPage.at(-1)!;
    assert.deepEqual(
      queue.batchesOnChainBelow({ blockNumber: last.blockNumber, id: last.id }, 10).map((b) => b.blockNumber),
      [102, 101, 100],
    );
    assert.equal(queue.highestNonce(relayerA), 5);
    assert.equal(queue.highestNonce(relayerB), undefined);
    assert.equal(queue.hasBatchAtNonce(relayerA, 3), true);
    assert.equal(queue.hasBatchAtNonce(relayerB, 3), false);
    assert.equal(queue.lowestOpenBatch(relayerA)?.id, open.id);
    assert.deepEqual(
      queue.batchesOnChainFromNonce(relayerA, 3).map((b) => b.nonce),
      [3, 4],
    );
    queue.abandonBatch(ids[2]!, 'replaced');
    assert.equal(queue.hasBatchAtNonce(relayerA, 2), false, 'a nonce taken by another transaction holds no batch of ours');
    queue.close();
  });

  it('keeps every signature of a bumped batch: whichever is mined is ours', () => {
    const queue = openQueue(join(dir, 'bump.sqlite'));
    const b = queue.recordBatch({ nonce: 0, txHash: txHash(1), rawTx: '0x02aa', account: relayerA }, []);
    queue.replaceAttempt(b.id, txHash(1), { txHash: txHash(2), rawTx: '0x02bb' });
    queue.replaceAttempt(b.id, txHash(2), { txHash: txHash(3), rawTx: '0x02cc' });
    assert.deepEqual(queue.batch(b.id), { ...b, txHash: txHash(3), rawTx: '0x02cc', state: 'sent' });
    assert.deepEqual(queue.earlierAttempts(b.id), [txHash(1), txHash(2)]);
    for (const n of [1, 2, 3]) assert.equal(queue.isOwnTransaction(txHash(n)), true);
    assert.equal(queue.isOwnTransaction(txHash(4)), false);
    queue.close();
  });

  it('moves relayed actions of both tables with their batch: settled, reopened after a rollback, failed on a revert, requeued when replaced, kept across a fee bump', () => {
    const database = new GatewayDatabase({ path: join(dir, 'actions.sqlite') });
    const queue = new ReadingQueue({ database });
    const ledger = new AccessLedger(database);
    const target = '0x00000000000000000000000000000000000000cc' as Address;
    const ownerAck = queue.enqueueAction({
      device: deviceA,
      kind: 'owner_acknowledgement',
      target,
      calldata: '0xaa01',
      dedupeKey: 'ack:1',
    });
    const logId = ledger.batchInto('entries', [], { kind: 'deliveries', target, calldata: '0xbb01' });
    const refs = [
      { source: 'device_actions' as const, id: ownerAck.action.id },
      { source: 'access_log_batches' as const, id: logId },
    ];
    const statusOf = () => [queue.deviceAction(ownerAck.action.id)!.status, ledger.logBatch(logId)!.status];
    const txOf = () => [queue.deviceAction(ownerAck.action.id)!.txHash, ledger.logBatch(logId)!.txHash];

    // Included, then the block vanishes: both are pending again in the same batch (not in the outbox).
    const batch = queue.recordBatch({ nonce: 0, txHash: txHash(1), rawTx: '0x02aa', account: relayerA }, [], refs);
    assert.equal(queue.nextUnbatchedAction(), undefined, 'both ride in the batch');
    queue.settleBatch(batch, 20, [], blockHash(20));
    assert.deepEqual(statusOf(), ['done', 'done']);
    assert.deepEqual(txOf(), [txHash(1), txHash(1)]);
    queue.reopenBatch(batch.id);
    assert.deepEqual(statusOf(), ['pending', 'pending']);
    assert.deepEqual(txOf(), [null, null]);
    assert.equal(ledger.logBatch(logId)!.blockNumber, null);
    assert.equal(queue.nextUnbatchedAction(), undefined, 'still carried by the reopened batch: its bytes are sent again');

    // A fee bump signs the batch again: the actions stay with it, and the earlier signature may be the one mined.
    queue.replaceAttempt(batch.id, txHash(1), { txHash: txHash(2), rawTx: '0x02bb' });
    queue.settleBatch({ id: batch.id, txHash: txHash(1) }, 21, [], blockHash(21));
    assert.deepEqual(statusOf(), ['done', 'done']);
    assert.deepEqual(txOf(), [txHash(1), txHash(1)], 'settled from the signature that was mined');

    // Reverted in a block that then vanishes: failed, then pending again.
    queue.reopenBatch(batch.id);
    queue.abandonBatch(batch.id, 'reverted', 22, txHash(2), blockHash(22));
    assert.deepEqual(statusOf(), ['failed', 'failed']);
    assert.equal(ledger.logBatch(logId)!.error, 'the transaction reverted');
    queue.reopenBatch(batch.id);
    assert.deepEqual(statusOf(), ['pending', 'pending']);
    assert.equal(ledger.logBatch(logId)!.error, null);

    // Its nonce taken by another transaction: both go back to the outbox, oldest first.
    queue.abandonBatch(batch.id, 'replaced');
    assert.deepEqual(statusOf(), ['pending', 'pending']);
    assert.deepEqual(queue.nextUnbatchedAction(), { ...refs[0], kind: 'owner_acknowledgement', target, calldata: '0xaa01' });
    const next = queue.recordBatch({ nonce: 0, txHash: txHash(3), rawTx: '0x02cc', account: relayerA }, [], [refs[0]!]);
    assert.deepEqual(queue.nextUnbatchedAction(), { ...refs[1], kind: 'deliveries', target, calldata: '0xbb01' });
    queue.settleBatch(next, 23, [], blockHash(23));
    assert.deepEqual(statusOf(), ['done', 'pending']);
    database.close();
  });
});
