/**
 * What every indexer store promises (SQLite and PostgreSQL alike), as node:test cases run once per
 * store by its own test file: positions and rows that survive a reopen, all-or-nothing ranges,
 * rollbacks that recompute devices, the deployment binding, and a follower over a real chain that
 * stores every event once, undoes reorgs and follows a chain that goes back below the final block.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { getAddress, zeroAddress, type Hex } from 'viem';
import { anvilTestClient } from './anvilTestClient.js';
import type { ChainEvent } from '../indexer/decodeChainLog.js';
import { ChainFollower, type ChainChange } from '../indexer/followChain.js';
import { indexedContracts } from '../indexer/indexedContracts.js';
import type { IndexedRange, IndexerStore, IndexReader } from '../indexer/indexerStore.js';
import type { ListEventsParameters } from '../indexer/queryIndex.js';
import { PostgresIndexerStore } from '../indexer/postgresIndexerStore.js';
import { IndexerDatabaseError, SqliteIndexerStore } from '../indexer/sqliteIndexerStore.js';
import { chainLogKeys, pollutedValues, type IndexerChain } from '../indexer/testKit.js';
import { AIR_QUALITY_CLASS_ID, airQualityProfile } from '../protocol/airQuality.js';

export type StoreUnderTest = {
  store: IndexerStore & IndexReader;
  /** A read of the store's tables in SQL both databases speak (`?` for each value). */
  rows: <R = Record<string, unknown>>(sql: string, ...values: unknown[]) => Promise<R[]>;
  /** Runs statements that change the rows (a test making an older index's state). */
  exec: (sql: string) => Promise<void>;
  close: () => Promise<void>;
};

export type StoreKind = {
  /** Prefixes the test names. */
  name: string;
  /** Opens the store called `name`: the same name again finds the same rows. */
  open: (options: { name: string; identity: string; contracts?: string }) => Promise<StoreUnderTest>;
};

/** The SQLite store as the contract opens it: one file per store name in `folder`, or in memory without a folder. */
export const sqliteStoreKind = (folder?: string): StoreKind => ({
  name: 'SQLite',
  open: async ({ name, identity, contracts }) => {
    const path = folder === undefined ? ':memory:' : join(folder, `${name}.sqlite`);
    const store = new SqliteIndexerStore({ path, identity, ...(contracts !== undefined && { contracts }) });
    return {
      store,
      rows: async <R>(sql: string, ...values: unknown[]) => store.db.prepare(sql).all(...values) as R[],
      exec: async (sql: string) => void store.db.exec(sql),
      close: async () => store.close(),
    };
  },
});

/** The PostgreSQL store as the contract opens it: one schema per store name in the database at `url`. */
export const postgresStoreKind = (database: () => { url: string; password: string }): StoreKind => ({
  name: 'PostgreSQL',
  open: async ({ name, identity, contracts }) => {
    const { url, password } = database();
    const store = await PostgresIndexerStore.open({ url, password, identity, schema: name, ...(contracts !== undefined && { contracts }) });
    return {
      store,
      rows: async <R>(sql: string, ...values: unknown[]) => {
        let n = 0;
        return (await store.query(
          sql.replace(/\?/g, () => `$${++n}`),
          values,
        )) as R[];
      },
      exec: async (sql: string) => void (await store.query(sql)),
      close: () => store.close(),
    };
  },
});

let opened = 0;
/** A store name no other case of this process uses. */
export const freshStoreName = () => `store_${process.pid}_${++opened}`;

/** Test rows: a block hash from a number, a device, an event and a range of the fleet. */
export const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex;
export const device = '0x00000000000000000000000000000000000000d1';
export const event = (blockNumber: number, logIndex: number, name: string, args: ChainEvent['args']): ChainEvent => ({
  blockNumber,
  blockHash: hash(blockNumber),
  logIndex,
  transactionHash: hash(1000 + blockNumber),
  contract: 'fleet',
  address: '0x00000000000000000000000000000000000000f1',
  name,
  args,
});
export const range = (to: number, events: ChainEvent[], finalBlock = to): IndexedRange => ({
  to: { number: to, hash: hash(to) },
  blocks: [],
  events,
  readings: new Map(),
  finalBlock,
});

/**
 * Events for the `actor` filter (event_actors): accounts named in address arguments, as senders,
 * as the `device` argument (not an actor), in a list (not an actor: only top-level arguments are),
 * and a reading event (none). `actorPages` is what the filter answers, newest block first.
 */
