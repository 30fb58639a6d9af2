/**
 * `npm run bench -- console`: the council console's pages against a fleet of issue #14's size. A
 * generated index (bench/generateIndex.ts: BENCH_CONSOLE_DEVICES devices, BENCH_CONSOLE_READINGS
 * readings; cached) is served by the real gateway (startGateway with the index, on loopback, Anvil
 * for the chain) and asked what the console's pages ask (console/src/pages), as the browser does:
 *
 *   fleet page     GET /v1/index/devices?limit=50 — the first page, the status filter, the next
 *                  page — and the API's other filters and sorts (class, owner; last reading,
 *                  flags, registration, either order), and deep pages (50,000 rows in, by cursor)
 *   device page    GET /v1/index/devices/{d}, /devices/{d}/readings?order=desc&limit=500,
 *                  /status-changes?device={d}&limit=100, /flags?device={d}&limit=100, and its
 *                  ownership, firmware and consent events (/events?device={d}&...), at once
 *                  (Promise.all, as DevicePage.tsx) for the busiest devices, a median one, one
 *                  with no reading, and random ones; the page's figure is the slowest of its requests
 *   timeline page  GET /v1/index/flags?limit=50 and /status-changes?limit=50
 *   accounting log GET /v1/index/events?limit=50, and filtered by actor (AccountingPage.tsx): the
 *                  registrar (every registration and transfer), the operator (the status changes),
 *                  the largest owner, an account in no event; with a contract (one of its newest
 *                  events, one of its oldest) or a device; the next page and a page 50,000 rows in
 *   writes         the store's write rate on the big file (measureWritesAtScale: applied, then rolled back)
 *
 * BENCH_CONSOLE_ROUNDS rounds (default 10) of every request: p50, p95 and max over all of them, the
 * first (cold) round included. The device page's two public routes (/v1/devices/{d}, /v1/abi) read
 * the chain, not the index, and the generated devices are not on it: they are left out.
 * Target (issue #14): p95 under one second for the fleet page and a device page.
 */
import { performance } from 'node:perf_hooks';
import { getAddress } from 'viem';
import type { ChainEvent } from '../src/indexer/decodeChainLog.js';
import type { SignedReadingFields } from '../src/indexer/indexerStore.js';
import { IndexChanges } from '../src/indexer/indexChanges.js';
import { encodeCursor } from '../src/indexer/queryIndex.js';
import { SqliteIndexerStore } from '../src/indexer/sqliteIndexerStore.js';
import { startTestChain } from '../src/testing/testChain.js';
import { startBenchGateway } from './benchGateway.js';
import { GENERATED_FLEET, GENERATED_OPERATOR, GENERATED_REGISTRAR, generateIndex, type GenerateIndexReturnType } from './generateIndex.js';

export type LatencyFigures = { count: number; p50: number; p95: number; max: number };

export type ConsoleFigures = {
  /** The store's writes on the big file (measureWritesAtScale). */
  writes: { events: number; seconds: number };
  devices: number;
  readings: number;
  events: number;
  database: Pick<GenerateIndexReturnType, 'path' | 'seconds' | 'cached' | 'bytes'>;
  /** Seconds to open the file with the store (its migrations, if the cached file is older than the schema). */
  openSeconds: number;
  fleet: { page: LatencyFigures; byRequest: [string, LatencyFigures][] };
  device: { page: LatencyFigures; byRequest: [string, LatencyFigures][]; busiestReadings: number };
  timeline: { page: LatencyFigures };
  accounting: { page: LatencyFigures; byRequest: [string, LatencyFigures][] };
};

const TOKEN = 'console-token-of-the-bench-only';
const PAGE = 50;
const DEEP = 50_000;

const latencyOf = (samples: number[]): LatencyFigures => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] ?? Number.NaN };
};

