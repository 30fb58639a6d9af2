import { BaseError, decodeFunctionData, getAddress, ResponseBodyTooLargeError, type Address, type Hex, type PublicClient } from 'viem';
import { pythiaFleetAbi } from '../contracts/abis.js';
import { contractsByAddress, decodeChainLog, type ChainEvent, type RawLog } from './decodeChainLog.js';
import type { IndexedContract } from './indexedContracts.js';
import type { EventPlace, IndexedBlock, IndexerStore, SignedReadingFields } from './indexerStore.js';
import { readingEventNames } from './queryIndex.js';

export type ChainFollowerOptions = {
  client: PublicClient;
  store: IndexerStore;
  contracts: readonly IndexedContract[];
  /** The first block to read (the deployment block: no contract emitted anything before). */
  startBlock: number;
  /** Blocks counting the block itself before it is final (the gateway's finality policy). */
  confirmations: number;
  /** The newest block final at `head` when the chain has a rule besides depth (Anvil's saved block); default head − confirmations + 1. */
  finalBlockAt?: (head: number) => number;
  /** Blocks per eth_getLogs request (a range too large for one answer is read in halves). */
  chunkBlocks?: number;
  /** Called after each stored range or rollback (live updates). */
  onChange?: (change: ChainChange) => void;
  /** Events whose sender an older index lacks, read again per step once caught up (readSendersAgain). Default 256. */
  sendersPerStep?: number;
};

/** What one step changed. */
export type ChainChange =
  | { kind: 'range'; from: number; to: number; events: ChainEvent[]; finalBlock: number }
  | { kind: 'rollback'; above: number; removedFrom: number }
  | { kind: 'final'; finalBlock: number };

export type FollowStepReturnType = { caughtUp: boolean; change?: ChainChange };

const READING_EVENTS: ReadonlySet<string> = new Set(readingEventNames);
/** Transactions fetched at once (eth_getTransactionByHash requests in flight); blocks too, when senders are read again. */
const TRANSACTION_BATCH = 16;

/** The fleet's reading events: sent by the gateway's relayer, their transactions read for the signed readings only. */
const isReadingEvent = (event: ChainEvent) => event.contract === 'fleet' && READING_EVENTS.has(event.name);

/**
 * Follows every contract's events into the store, one block range at a time: each range is stored
 * in one transaction with the hash of its last block. Before reading on, it checks that the last
 * stored block is still canonical; when it is not (a reorg, or a node that lost blocks), it walks
 * back over the recorded block hashes to the newest that still is, removes everything above it,
 * and reads again from there.
 */
export class ChainFollower {
  private readonly options: ChainFollowerOptions;
  private readonly byAddress: ReadonlyMap<string, IndexedContract>;
  private readonly addresses: Address[];
  private readonly fleet: Address | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  /** Where reading senders again has reached in this run (events whose transaction was not found are passed over). */
  private sendersAfter: EventPlace | undefined;
  private sendersComplete = false;

  constructor(options: ChainFollowerOptions) {
    if (!Number.isSafeInteger(options.confirmations) || options.confirmations < 1) {
      throw new Error(`confirmations must be a positive integer, got ${options.confirmations}`);
    }
    this.options = options;
    this.byAddress = contractsByAddress(options.contracts);
    this.addresses = options.contracts.map((c) => c.address);
    this.fleet = options.contracts.find((c) => c.name === 'fleet')?.address;
  }