export const actorAccounts = {
  operator: getAddress(`0x${'0a'.repeat(20)}`),
  buyer: getAddress(`0x${'0b'.repeat(20)}`),
  recipient: getAddress(`0x${'0c'.repeat(20)}`),
  listed: getAddress(`0x${'0d'.repeat(20)}`),
} as const;
export function actorTestEvents(): ChainEvent[] {
  const { operator, buyer, recipient, listed } = actorAccounts;
  const of = (contract: ChainEvent['contract'], e: ChainEvent, sender?: `0x${string}`): ChainEvent => ({
    ...e,
    contract,
    ...(sender && { sender }),
  });
  return [
    of('fleet', event(1, 0, 'DeviceRegistered', { device, classId: '1', publicKey: '0x01', registrar: operator }), operator),
    of('fleet', event(2, 0, 'ReadingAccepted', { device, sequence: '1' })),
    of('deviceOwnership', event(3, 0, 'OwnershipTransferred', { device, previousOwner: operator, newOwner: buyer, epoch: '1' }), operator),
    of('consentRegistry', event(4, 0, 'ConsentGranted', { consentId: '1', owner: buyer, recipient, devices: [device, listed] }), buyer),
    of('fleet', event(5, 0, 'ClassProfileSet', { classId: '1', version: '2' }), operator),
    of('fleet', event(6, 0, 'DeviceStatusChanged', { device: buyer, previous: '1', current: '2', by: operator, reason: 'r' })),
  ];
}
export const actorPages: Record<keyof typeof actorAccounts, number[]> = {
  operator: [6, 5, 3, 1],
  buyer: [4, 3],
  recipient: [4],
  listed: [],
};