export async function measureConsole(options: {
  devices: number;
  readings: number;
  rounds: number;
  onProgress: (line: string) => void;
}): Promise<ConsoleFigures> {
  const say = options.onProgress;
  say(`console bench: the index of ${options.devices} devices and ${options.readings} readings (generated once, then cached)...`);
  const generated = generateIndex({ devices: options.devices, readings: options.readings, onProgress: say });
  say(`  ${generated.cached ? 'cached' : 'generated'}: ${generated.path}`);
  const openedAt = performance.now();
  const store = new SqliteIndexerStore({ path: generated.path, identity: generated.identity });
  const openSeconds = (performance.now() - openedAt) / 1000;
  const chain = await startTestChain();
  try {
    const gateway = await startBenchGateway(chain, { index: { store, token: TOKEN, changes: new IndexChanges() } });
    try {
      const get = async (path: string): Promise<{ ms: number; body: { items?: unknown[]; next?: string | null } }> => {
        const start = performance.now();
        const response = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
        const body = (await response.json()) as { items?: unknown[]; next?: string | null };
        const ms = performance.now() - start;
        if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
        return { ms, body };
      };
      const count = (sql: string) => store.db.prepare(sql).pluck().get() as number;
      const sample = generated.sample;

      // The fleet page's requests. A deep page continues from the cursor the API gives for row DEEP of its order.
      const deepPage = (select: string, where: string, order: string) => {
        const row = store.db
          .prepare(`SELECT ${select} FROM devices ${where} ORDER BY ${order} LIMIT 1 OFFSET ?`)
          .raw()
          .get(DEEP - 1) as (string | number)[] | undefined;
        return row && encodeURIComponent(encodeCursor(row));
      };
      const first = await get(`/v1/index/devices?limit=${PAGE}`);
      const firstSuspended = await get(`/v1/index/devices?limit=${PAGE}&status=suspended`);
      // A small index may have no next page (fewer suspended devices than a page): that request is left out.
      const nextPage = (name: string, query: string, answer: typeof first): [string, string][] =>
        answer.body.next ? [[name, `${query}&cursor=${encodeURIComponent(answer.body.next)}`]] : [];
      const devices = `/v1/index/devices?limit=${PAGE}`;
      const fleetRequests: [string, string][] = [
        ['first page', devices],
        ...nextPage('next page', devices, first),
        ['status=active', `${devices}&status=active`],
        ['status=suspended', `${devices}&status=suspended`],
        ...nextPage('status=suspended, next page', `${devices}&status=suspended`, firstSuspended),
        ['status=revoked', `${devices}&status=revoked`],
        ['classId=6', `${devices}&classId=6`],
        ['owner (the largest)', `${devices}&owner=${sample.owner}`],
        ...(['lastReading', 'flags', 'registered'] as const).flatMap((sort) =>
          (['asc', 'desc'] as const).flatMap((order): [string, string][] => [
            [`sort=${sort} ${order}`, `${devices}&sort=${sort}&order=${order}`],
            [`status=active sort=${sort} ${order}`, `${devices}&status=active&sort=${sort}&order=${order}`],
            [`status=revoked sort=${sort} ${order}`, `${devices}&status=revoked&sort=${sort}&order=${order}`],
          ]),
        ),
        ['classId=6 sort=flags desc', `${devices}&classId=6&sort=flags&order=desc`],
        ['owner sort=lastReading desc', `${devices}&owner=${sample.owner}&sort=lastReading&order=desc`],
      ];
      const deep: [string, string | undefined][] = [
        [`deep page (row ${DEEP})`, deepPage('address', '', 'address')],
        [`deep page (row ${DEEP}) sort=flags desc`, deepPage('flags, address', '', 'flags DESC, address DESC')],
        [
          `deep page (row ${DEEP}) status=active sort=lastReading desc`,
          deepPage('coalesce(last_reading_block, -1) AS value, address', "WHERE status = 'active'", 'value DESC, address DESC'),
        ],
      ];
      const deepQueries = ['', '&sort=flags&order=desc', '&status=active&sort=lastReading&order=desc'];
      deep.forEach(([name, cursor], i) => {
        if (cursor) fleetRequests.push([name, `${devices}${deepQueries[i]}&cursor=${cursor}`]);
      });

      const random = store.db
        .prepare(
          'SELECT address FROM devices WHERE rowid IN (SELECT abs(random()) % (SELECT max(rowid) FROM devices) + 1 FROM devices LIMIT 20)',
        )
        .pluck()
        .all() as string[];
      const pageDevices = [...sample.busiest, sample.median, sample.idle, ...random];
      const deviceRequests = (d: string): [string, string][] => [
        ['device', `/v1/index/devices/${d}`],
        ['readings (newest 500)', `/v1/index/devices/${d}/readings?order=desc&limit=500`],
        ['status changes', `/v1/index/status-changes?device=${d}&limit=100`],
        ['flags', `/v1/index/flags?device=${d}&limit=100`],
        // The page's records of the device (DevicePage.tsx, eventsOf): ownership, firmware, consents.
        [
          'ownership',
          `/v1/index/events?contract=fleet%2CdeviceOwnership&name=DeviceRegistered%2COwnershipTransferred&device=${d}&limit=100`,
        ],
        ['firmware installed', `/v1/index/events?contract=firmwareRegistry&name=FirmwareInstalled&device=${d}&limit=1`],
        ['firmware events', `/v1/index/events?contract=firmwareRegistry&device=${d}&limit=50`],
        ['consents', `/v1/index/events?contract=consentRegistry&name=ConsentGranted&device=${d}&limit=50`],
      ];

      // The accounting log's pages (AccountingPage.tsx: 50 a page), filtered by actor.
      const events = `/v1/index/events?limit=${PAGE}`;
      const byRegistrar = `${events}&actor=${GENERATED_REGISTRAR}`;
      const deepActorCursor = store.db
        .prepare(
          'SELECT block_number, log_index FROM event_actors WHERE actor = ? ORDER BY block_number DESC, log_index DESC LIMIT 1 OFFSET ?',
        )
        .raw()
        .get(GENERATED_REGISTRAR, DEEP - 1) as number[] | undefined;
      const accountingRequests: [string, string][] = [
        ['every event', events],
        ['actor: the registrar', byRegistrar],
        ...nextPage('actor: the registrar, next page', byRegistrar, await get(byRegistrar)),
        ...(deepActorCursor
          ? [
              [`actor: the registrar, row ${DEEP}`, `${byRegistrar}&cursor=${encodeURIComponent(encodeCursor(deepActorCursor))}`] as [
                string,
                string,
              ],
            ]
          : []),
        ['actor: the registrar, contract=deviceOwnership', `${byRegistrar}&contract=deviceOwnership`],
        // Its registrations are its oldest events: every transfer of its newer ones is read first.
        ['actor: the registrar, contract=fleet', `${byRegistrar}&contract=fleet`],
        ['actor: the registrar, a busy device', `${byRegistrar}&device=${sample.busiest[0]}`],
        ['actor: the operator', `${events}&actor=${GENERATED_OPERATOR}`],
        ['actor: the largest owner', `${events}&actor=${sample.owner}`],
        ['actor: an account in no event', `${events}&actor=0x${'5e'.repeat(20)}`],
      ];

      const fleetByRequest = new Map<string, number[]>();
      const deviceByRequest = new Map<string, number[]>();
      const fleetPages: number[] = [];
      const devicePages: number[] = [];
      const timelinePages: number[] = [];
      const accountingByRequest = new Map<string, number[]>();
      const accountingPages: number[] = [];
      const record = (into: Map<string, number[]>, name: string, ms: number) => into.set(name, [...(into.get(name) ?? []), ms]);
      let busiestReadings = 0;
      for (let round = 0; round < options.rounds; round++) {
        for (const [name, path] of fleetRequests) {
          const { ms, body } = await get(path);
          if (!Array.isArray(body.items)) throw new Error(`GET ${path}: no items`);
          record(fleetByRequest, name, ms);
          fleetPages.push(ms);
        }
        for (const d of pageDevices) {
          // The page as the browser loads it (its requests at once), then each request alone: the
          // answers of one SQLite connection come one after the other, so at once they all wait for the slowest.
          const start = performance.now();
          await Promise.all(deviceRequests(d).map(([, path]) => get(path)));
          devicePages.push(performance.now() - start);
          for (const [name, path] of deviceRequests(d)) {
            const { ms, body } = await get(path);
            record(deviceByRequest, name, ms);
            if (d === sample.busiest[0] && name === 'readings (newest 500)') busiestReadings = body.items?.length ?? 0;
          }
        }
        const start = performance.now();
        await Promise.all([get(`/v1/index/flags?limit=${PAGE}`), get(`/v1/index/status-changes?limit=${PAGE}`)]);
        timelinePages.push(performance.now() - start);
        for (const [name, path] of accountingRequests) {
          const { ms, body } = await get(path);
          if (!Array.isArray(body.items)) throw new Error(`GET ${path}: no items`);
          record(accountingByRequest, name, ms);
          accountingPages.push(ms);
        }
        say(
          `  round ${round + 1}/${options.rounds}: fleet p95 so far ${latencyOf(fleetPages).p95.toFixed(1)} ms, device page ${latencyOf(devicePages).p95.toFixed(1)} ms, accounting log by actor ${latencyOf(accountingPages).p95.toFixed(1)} ms`,
        );
      }
      const writes = measureWritesAtScale(store);
      return {
        writes,
        devices: count('SELECT count(*) FROM devices'),
        readings: count('SELECT count(*) FROM readings'),
        events: count('SELECT count(*) FROM events'),
        database: { path: generated.path, seconds: generated.seconds, cached: generated.cached, bytes: generated.bytes },
        openSeconds,
        fleet: { page: latencyOf(fleetPages), byRequest: [...fleetByRequest].map(([name, samples]) => [name, latencyOf(samples)]) },
        device: {
          page: latencyOf(devicePages),
          byRequest: [...deviceByRequest].map(([name, samples]) => [name, latencyOf(samples)]),
          busiestReadings,
        },
        timeline: { page: latencyOf(timelinePages) },
        accounting: {
          page: latencyOf(accountingPages),
          byRequest: [...accountingByRequest].map(([name, samples]) => [name, latencyOf(samples)]),
        },
      };
    } finally {
      await gateway.close();
    }
  } finally {
    store.close();
    await chain.stop();
  }
}