  /** One step: undo a reorg, or store the next range, or only raise the final block. */
  async step(): Promise<FollowStepReturnType> {
    const { client, store } = this.options;
    const head = Number(await client.getBlockNumber({ cacheTime: 0 }));
    const { cursor } = await store.position();
    if (cursor && (await this.hashAt(cursor.number)) !== cursor.hash) {
      const keep = await this.newestCanonical(cursor.number - 1);
      await store.rollbackAbove(keep);
      const change: ChainChange = { kind: 'rollback', above: keep?.number ?? this.options.startBlock - 1, removedFrom: cursor.number };
      this.options.onChange?.(change);
      return { caughtUp: false, change };
    }
    const finalAtHead = this.finalBlockAt(head);
    const from = cursor ? cursor.number + 1 : this.options.startBlock;
    if (from > head) {
      const before = (await store.position()).finalBlock;
      await store.setFinalBlock(finalAtHead);
      const after = (await store.position()).finalBlock;
      const change: ChainChange | undefined = after > before ? { kind: 'final', finalBlock: after } : undefined;
      if (change) this.options.onChange?.(change);
      await this.readSendersAgain();
      return { caughtUp: true, ...(change && { change }) };
    }
    const to = Math.min(from + (this.options.chunkBlocks ?? 2_000) - 1, head);
    const range = await this.readRange(from, to);
    if (range === undefined) return { caughtUp: false }; // the chain moved under the read: read again
    await store.applyRange({ ...range, finalBlock: finalAtHead });
    const change: ChainChange = { kind: 'range', from, to, events: range.events, finalBlock: (await store.position()).finalBlock };
    this.options.onChange?.(change);
    return { caughtUp: to === head, change };
  }