/** The store-level promises, without a chain. */
export function storeContractTests(kind: StoreKind): void {
  test(`${kind.name}: the position and rows survive a reopen; a store of another deployment is refused; new contracts make it read again`, async () => {
    const name = freshStoreName();
    const first = await kind.open({ name, identity: '1:fleet', contracts: 'fleet=a' });
    await first.store.applyRange(
      range(5, [event(5, 0, 'DeviceRegistered', { device, classId: '1', publicKey: '0x', registrar: device })], 4),
    );
    await first.store.applyRange(range(6, [event(6, 1, 'ReadingAccepted', { device, sequence: '1' })], 2));
    assert.deepEqual(
      await first.store.position(),
      { cursor: { number: 6, hash: hash(6) }, finalBlock: 4 },
      'the final block never goes down',
    );
    await first.close();

    const again = await kind.open({ name, identity: '1:fleet', contracts: 'fleet=a' });
    const readings = async () => (await again.rows<{ readings: number }>('SELECT readings FROM devices'))[0]?.readings;
    assert.equal((await again.store.position()).cursor?.number, 6);
    assert.equal(await readings(), 1);
    await assert.rejects(
      async () => again.store.applyRange(range(7, [event(6, 1, 'ReadingAccepted', { device, sequence: '1' })])),
      /UNIQUE|unique/,
    );
    assert.equal((await again.store.position()).cursor?.number, 6, 'a failed range leaves nothing behind');
    assert.equal(await readings(), 1);
    await again.store.rollbackAbove({ number: 5, hash: hash(5) });
    assert.equal(await readings(), 0, 'counters recomputed');
    assert.deepEqual(await again.store.position(), { cursor: { number: 5, hash: hash(5) }, finalBlock: 4 });
    await again.close();

    await assert.rejects(kind.open({ name, identity: '2:other', contracts: 'fleet=a' }), IndexerDatabaseError);
    const widened = await kind.open({ name, identity: '1:fleet', contracts: 'fleet=a,policyRegistry=b' });
    try {
      assert.deepEqual(await widened.store.position(), { cursor: undefined, finalBlock: -1 });
      assert.deepEqual(await widened.rows('SELECT count(*) AS n FROM events'), [{ n: 0 }]);
    } finally {
      await widened.close();
    }
  });

  test(`${kind.name}: a range's device changes apply in chain order; strings from the chain are kept as they are`, async () => {
    const name = freshStoreName();
    const opened = await kind.open({ name, identity: '1:fleet' });
    const other = '0x00000000000000000000000000000000000000d2';
    const reason = 'not\u0000quite "plain" \\ text ✓';
    try {
      // A reading of a device not registered yet changes no device (the contract never emits one, the store must not invent it).
      await opened.store.applyRange(
        range(3, [
          event(2, 0, 'ReadingAccepted', { device: other, sequence: '1' }),
          event(3, 0, 'DeviceRegistered', { device, classId: '7', publicKey: '0xab', registrar: other }),
          event(3, 1, 'ReadingFlagged', { device, sequence: '9007199254740991', reasons: '1', metric: '0', value: '-5' }),
          event(3, 2, 'DeviceStatusChanged', { device, previous: '1', current: '2', by: other, reason }),
          event(3, 3, 'ReadingSkipped', { device, sequence: '2', reason: '3' }),
        ]),
      );
      assert.equal(await opened.store.device(other), undefined);
      const stored = await opened.store.device(device);
      assert.deepEqual(stored && { ...stored }, {
        device,
        classId: 7,
        status: 'suspended',
        publicKey: '0xab',
        registrar: other,
        registeredBlock: 3,
        statusBlock: 3,
        owner: null,
        readings: 1,
        flags: 1,
        lastSequence: 9007199254740991,
        lastReadingBlock: 3,
      });
      const changes = await opened.store.statusChanges({ limit: 10 });
      assert.equal(changes.items[0]?.reason, reason, 'the reason as the chain gave it');
      const events = await opened.store.events({ limit: 10, names: ['DeviceStatusChanged'] });
      assert.equal(events.items[0]?.args.reason, reason);
    } finally {
      await opened.close();
    }
  });
  test(`${kind.name}: a uint64 sequence or signed time of 2^63 or more is stored (it once stopped the index for good) and read back`, async () => {
    const opened = await kind.open({ name: freshStoreName(), identity: '1:fleet' });
    const top = (1n << 64n) - 1n;
    try {
      const readings = new Map([
        [`${device}:${1n << 63n}`, { timestamp: top, payload: '0x0001' as Hex, r: hash(1), vs: hash(2) }],
        [`${device}:${top}`, { timestamp: 1_800_000_000n, payload: '0x0002' as Hex, r: hash(3), vs: hash(4) }],
      ]);
      await opened.store.applyRange({
        ...range(4, [
          event(3, 0, 'DeviceRegistered', { device, classId: '1', publicKey: '0xab', registrar: device }),
          event(4, 0, 'ReadingAccepted', { device, sequence: String(1n << 63n) }),
          event(4, 1, 'ReadingAccepted', { device, sequence: String(top) }),
        ]),
        readings,
      });
      assert.equal((await opened.store.device(device))?.lastSequence, Number(top));
      const page = await opened.store.deviceReadings({ device, limit: 10 });
      assert.deepEqual(
        page.items.map((r) => [r.sequence, r.timestamp]).sort((a, b) => Number(a[1]) - Number(b[1])),
        [
          [Number(top), 1_800_000_000],
          [2 ** 63, Number(top)],
        ],
      );
    } finally {
      await opened.close();
    }
  });

  test(`${kind.name}: each event's sender is stored with it and returned (none for reading events), matched by the actor filter, and removed with it by a rollback`, async () => {
    const opened = await kind.open({ name: freshStoreName(), identity: '1:fleet' });
    const [operator, publisher] = [getAddress(`0x${'0a'.repeat(20)}`), getAddress(`0x${'0e'.repeat(20)}`)];
    const sent = (e: ChainEvent, sender: `0x${string}`): ChainEvent => ({ ...e, sender });
    try {
      await opened.store.applyRange(
        range(2, [
          sent(event(1, 0, 'ClassProfileSet', { classId: '1', version: '2' }), operator),
          event(2, 0, 'ReadingAccepted', { device, sequence: '1' }),
        ]),
      );
      await opened.store.applyRange(range(3, [sent(event(3, 0, 'ReleasePublished', { releaseId: '1' }), publisher)]));
      const senders = async (p: { actor?: string } = {}) =>
        (await opened.store.events({ limit: 10, ...p })).items.map((e) => [e.name, e.sender]);
      assert.deepEqual(await senders(), [
        ['ReleasePublished', publisher],
        ['ReadingAccepted', null],
        ['ClassProfileSet', operator],
      ]);
      assert.deepEqual(await senders({ actor: operator }), [['ClassProfileSet', operator]], 'the actor filter matches the sender');
      await opened.store.rollbackAbove({ number: 2, hash: hash(2) });
      assert.deepEqual(await senders({ actor: publisher }), [], 'a rollback removes the event and its sender');
      assert.deepEqual(await opened.rows('SELECT sender FROM events WHERE block_number = 1'), [{ sender: operator }]);
    } finally {
      await opened.close();
    }
  });

  test(`${kind.name}: the actor filter reads event_actors (the sender, address arguments but \`device\`; never a reading event), filtered, paged, with a device, and rolled back`, async () => {
    const opened = await kind.open({ name: freshStoreName(), identity: '1:fleet' });
    const { operator, buyer } = actorAccounts;
    try {
      await opened.store.applyRange(range(3, actorTestEvents().slice(0, 3)));
      await opened.store.applyRange(range(6, actorTestEvents().slice(3)));
      const blocks = async (p: Omit<ListEventsParameters, 'limit'>, limit = 10) => {
        const found: number[] = [];
        let cursor: string | undefined;
        do {
          const page = await opened.store.events({ ...p, limit, ...(cursor !== undefined && { cursor }) });
          found.push(...page.items.map((e) => e.blockNumber));
          cursor = page.next ?? undefined;
        } while (cursor !== undefined);
        return found;
      };
      for (const [name, account] of Object.entries(actorAccounts)) {
        const expected = actorPages[name as keyof typeof actorAccounts];
        assert.deepEqual(await blocks({ actor: account }), expected, name);
        assert.deepEqual(await blocks({ actor: account }, 1), expected, `${name}, pages of 1`);
      }
      assert.deepEqual(await blocks({ actor: operator, contracts: ['fleet'] }), [6, 5, 1]);
      assert.deepEqual(await blocks({ actor: operator, names: ['DeviceRegistered', 'ReadingAccepted'] }), [1]);
      assert.deepEqual(await blocks({ actor: operator, device }), [3, 1], "the device's events the operator is in");
      assert.deepEqual(await blocks({ actor: buyer, device }, 1), [4, 3]);
      assert.deepEqual(await blocks({ actor: operator, device: buyer }), [6], 'an account as the `device` argument is the device');
      await opened.store.rollbackAbove({ number: 3, hash: hash(3) });
      assert.deepEqual(await blocks({ actor: operator }), [3, 1]);
      assert.deepEqual(await blocks({ actor: buyer }), [3]);
      assert.deepEqual(await opened.rows('SELECT actor, block_number FROM event_actors WHERE block_number > 3'), [], 'rolled back');
    } finally {
      await opened.close();
    }
  });

  test(`${kind.name}: a device's first owner is the one its registration minted the token to, kept when a rollback recomputes the device`, async () => {
    const opened = await kind.open({ name: freshStoreName(), identity: '1:fleet' });
    // As the chain checksums them (the token id names the device: its address as a number).
    const registered = getAddress('0x00000000000000000000000000000000000000d3');
    const [operator, buyer] = [getAddress(`0x${'0a'.repeat(20)}`), getAddress(`0x${'0b'.repeat(20)}`)];
    const ownership = (blockNumber: number, logIndex: number, name: string, args: ChainEvent['args']): ChainEvent => ({
      ...event(blockNumber, logIndex, name, args),
      contract: 'deviceOwnership',
      address: '0x00000000000000000000000000000000000000f2',
    });
    const tokenId = BigInt(registered).toString();
    const owner = async () =>
      (await opened.rows<{ owner: string | null; owner_block: number | null }>('SELECT owner, owner_block FROM devices'))[0];
    try {
      // The registration's transaction: the fleet's DeviceRegistered, then the token's mint.
      await opened.store.applyRange(
        range(3, [
          event(3, 0, 'DeviceRegistered', { device: registered, classId: '1', publicKey: '0xab', registrar: operator }),
          ownership(3, 1, 'Transfer', { from: zeroAddress, to: operator, tokenId }),
        ]),
      );
      assert.equal((await opened.store.device(registered))?.owner, operator, 'the owner at the mint');
      assert.deepEqual(await owner(), { owner: operator, owner_block: 3 });
      // A consent naming it among other devices: the events of the device include it.
      const grant = {
        ...event(4, 1, 'ConsentGranted', { consentId: '7', owner: operator, recipient: buyer, devices: [device, registered] }),
        contract: 'consentRegistry' as const,
      };
      await opened.store.applyRange(range(4, [event(4, 0, 'ReadingAccepted', { device: registered, sequence: '1' }), grant]));
      const ofDevice = await opened.store.events({ device: registered, limit: 10 });
      assert.deepEqual(
        ofDevice.items.map((e) => e.name),
        ['ConsentGranted', 'ReadingAccepted', 'DeviceRegistered'],
        "its events: by their `device` argument, or a consent's device list (the mint names it by token id only)",
      );
      await opened.store.applyRange(
        range(5, [
          ownership(5, 0, 'Transfer', { from: operator, to: buyer, tokenId }),
          ownership(5, 1, 'OwnershipTransferred', { device: registered, previousOwner: operator, newOwner: buyer, epoch: '2' }),
        ]),
      );
      assert.deepEqual(await owner(), { owner: buyer, owner_block: 5 });
      assert.deepEqual(
        (await opened.store.devices({ owner: buyer, limit: 10 })).items.map((d) => d.device),
        [registered],
      );
      await opened.store.rollbackAbove({ number: 4, hash: hash(4) });
      assert.deepEqual(await owner(), { owner: operator, owner_block: 3 }, 'the transfer undone: the minted owner again');
      await opened.store.rollbackAbove({ number: 3, hash: hash(3) });
      assert.deepEqual(await owner(), { owner: operator, owner_block: 3 }, 'a reading undone: the owner stays');
      assert.equal((await opened.store.device(registered))?.readings, 0);
    } finally {
      await opened.close();
    }
  });

  test(`${kind.name}: a device's events come from each kind (its \`device\` argument, its readings, a consent's device list), filtered, paged and rolled back`, async () => {
    const opened = await kind.open({ name: freshStoreName(), identity: '1:fleet' });
    const other = getAddress(`0x${'d7'.repeat(20)}`);
    const [operator, recipient] = [getAddress(`0x${'0a'.repeat(20)}`), getAddress(`0x${'0c'.repeat(20)}`)];
    const at = (e: ChainEvent, contract: ChainEvent['contract']): ChainEvent => ({ ...e, contract });
    const grant = (blockNumber: number, consentId: string, devices: string[]) =>
      at(
        event(blockNumber, 0, 'ConsentGranted', { consentId, owner: operator, recipient, devices, purpose: 'a\u0000b' }),
        'consentRegistry',
      );
    const names = async (p: Omit<Parameters<typeof opened.store.events>[0], 'limit'>, limit = 50) => {
      const out: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await opened.store.events({ ...p, limit, ...(cursor && { cursor }) });
        out.push(...page.items.map((e) => `${e.blockNumber}:${e.name}`));
        cursor = page.next ?? undefined;
      } while (cursor);
      return out;
    };
    try {
      await opened.store.applyRange(
        range(6, [
          event(1, 0, 'DeviceRegistered', { device, classId: '1', publicKey: '0xab', registrar: operator }),
          event(1, 1, 'DeviceRegistered', { device: other, classId: '1', publicKey: '0xab', registrar: operator }),
          event(2, 0, 'ReadingAccepted', { device, sequence: '1' }),
          event(2, 1, 'ReadingAccepted', { device: other, sequence: '1' }),
          // The device twice in one list: one event.
          grant(3, '1', [other, device, device]),
          { ...grant(3, '2', [other]), logIndex: 1 },
          at(event(4, 0, 'FirmwareInstalled', { device, releaseId: `0x${'11'.repeat(32)}`, sequence: '1' }), 'firmwareRegistry'),
          event(5, 0, 'ReadingFlagged', { device, sequence: '2', reasons: 1, metric: 0, value: 9000 }),
          // A chain string may hold NUL: the indexes on the arguments take it (PostgreSQL's json operators refuse it as such).
          event(5, 1, 'DeviceStatusChanged', { device, previous: 1, current: 2, by: operator, reason: 'flag\u0000ged' }),
          at(event(6, 0, 'OwnershipTransferred', { device, previousOwner: operator, newOwner: recipient, epoch: '2' }), 'deviceOwnership'),
        ]),
      );
      const all = [
        '6:OwnershipTransferred',
        '5:DeviceStatusChanged',
        '5:ReadingFlagged',
        '4:FirmwareInstalled',
        '3:ConsentGranted',
        '2:ReadingAccepted',
        '1:DeviceRegistered',
      ];
      assert.deepEqual(await names({ device }), all, 'every kind, newest first');
      const withNul = await opened.store.events({
        device,
        contracts: ['consentRegistry', 'fleet'],
        names: ['ConsentGranted', 'DeviceStatusChanged'],
        limit: 5,
      });
      assert.deepEqual(
        withNul.items.map((e) => e.args.reason ?? e.args.purpose),
        ['flag\u0000ged', 'a\u0000b'],
        'the strings as the chain gave them',
      );
      for (const limit of [1, 2, 3])
        assert.deepEqual(await names({ device }, limit), all, `pages of ${limit} follow each other without a gap or a repeat`);
      assert.deepEqual(
        await names({ device, contracts: ['fleet', 'deviceOwnership'], names: ['DeviceRegistered', 'OwnershipTransferred'] }),
        ['6:OwnershipTransferred', '1:DeviceRegistered'],
      );
      assert.deepEqual(await names({ device, names: ['ReadingFlagged', 'ReadingAccepted'] }), ['5:ReadingFlagged', '2:ReadingAccepted']);
      assert.deepEqual(await names({ device, contracts: ['consentRegistry'] }), ['3:ConsentGranted']);
      assert.deepEqual(await names({ device: other, contracts: ['consentRegistry'] }), ['3:ConsentGranted', '3:ConsentGranted']);
      assert.deepEqual(await names({ device, contracts: ['firmwareRegistry'], names: ['ReadingFlagged'] }), [], 'no event is both');
      assert.deepEqual(await names({ device, actor: recipient }), ['6:OwnershipTransferred', '3:ConsentGranted']);
      await opened.store.rollbackAbove({ number: 2, hash: hash(2) });
      assert.deepEqual(await names({ device }), ['2:ReadingAccepted', '1:DeviceRegistered'], 'a rollback takes every kind away');
      await opened.store.applyRange(range(3, [grant(3, '3', [device])]));
      assert.deepEqual(
        await names({ device, contracts: ['consentRegistry'] }),
        ['3:ConsentGranted'],
        'the list read again after the rollback',
      );
    } finally {
      await opened.close();
    }
  });

  test(`${kind.name}: a consent is void on each of its devices from the device's first transfer after the grant, and again not when a rollback takes the transfer away`, async () => {
    const opened = await kind.open({ name: freshStoreName(), identity: '1:fleet' });
    const other = getAddress(`0x${'d8'.repeat(20)}`);
    const [council, household, neighbour] = [1, 2, 3].map((n) => getAddress(`0x${`0${n}`.repeat(20)}`)) as [string, string, string];
    const transfer = (blockNumber: number, of: string, previousOwner: string, newOwner: string, epoch: string): ChainEvent => ({
      ...event(blockNumber, 0, 'OwnershipTransferred', { device: of, previousOwner, newOwner, epoch }),
      contract: 'deviceOwnership',
    });
    const grantAt = (blockNumber: number, devices: string[]) => ({ blockNumber, logIndex: 1, devices });
    try {
      await opened.store.applyRange(
        range(8, [
          transfer(2, device, zeroAddress, council, '1'),
          // Block 3: the grant on both devices (log 1).
          transfer(5, device, council, household, '2'),
          transfer(7, device, household, neighbour, '3'),
          transfer(8, other, council, household, '2'),
        ]),
      );
      const voids = async (...grants: ReturnType<typeof grantAt>[]) =>
        (await opened.store.consentVoids(grants)).map((list) => list.map((v) => [v.device, v.blockNumber, v.newOwner, v.transactionHash]));
      assert.deepEqual(await voids(grantAt(3, [device, other]), grantAt(6, [device]), grantAt(9, [device, other]), grantAt(3, [])), [
        [
          [device, 5, household, hash(1005)],
          [other, 8, household, hash(1008)],
        ],
        [[device, 7, neighbour, hash(1007)]],
        [],
        [],
      ]);
      assert.deepEqual(
        await voids(grantAt(5, [device])),
        [[[device, 7, neighbour, hash(1007)]]],
        'a transfer in the same block, before the grant, does not void it',
      );
      await opened.store.rollbackAbove({ number: 6, hash: hash(6) });
      assert.deepEqual(await voids(grantAt(3, [device, other]), grantAt(6, [device])), [[[device, 5, household, hash(1005)]], []]);
    } finally {
      await opened.close();
    }
  });
}