/**
 * The store's write rate on the big file (B-trees of 10 million rows, not a fresh file's): ranges of
 * reading events of 1,000 of its devices (250 a block, 1 % flagged) applied above its cursor with
 * applyRange, inside one outer transaction that is rolled back, so that the cached file stays as
 * generated. Each range is then a savepoint, not a commit: the fsync of a commit is left out.
 */
function measureWritesAtScale(store: SqliteIndexerStore, ranges = 5, perRange = 10_000): { events: number; seconds: number } {
  const cursor = store.position().cursor;
  if (!cursor) throw new Error('the generated index has no cursor');
  const devices = store.db
    .prepare('SELECT address, coalesce(last_sequence, 0) AS sequence FROM devices ORDER BY random() LIMIT 1000')
    .all() as { address: string; sequence: number }[];
  const word = `0x${'5a'.repeat(32)}` as const;
  let block = cursor.number;
  let seconds = 0;
  store.db.exec('BEGIN');
  try {
    for (let r = 0; r < ranges; r++) {
      const events: ChainEvent[] = [];
      const readings = new Map<string, SignedReadingFields>();
      for (let i = 0; i < perRange; i++) {
        if (i % 250 === 0) block++;
        const device = devices[i % devices.length]!;
        device.sequence++;
        const flagged = i % 100 === 0;
        events.push({
          blockNumber: block,
          blockHash: word,
          logIndex: i % 250,
          transactionHash: word,
          contract: 'fleet' as const,
          address: getAddress(GENERATED_FLEET),
          name: flagged ? 'ReadingFlagged' : 'ReadingAccepted',
          args: { device: device.address, sequence: String(device.sequence), ...(flagged && { reasons: 1, metric: 0, value: 9000 }) },
        });
        readings.set(`${device.address.toLowerCase()}:${device.sequence}`, {
          timestamp: BigInt(1_800_000_000 + block),
          payload: '0x007800fa012c01c2086615dc',
          r: word,
          vs: word,
        });
      }
      const start = performance.now();
      store.applyRange({ to: { number: block, hash: word }, blocks: [], events, readings, finalBlock: block - 1 });
      seconds += (performance.now() - start) / 1000;
    }
  } finally {
    store.db.exec('ROLLBACK');
  }
  return { events: ranges * perRange, seconds };
}