  /** Steps until stop(); waits `pollMs` when caught up and `retryMs` after a failure (reported to onError). */
  async run(options: { pollMs?: number; retryMs?: number; onError?: (error: unknown) => void } = {}): Promise<void> {
    while (!this.stopped) {
      let pause = 0;
      try {
        const { caughtUp } = await this.step();
        if (caughtUp) pause = options.pollMs ?? 1_000;
      } catch (error) {
        options.onError?.(error);
        pause = options.retryMs ?? 2_000;
      }
      if (pause > 0 && !this.stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pause);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private finalBlockAt(head: number): number {
    return this.options.finalBlockAt?.(head) ?? head - this.options.confirmations + 1;
  }

  private async hashAt(height: number): Promise<Hex | undefined> {
    const block = (await this.options.client.request({
      method: 'eth_getBlockByNumber',
      params: [`0x${height.toString(16)}`, false],
    })) as { hash: Hex } | null;
    return block?.hash ?? undefined;
  }

  /** The newest recorded block at or below `height` that is still canonical, or undefined. */
  private async newestCanonical(height: number): Promise<IndexedBlock | undefined> {
    let below = height;
    for (;;) {
      const recorded = await this.options.store.recordedBlocksFrom(below, 64);
      if (recorded.length === 0) return undefined;
      for (const block of recorded) if ((await this.hashAt(block.number)) === block.hash) return block;
      below = recorded[recorded.length - 1]!.number - 1;
    }
  }

  /**
   * The events of [from, to] and the hash of `to`, read between two looks at `to`'s hash: when
   * they differ (or a log's block hash disagrees with another's), a reorg happened during the
   * read and the answer is undefined. Each event but a reading event gets its transaction's sender.
   */
  private async readRange(from: number, to: number) {
    const before = await this.hashAt(to);
    if (before === undefined) return undefined;
    const logs = await this.logs(from, to);
    const events: ChainEvent[] = [];
    const blocks = new Map<number, Hex>();
    for (const log of logs) {
      const event = decodeChainLog(log, this.byAddress);
      if (!event) continue;
      const seen = blocks.get(event.blockNumber);
      if (seen !== undefined && seen !== event.blockHash) return undefined;
      blocks.set(event.blockNumber, event.blockHash);
      if (event.blockNumber === to && event.blockHash !== before) return undefined;
      events.push(event);
    }
    const { senders, readings } = await this.transactionsOf(events);
    const after = await this.hashAt(to);
    if (after !== before) return undefined;
    events.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
    for (const event of events) {
      const sender = isReadingEvent(event) ? undefined : senders.get(event.transactionHash);
      if (sender !== undefined) event.sender = sender;
    }
    return {
      to: { number: to, hash: before },
      blocks: [...blocks].map(([number, hash]) => ({ number, hash })),
      events,
      readings,
    };
  }

  /**
   * The transactions of `events`, each fetched once, TRANSACTION_BATCH at a time: the sender of
   * each transaction of an event other than a reading event, and the signed fields of the readings
   * carried by the transactions of reading events (decoded batch by batch: the calls are not kept).
   */
  private async transactionsOf(
    events: readonly ChainEvent[],
  ): Promise<{ senders: Map<Hex, Address>; readings: Map<string, SignedReadingFields> }> {
    const reading = new Set<Hex>();
    const sent = new Set<Hex>();
    for (const event of events) (isReadingEvent(event) ? reading : sent).add(event.transactionHash);
    const senders = new Map<Hex, Address>();
    const readings = new Map<string, SignedReadingFields>();
    const hashes = [...new Set([...reading, ...sent])];
    for (let i = 0; i < hashes.length; i += TRANSACTION_BATCH) {
      const batch = hashes.slice(i, i + TRANSACTION_BATCH);
      const found = await Promise.all(batch.map((hash) => this.options.client.getTransaction({ hash })));
      for (const [j, transaction] of found.entries()) {
        const hash = batch[j]!;
        if (sent.has(hash)) senders.set(hash, getAddress(transaction.from));
        if (reading.has(hash)) this.addSignedReadings(transaction, readings);
      }
    }
    return { senders, readings };
  }

  /**
   * The senders an index written before it recorded them lacks (its events other than reading
   * events; SQLite and PostgreSQL migration 5), read again a few at a time while the follower is
   * caught up, so that the catch-up never waits for them: their blocks (with their transactions: a
   * node may keep no index of old transactions by hash) give each transaction's sender, which its
   * hash fixes whatever block holds it. Stops for the run once none is left.
   */
  private async readSendersAgain(): Promise<void> {
    if (this.sendersComplete) return;
    const { store, client } = this.options;
    const missing = await store.eventsWithoutSender(this.sendersAfter, this.options.sendersPerStep ?? 256);
    if (missing.length === 0) {
      this.sendersComplete = true;
      return;
    }
    const numbers = [...new Set(missing.map((e) => e.blockNumber))];
    const senders = new Map<string, Address>();
    for (let i = 0; i < numbers.length; i += TRANSACTION_BATCH) {
      const blocks = await Promise.all(
        numbers.slice(i, i + TRANSACTION_BATCH).map((n) => client.getBlock({ blockNumber: BigInt(n), includeTransactions: true })),
      );
      for (const block of blocks) for (const t of block.transactions) senders.set(t.hash.toLowerCase(), getAddress(t.from));
    }
    await store.recordSenders(
      missing.flatMap(({ blockNumber, logIndex, transactionHash }) => {
        const sender = senders.get(transactionHash.toLowerCase());
        return sender === undefined ? [] : [{ blockNumber, logIndex, sender }];
      }),
    );
    const last = missing[missing.length - 1]!;
    this.sendersAfter = { blockNumber: last.blockNumber, logIndex: last.logIndex };
  }

  private async logs(from: number, to: number): Promise<RawLog[]> {
    try {
      return (await this.options.client.getLogs({ address: this.addresses, fromBlock: BigInt(from), toBlock: BigInt(to) })) as RawLog[];
    } catch (error) {
      const tooLarge = error instanceof BaseError && error.walk((e) => e instanceof ResponseBodyTooLargeError) !== null;
      if (!tooLarge || from === to) throw error;
      const middle = Math.floor((from + to) / 2);
      return [...(await this.logs(from, middle)), ...(await this.logs(middle + 1, to))];
    }
  }

  /**
   * Adds to `out` the signed fields of the readings of a submitReadings call to the fleet: a flag's
   * evidence is the reading the device signed, not only the event.
   */
  private addSignedReadings(transaction: { to: Address | null; input: Hex }, out: Map<string, SignedReadingFields>): void {
    const fleet = this.fleet?.toLowerCase();
    if (fleet === undefined || transaction.to?.toLowerCase() !== fleet) return;
    let call;
    try {
      call = decodeFunctionData({ abi: pythiaFleetAbi, data: transaction.input });
    } catch {
      return;
    }
    if (call.functionName !== 'submitReadings') return;
    for (const reading of call.args[0]) {
      out.set(`${reading.device.toLowerCase()}:${reading.sequence}`, {
        timestamp: reading.timestamp,
        payload: reading.payload,
        r: reading.r,
        vs: reading.vs,
      });
    }
  }
}
