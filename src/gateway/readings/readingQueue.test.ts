import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Address, Hex } from 'viem';
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