const ms = (f: LatencyFigures) => `p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, max ${f.max.toFixed(1)} ms`;
const met = (f: LatencyFigures) => (f.p95 < 1000 ? 'met' : 'NOT met');

export function formatConsoleFigures(f: ConsoleFigures): string[] {
  const gb = (f.database.bytes / 2 ** 30).toFixed(2);
  const slowest = (rows: [string, LatencyFigures][]) => [...rows].sort((a, b) => b[1].p95 - a[1].p95);
  return [
    `console at scale: ${f.devices.toLocaleString('en')} devices, ${f.readings.toLocaleString('en')} readings, ${f.events.toLocaleString('en')} events indexed (SQLite ${gb} GiB; ${f.database.cached ? 'cached file' : `generated in ${f.database.seconds.toFixed(0)} s`}; opened (and migrated, if older than the schema) in ${f.openSeconds.toFixed(1)} s); the gateway on loopback, one client`,
    `  fleet page (${f.fleet.byRequest.length} kinds of request × ${f.fleet.page.count / f.fleet.byRequest.length}): ${ms(f.fleet.page)} (target p95 < 1 s: ${met(f.fleet.page)})`,
    ...slowest(f.fleet.byRequest)
      .slice(0, 5)
      .map(([name, l]) => `    ${name}: ${ms(l)}`),
    `  device page (its ${f.device.byRequest.length} index requests at once; ${f.device.page.count} page loads; busiest device's readings page ${f.device.busiestReadings} rows): ${ms(f.device.page)} (target p95 < 1 s: ${met(f.device.page)})`,
    ...slowest(f.device.byRequest).map(([name, l]) => `    ${name} (alone): ${ms(l)}`),
    `  timeline page (flags and status changes, 50 each): ${ms(f.timeline.page)}`,
    `  accounting log (${f.accounting.byRequest.length} kinds of request, filtered by actor but one): ${ms(f.accounting.page)} (target p95 < 1 s: ${met(f.accounting.page)})`,
    ...slowest(f.accounting.byRequest).map(([name, l]) => `    ${name}: ${ms(l)}`),
    `  the store's writes on this file: ${f.writes.events} reading events of 1,000 devices in ${f.writes.seconds.toFixed(2)} s: ${Math.round(f.writes.events / f.writes.seconds)} events/s (applyRange only, no commit fsync; rolled back)`,
  ];
}