/** The follower's promises over a real chain (`kit` is started by the test file's before()). */
export function followerContractTests(kind: StoreKind, kit: () => IndexerChain): void {
  const follower = (store: IndexerStore, confirmations: number, changes: ChainChange[] = []) =>
    new ChainFollower({
      client: kit().chain.publicClient,
      store,
      contracts: indexedContracts(kit().chain.deployment.contracts),
      startBlock: kit().chain.deployment.deploymentBlock,
      confirmations,
      chunkBlocks: 4,
      onChange: (change) => changes.push(change),
    });
  const catchUp = async (f: ChainFollower) => {
    for (let i = 0; i < 10_000; i++) if ((await f.step()).caughtUp) return;
    throw new Error('the follower never caught up');
  };
  const addresses = () => indexedContracts(kit().chain.deployment.contracts).map((c) => c.address);
  const storedKeys = async (s: StoreUnderTest) =>
    (
      await s.rows<{ block_number: number; log_index: number }>(
        'SELECT block_number, log_index FROM events ORDER BY block_number, log_index',
      )
    ).map((r) => `${r.block_number}:${r.log_index}`);
  const count = async (s: StoreUnderTest, sql: string, ...values: unknown[]) =>
    Number((await s.rows<{ n: number }>(sql.replace('count(*)', 'count(*) AS n'), ...values))[0]?.n);
  const open = () => kind.open({ name: freshStoreName(), identity: kit().identity });

  test(`${kind.name}: the senders an older index lacks are read again once caught up, a few events a step, with their actor rows`, async () => {
    const { chain } = kit();
    const profileSet = await chain.operatorWrite('setClassProfile', [AIR_QUALITY_CLASS_ID, airQualityProfile]);
    const s = await open();
    try {
      const f = follower(s.store, 1);
      await catchUp(f);
      const senders = async () =>
        (
          await s.rows<{ block_number: number; log_index: number; sender: string | null }>(
            'SELECT block_number, log_index, sender FROM events ORDER BY block_number, log_index',
          )
        ).map((r) => `${r.block_number}:${r.log_index}:${r.sender}`);
      const recorded = await senders();
      const known = await count(s, 'SELECT count(*) FROM events WHERE sender IS NOT NULL');
      assert.ok(known > 16, `more events with a sender (${known}) than a step reads again`);
      // The index as an older indexer left it: no sender, and so no actor row for them.
      await s.exec('UPDATE events SET sender = NULL; DELETE FROM event_actors');
      const byOperator = async () =>
        (await s.store.events({ actor: chain.operator.address, names: ['ClassProfileSet'], limit: 50 })).items.map(
          (e) => e.transactionHash,
        );
      assert.ok(!(await byOperator()).includes(profileSet.hash));
      const f2 = new ChainFollower({
        client: chain.publicClient,
        store: s.store,
        contracts: indexedContracts(chain.deployment.contracts),
        startBlock: chain.deployment.deploymentBlock,
        confirmations: 1,
        sendersPerStep: 16,
      });
      assert.equal((await f2.step()).caughtUp, true);
      const left = await count(s, 'SELECT count(*) FROM events WHERE sender IS NULL');
      assert.ok(left < known && left >= known - 16, `one step reads at most 16 events again (${known - left} read)`);
      for (let i = 0; i < 50 && (await s.store.eventsWithoutSender(undefined, 1)).length > 0; i++) await f2.step();
      assert.deepEqual(await senders(), recorded, 'every sender back, reading events still without one');
      assert.ok((await byOperator()).includes(profileSet.hash), 'the actor filter finds the events by their sender again');
    } finally {
      await s.close();
    }
  });

  test(`${kind.name}: every event of every contract is stored once, with devices, readings (signed fields), flags, status changes and who sent each transaction`, async () => {
    const { chain, devices } = kit();
    const start = await kit().now();
    await kit().submitReadings(1, start - 600);
    await kit().submitReadings(2, start - 300, pollutedValues, [devices[0]!]);
    await chain.suspendDevice(devices[1]!.address, 'inspection');
    // The fleet's ClassProfileSet names no one: who set it is the transaction's sender, the operator.
    const profileSet = await chain.operatorWrite('setClassProfile', [AIR_QUALITY_CLASS_ID, airQualityProfile]);
    const s = await open();
    try {
      await catchUp(follower(s.store, 1));
      const head = Number(await chain.publicClient.getBlockNumber());
      assert.deepEqual(await storedKeys(s), await chainLogKeys(chain, addresses(), chain.deployment.deploymentBlock, head));
      const contracts = (await s.rows<{ contract: string }>('SELECT DISTINCT contract FROM events ORDER BY contract')).map(
        (r) => r.contract,
      );
      assert.ok(
        contracts.includes('fleet') && contracts.includes('timelock') && contracts.includes('consentRegistry'),
        `contracts: ${contracts}`,
      );
      assert.equal(await count(s, "SELECT count(*) FROM events WHERE name = 'unknown'"), 0, 'every log decoded by its ABI');

      const fleet = await s.store.devices({ limit: 10 });
      assert.equal(fleet.items.length, 3);
      const first = await s.store.device(devices[0]!.address);
      assert.deepEqual(
        first && {
          status: first.status,
          classId: first.classId,
          readings: first.readings,
          flags: first.flags,
          lastSequence: first.lastSequence,
        },
        { status: 'active', classId: 1, readings: 2, flags: 1, lastSequence: 2 },
      );
      assert.equal(first?.owner, chain.operator.address, 'registered by the operator: the token minted to it');
      assert.equal((await s.store.device(devices[1]!.address))?.status, 'suspended');

      const [flag] = (await s.store.flags({ limit: 10 })).items;
      assert.equal(flag?.device, devices[0]!.address);
      assert.equal(flag?.sequence, 2);
      assert.equal(flag?.timestamp, start - 300, 'the signed timestamp from the submitReadings call');
      assert.deepEqual(flag?.flag && { metric: flag.flag.metric, value: flag.flag.value }, { metric: 0, value: 9000 });
      assert.match(String(flag?.payload), /^0x2328/);
      assert.match(String(flag?.signature?.r), /^0x[0-9a-f]{64}$/);
      const [change] = (await s.store.statusChanges({ device: devices[1]!.address, limit: 10 })).items;
      assert.deepEqual(change && { device: change.device, previous: change.previous, current: change.current, reason: change.reason }, {
        device: devices[1]!.address,
        previous: 'active',
        current: 'suspended',
        reason: 'inspection',
      });
      assert.equal((await s.store.position()).finalBlock, head, 'one confirmation: the head is final');

      const [profile] = (await s.store.events({ names: ['ClassProfileSet'], limit: 1 })).items;
      assert.equal(profile?.transactionHash, profileSet.hash);
      assert.equal(profile?.sender, chain.operator.address, 'the sender of the operator’s transaction, checksummed');
      const byOperator = await s.store.events({ actor: chain.operator.address, names: ['ClassProfileSet'], limit: 1 });
      assert.equal(byOperator.items[0]?.transactionHash, profileSet.hash, 'the actor filter matches the sender');
      const [suspension] = (await s.store.events({ names: ['DeviceStatusChanged'], limit: 1 })).items;
      assert.equal(suspension?.sender, chain.operator.address);
      const readingEvents = await s.store.events({ names: ['ReadingAccepted', 'ReadingFlagged'], limit: 50 });
      assert.ok(readingEvents.items.length >= 4);
      assert.deepEqual(new Set(readingEvents.items.map((e) => e.sender)), new Set([null]), 'reading events: no sender stored');
      assert.equal(
        await count(
          s,
          "SELECT count(*) FROM events WHERE sender IS NULL AND name NOT IN ('ReadingAccepted', 'ReadingFlagged', 'ReadingSkipped')",
        ),
        0,
        'every other event has its sender',
      );
    } finally {
      await s.close();
    }
  });

  test(`${kind.name}: a reorg removes the rows of the blocks it replaced and the new blocks are read`, async () => {
    const { chain, devices } = kit();
    const s = await open();
    const changes: ChainChange[] = [];
    const f = follower(s.store, 3, changes);
    const testClient = anvilTestClient(chain.publicClient);
    const sequences = (list: string) => count(s, `SELECT count(*) FROM readings WHERE sequence IN (${list})`);
    try {
      await catchUp(f);
      const snapshot = await testClient.snapshot();
      const base = Number(await chain.publicClient.getBlockNumber());
      const start = await kit().now();
      await kit().submitReadings(10, start);
      await kit().submitReadings(11, start + 60);
      await catchUp(f);
      assert.equal(await sequences('10, 11'), 6);
      assert.equal((await s.store.position()).finalBlock, base + 2 - 3 + 1, 'final = head − confirmations + 1');

      // The two blocks are replaced by three others: another reading, and two empty blocks.
      await testClient.revert({ id: snapshot });
      await kit().submitReadings(12, start + 120, pollutedValues, [devices[2]!]);
      await testClient.mine({ blocks: 2 });
      changes.length = 0;
      await catchUp(f);
      const rollback = changes.find((c) => c.kind === 'rollback');
      assert.ok(rollback && rollback.kind === 'rollback' && rollback.above <= base, `rolled back to ${JSON.stringify(rollback)}`);
      assert.equal(await sequences('10, 11'), 0, 'removed rows are gone');
      assert.equal(await sequences('12'), 1);
      const head = Number(await chain.publicClient.getBlockNumber());
      assert.deepEqual(await storedKeys(s), await chainLogKeys(chain, addresses(), chain.deployment.deploymentBlock, head));
      const device2 = await s.store.device(devices[2]!.address);
      assert.deepEqual(
        device2 && { readings: device2.readings, flags: device2.flags, lastSequence: device2.lastSequence },
        { readings: 2, flags: 1, lastSequence: 12 },
        'device columns recomputed',
      );
      assert.equal((await s.store.position()).cursor?.number, head);

      // A node that goes back (revert without new blocks): the head is below the cursor.
      const again = await testClient.snapshot();
      await kit().submitReadings(13, start + 180, undefined, [devices[2]!]);
      await catchUp(f);
      await testClient.revert({ id: again });
      await catchUp(f);
      assert.equal(await sequences('13'), 0);
      assert.equal((await s.store.position()).cursor?.number, head);
    } finally {
      await s.close();
    }
  });

  test(`${kind.name}: a chain that goes back below the final block (a node restarted from an older save): the rows follow the chain`, async () => {
    const { chain, devices } = kit();
    const s = await open();
    const changes: ChainChange[] = [];
    const f = follower(s.store, 1, changes);
    const testClient = anvilTestClient(chain.publicClient);
    try {
      await catchUp(f);
      const snapshot = await testClient.snapshot();
      const base = Number(await chain.publicClient.getBlockNumber());
      await kit().submitReadings(20, (await kit().now()) + 600, undefined, [devices[0]!]);
      await catchUp(f);
      assert.equal((await s.store.position()).finalBlock, base + 1, 'one confirmation: final at once');
      await testClient.revert({ id: snapshot });
      changes.length = 0;
      await catchUp(f);
      assert.deepEqual(
        changes.filter((c) => c.kind === 'rollback'),
        [{ kind: 'rollback', above: base, removedFrom: base + 1 }],
      );
      assert.deepEqual(await s.store.position(), {
        cursor: { number: base, hash: (await chain.publicClient.getBlock()).hash },
        finalBlock: base,
      });
      assert.equal(await count(s, 'SELECT count(*) FROM readings WHERE sequence = 20'), 0);
    } finally {
      await s.close();
    }
  });
}
