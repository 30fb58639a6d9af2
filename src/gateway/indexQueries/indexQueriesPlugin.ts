import type { FastifyPluginAsync } from 'fastify';
import { getAddress } from 'viem';
import type { ChainChange } from '../../indexer/followChain.js';
import type { IndexChanges } from '../../indexer/indexChanges.js';
import type { IndexReader } from '../../indexer/indexerStore.js';
import { deviceSortKeys, InvalidCursorError, type PositionPageParameters } from '../../indexer/queryIndex.js';
import type { IndexedDevice, IndexedEvent, Page } from '../../indexer/indexedRows.js';
import type { IndexEventAnswer, IndexPage, MapDevice, TownMapAnswer } from './indexAnswers.js';
import { deviceStatusNames } from '../../protocol/reasons.js';
import { errorResponses, sendError } from '../core/httpErrors.js';
import { deviceIdJsonSchema } from '../readings/readingShape.js';
import { consoleTokenGuard } from './consoleTokenGuard.js';
import { deviceLocation, type DeviceMetadata } from '../../chain/deviceMetadata.js';

export type IndexQueriesPluginOptions = {
  store: IndexReader;
  /** The console token (<data dir>/console-token): every route needs it as a bearer token. */
  token: string;
  changes: IndexChanges;
  /** The operator's device metadata (<data dir>/device-metadata.json): sites and locations for the map. */
  deviceMetadata?: () => ReadonlyMap<string, DeviceMetadata>;
  /** How often the event stream sends a comment line to keep proxies from closing it (ms). Default 15,000. */
  keepAliveMs?: number;
};

const tags = ['index'];
// Query strings are strings: the gateway's schemas never coerce (a number is written as digits and read here).
const limit = {
  type: 'string',
  pattern: '^([1-9]|[1-9][0-9]|[1-4][0-9]{2}|500)$',
  default: '50',
  description: 'Rows per page, 1 to 500.',
} as const;
const unsigned = (description: string) => ({ type: 'string', pattern: '^[0-9]{1,15}$', description }) as const;
const int = (value: string | undefined) => (value === undefined ? undefined : Number(value));
const cursor = { type: 'string', maxLength: 200, description: 'The `next` of the previous page.' } as const;
const order = { type: 'string', enum: ['asc', 'desc'], default: 'asc' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const nullableInteger = { type: ['integer', 'null'] } as const;
const place = {
  blockNumber: { type: 'integer' },
  logIndex: { type: 'integer' },
  transactionHash: { type: 'string' },
  final: { type: 'boolean', description: 'The block has the confirmations the gateway requires (docs/operations.md, "Finality").' },
} as const;
const page = (item: object) =>
  ({
    type: 'object',
    required: ['items', 'next', 'finalBlock'],
    properties: {
      items: { type: 'array', items: item },
      next: { ...nullableString, description: 'Cursor of the next page; null on the last.' },
      finalBlock: { type: 'integer', description: 'The newest block the index holds as final (-1 before any).' },
    },
  }) as const;

const deviceJsonSchema = {
  type: 'object',
  required: [
    'device',
    'classId',
    'status',
    'publicKey',
    'registeredBlock',
    'statusBlock',
    'owner',
    'readings',
    'flags',
    'lastSequence',
    'lastReadingBlock',
  ],
  properties: {
    device: { type: 'string' },
    classId: { type: 'integer' },
    status: { type: 'string', enum: deviceStatusNames.slice(1) },
    publicKey: { type: 'string' },
    registrar: { type: 'string' },
    registeredBlock: { type: 'integer' },
    statusBlock: { type: 'integer', description: 'Block of the last status change (or of the registration).' },
    owner: {
      ...nullableString,
      description:
        "Holder of the device token (DeviceOwnership): the account its registration minted it to, then each completed transfer's new owner; null when the fleet had no DeviceOwnership at registration.",
    },
    readings: { type: 'integer', description: 'Readings recorded on chain (accepted and flagged).' },
    flags: { type: 'integer', description: 'Flagged readings.' },
    lastSequence: nullableInteger,
    lastReadingBlock: nullableInteger,
  },
} as const;

const readingJsonSchema = {
  type: 'object',
  required: ['device', 'sequence', 'outcome', 'timestamp', 'payload', 'values', 'signature', 'flag', 'skipReason', ...Object.keys(place)],
  properties: {
    ...place,
    device: { type: 'string' },
    sequence: { type: 'integer' },
    outcome: { type: 'string', enum: ['accepted', 'flagged', 'skipped'] },
    timestamp: { ...nullableInteger, description: "The device's signed time (unix seconds)." },
    payload: { ...nullableString, description: 'The signed payload, hex.' },
    values: { type: ['array', 'null'], items: { type: 'integer' }, description: 'The payload as int16 metric values (raw units).' },
    signature: {
      type: ['object', 'null'],
      properties: { r: { type: 'string' }, vs: { type: 'string' } },
      description: "The device's EIP-712 signature (EIP-2098 compact) as relayed: with the fields above, the evidence anyone can check.",
    },
    flag: {
      type: ['object', 'null'],
      properties: {
        reasons: { type: 'integer', description: 'Bits of the broken rules (docs/protocol.md, "Flag reasons").' },
        rules: {
          type: 'array',
          items: { type: 'string' },
          description: 'The broken rules by name (OutOfRange, ExcessiveChange, TooFrequent, PayloadSize, ClockSkew).',
        },
        metric: { type: 'integer', description: 'Index of the first offending metric.' },
        value: { type: 'integer', description: 'Its value.' },
      },
    },
    skipReason: { ...nullableInteger, description: 'SkipReason (docs/abi.md) of a skipped reading.' },
  },
} as const;

const statusChangeJsonSchema = {
  type: 'object',
  required: ['device', 'previous', 'current', 'by', 'reason', ...Object.keys(place)],
  properties: {
    ...place,
    device: { type: 'string' },
    previous: { type: 'string' },
    current: { type: 'string' },
    by: { type: 'string' },
    reason: { type: 'string' },
  },
} as const;

const eventJsonSchema = {
  type: 'object',
  required: ['contract', 'address', 'name', 'args', 'sender', ...Object.keys(place)],
  properties: {
    ...place,
    contract: { type: 'string', description: 'The contract by its deployment.json name.' },
    address: { type: 'string' },
    name: { type: 'string', description: 'The event, as in docs/abi.md.' },
    args: { type: 'object', additionalProperties: true, description: 'Decoded arguments: integers as decimal strings, bytes as hex.' },
    sender: {
      ...nullableString,
      description:
        "The account that sent the event's transaction (checksummed). Null for the fleet's reading events (ReadingAccepted, ReadingFlagged, ReadingSkipped: always sent by the gateway's relayer, not recorded) and for events indexed before the index recorded senders (unknown until the indexer has read them again, in the background).",
    },
    voided: {
      type: 'array',
      description:
        "A consent's ConsentGranted only: the devices of its list that changed owner after the grant, each with the transfer (OwnershipTransferred) that voided the consent on it (ConsentRegistry keeps each device's ownership epoch at grant time).",
      items: {
        type: 'object',
        required: ['device', 'newOwner', ...Object.keys(place)],
        properties: { ...place, device: { type: 'string' }, newOwner: { type: 'string' } },
      },
    },
  },
} as const;

/** The event lists of the console's pages: contracts and event names (the ABIs' names). */
const eventViews = {
  consents: { contracts: ['consentRegistry'], summary: 'Consents granted and revoked, grant agents (ConsentRegistry events)' },
  policies: { contracts: ['policyRegistry'], summary: 'Policies published (PolicyRegistry events)' },
  firmware: {
    contracts: ['firmwareRegistry'],
    summary: 'Firmware releases, approvals, installs, update policies (FirmwareRegistry events)',
  },
  feeds: { contracts: ['feedMarket'], summary: 'Feeds offered, bought, closed (FeedMarket events)' },
} as const;

/**
 * The indexer's query API for the council console: the fleet, a device's readings, flags with their
 * evidence, status changes, the accounting log, consents, policies, firmware, feeds, and a stream
 * of changes. Every route needs the console token (docs/security.md): it shows reading values.
 */
export const indexQueriesPlugin: FastifyPluginAsync<IndexQueriesPluginOptions> = async (app, options) => {
  const { store, changes } = options;
  const final = async () => (await store.position()).finalBlock;
  /** What every list route answers: the store's page and the newest final block. */
  const answerPage = async <T>(page: Page<T>): Promise<IndexPage<T>> => ({ ...page, finalBlock: await final() });
  /** A page of events with each consent grant's voiding transfers (`voided`). */
  const withVoids = async (page: Page<IndexedEvent>): Promise<Page<IndexEventAnswer>> => {
    const grants = page.items.filter((e) => e.contract === 'consentRegistry' && e.name === 'ConsentGranted');
    if (grants.length === 0) return page;
    const devicesOf = (e: IndexedEvent) => (Array.isArray(e.args.devices) ? e.args.devices.filter((d) => typeof d === 'string') : []);
    const voids = await store.consentVoids(
      grants.map((e) => ({ blockNumber: e.blockNumber, logIndex: e.logIndex, devices: devicesOf(e) })),
    );
    const voided = new Map(grants.map((e, i) => [e, voids[i] ?? []]));
    return { ...page, items: page.items.map((e) => (voided.has(e) ? { ...e, voided: voided.get(e) } : e)) };
  };

  app.addHook('onRequest', consoleTokenGuard(options.token));
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof InvalidCursorError) return sendError(reply, 'invalid_request', error.message);
    throw error;
  });
  const security = [{ consoleToken: [] }];

  app.get('/v1/index/status', {
    schema: {
      summary: 'Where the index stands: its last block and the newest final block',
      tags,
      security,
      response: {
        200: {
          type: 'object',
          required: ['cursor', 'finalBlock'],
          properties: {
            cursor: { type: ['object', 'null'], properties: { number: { type: 'integer' }, hash: { type: 'string' } } },
            finalBlock: { type: 'integer' },
          },
        },
        ...errorResponses,
      },
    },
    handler: async () => {
      const position = await store.position();
      return { cursor: position.cursor ?? null, finalBlock: position.finalBlock };
    },
  });

  app.get<{
    Querystring: {
      status?: string;
      classId?: string;
      owner?: string;
      sort?: keyof typeof deviceSortKeys;
      order?: 'asc' | 'desc';
      limit: string;
      cursor?: string;
    };
  }>(
    '/v1/index/devices',
    {
      schema: {
        summary: 'The fleet: devices filtered by status, class or owner, sorted, a page at a time',
        tags,
        security,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: deviceStatusNames.slice(1) },
            classId: { type: 'string', pattern: '^[0-9]{1,5}$', description: 'Device class id.' },
            owner: deviceIdJsonSchema,
            sort: { type: 'string', enum: Object.keys(deviceSortKeys), default: 'address' },
            order,
            limit,
            cursor,
          },
        },
        response: { 200: page(deviceJsonSchema), ...errorResponses },
      },
    },
    async (request) => {
      const { classId, owner, limit: size, ...q } = request.query;
      const result = await store.devices({
        ...q,
        limit: Number(size),
        ...(classId !== undefined && { classId: Number(classId) }),
        ...(owner && { owner: getAddress(owner) }),
      });
      return answerPage(result);
    },
  );

  app.get(
    '/v1/index/map',
    {
      schema: {
        summary: "The devices with a location in the operator's metadata, with their status and flags: the town's map",
        tags,
        security,
        response: {
          200: {
            type: 'object',
            required: ['items', 'unplaced', 'truncated', 'finalBlock'],
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['device', 'status', 'classId', 'flags', 'latitude', 'longitude', 'name'],
                  properties: {
                    device: { type: 'string' },
                    status: { type: 'string' },
                    classId: { type: 'integer' },
                    flags: { type: 'integer' },
                    latitude: { type: 'number', description: 'WGS 84 degrees, from the metadata.' },
                    longitude: { type: 'number' },
                    name: { ...nullableString, description: 'The metadata `name` (or `site`), if a string.' },
                  },
                },
              },
              unplaced: { type: 'integer', description: 'Indexed devices with metadata but no location.' },
              truncated: {
                type: 'boolean',
                description: `More than ${MAP_DEVICES} devices are placed: the first ${MAP_DEVICES} by address are listed.`,
              },
              finalBlock: { type: 'integer' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (_request, reply): Promise<TownMapAnswer | undefined> => {
      let metadata: ReadonlyMap<string, DeviceMetadata>;
      try {
        metadata = options.deviceMetadata?.() ?? new Map();
      } catch (error) {
        // The operator's file is broken: the node's fault, said with the file's reason.
        return sendError(reply, 'internal_error', (error as Error).message);
      }
      const items: MapDevice[] = [];
      let unplaced = 0;
      let truncated = false;
      for (const address of [...metadata.keys()].sort()) {
        const location = deviceLocation(metadata.get(address));
        const device = await store.device(address);
        if (!device) continue;
        if (!location) {
          unplaced += 1;
          continue;
        }
        if (items.length === MAP_DEVICES) {
          truncated = true;
          continue;
        }
        const named = metadata.get(address)?.name ?? metadata.get(address)?.site;
        items.push({ ...pick(device), ...location, name: typeof named === 'string' ? named : null });
      }
      return { items, unplaced, truncated, finalBlock: await final() };
    },
  );

  const deviceParams = { type: 'object', required: ['device'], properties: { device: deviceIdJsonSchema } } as const;

  app.get<{ Params: { device: string } }>(
    '/v1/index/devices/:device',
    {
      schema: {
        summary: 'One indexed device',
        tags,
        security,
        params: deviceParams,
        response: { 200: deviceJsonSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const device = await store.device(getAddress(request.params.device));
      if (!device) return sendError(reply, 'unknown_device', `the index holds no device ${request.params.device}`, {}, 404);
      return device;
    },
  );

  app.get<{
    Params: { device: string };
    Querystring: { from?: string; to?: string; order?: 'asc' | 'desc'; limit: string; cursor?: string };
  }>(
    '/v1/index/devices/:device/readings',
    {
      schema: {
        summary: "A device's readings over time (its signed time), with values",
        tags,
        security,
        params: deviceParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: unsigned('Device time, unix seconds, inclusive.'),
            to: unsigned('Device time, unix seconds, inclusive.'),
            order,
            limit,
            cursor,
          },
        },
        response: { 200: page(readingJsonSchema), ...errorResponses },
      },
    },
    async (request) => {
      const { from, to, limit: size, ...q } = request.query;
      const result = await store.deviceReadings({
        ...q,
        device: getAddress(request.params.device),
        limit: Number(size),
        ...(from !== undefined && { from: int(from) }),
        ...(to !== undefined && { to: int(to) }),
      });
      return answerPage(result);
    },
  );

  const positionQuery = {
    type: 'object',
    additionalProperties: false,
    properties: { device: deviceIdJsonSchema, limit, cursor },
  } as const;
  type PositionQuery = { Querystring: { device?: string; limit: string; cursor?: string } };
  /** A position route's query string as the store takes it. */
  const positionPage = ({ device, limit: size, ...rest }: PositionQuery['Querystring']): PositionPageParameters => ({
    ...rest,
    limit: Number(size),
    ...(device && { device: getAddress(device) }),
  });

  app.get<PositionQuery>(
    '/v1/index/flags',
    {
      schema: {
        summary: 'Flagged readings with their evidence (block, transaction, signed reading, broken rule), newest first',
        tags,
        security,
        querystring: positionQuery,
        response: { 200: page(readingJsonSchema), ...errorResponses },
      },
    },
    async (request) => answerPage(await store.flags(positionPage(request.query))),
  );

  app.get<PositionQuery>(
    '/v1/index/status-changes',
    {
      schema: {
        summary: 'Device status changes (suspensions, revocations, reinstatements), newest first',
        tags,
        security,
        querystring: positionQuery,
        response: { 200: page(statusChangeJsonSchema), ...errorResponses },
      },
    },
    async (request) => answerPage(await store.statusChanges(positionPage(request.query))),
  );

  const nameList = { type: 'string', maxLength: 1000, pattern: '^[A-Za-z0-9]+(,[A-Za-z0-9]+)*$' } as const;
  app.get<{ Querystring: { contract?: string; name?: string; device?: string; actor?: string; limit: string; cursor?: string } }>(
    '/v1/index/events',
    {
      schema: {
        summary: 'The accounting log: every event of every contract, newest first',
        tags,
        security,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            contract: { ...nameList, description: 'Comma-separated deployment.json names (fleet, consentRegistry, ...).' },
            name: { ...nameList, description: 'Comma-separated event names.' },
            device: {
              ...deviceIdJsonSchema,
              description:
                "Only events whose `device` argument is this device, or whose `devices` list holds it (a consent's ConsentGranted).",
            },
            actor: {
              ...deviceIdJsonSchema,
              description:
                "Only events naming this account in an address argument other than `device` (by, owner, registrar, recipient, sender, ...), or whose transaction it sent (the event's `sender`).",
            },
            limit,
            cursor,
          },
        },
        response: { 200: page(eventJsonSchema), ...errorResponses },
      },
    },
    async (request) => {
      const { contract, name, device, actor, limit: size, ...rest } = request.query;
      const result = await store.events({
        ...rest,
        limit: Number(size),
        ...(device && { device: getAddress(device) }),
        ...(actor && { actor: getAddress(actor) }),
        ...(contract && { contracts: contract.split(',') }),
        ...(name && { names: name.split(',') }),
      });
      return answerPage(await withVoids(result));
    },
  );

  for (const [path, view] of Object.entries(eventViews)) {
    app.get<{ Querystring: { limit: string; cursor?: string } }>(
      `/v1/index/${path}`,
      {
        schema: {
          summary: `${view.summary}, newest first`,
          tags,
          security,
          querystring: { type: 'object', additionalProperties: false, properties: { limit, cursor } },
          response: { 200: page(eventJsonSchema), ...errorResponses },
        },
      },
      async (request) => {
        const { limit: size, ...rest } = request.query;
        return answerPage(await withVoids(await store.events({ ...rest, limit: Number(size), contracts: view.contracts })));
      },
    );
  }

  app.get(
    '/v1/index/stream',
    {
      schema: {
        summary: 'Live changes of the index (server-sent events): `range` (new events), `rollback` (a reorg removed blocks), `final`',
        tags,
        security,
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const finalBlock = await final();
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      const send = (change: ChainChange) => reply.raw.write(`event: ${change.kind}\ndata: ${JSON.stringify(streamPayload(change))}\n\n`);
      send({ kind: 'final', finalBlock });
      const unsubscribe = changes.subscribe(send);
      const keepAlive = setInterval(() => reply.raw.write(': keep-alive\n\n'), options.keepAliveMs ?? 15_000);
      request.raw.once('close', () => {
        clearInterval(keepAlive);
        unsubscribe();
      });
    },
  );
};

/** At most this many devices on the map: an SVG of more is no map (the fleet page lists every device). */
const MAP_DEVICES = 5000;
const pick = ({ device, status, classId, flags }: IndexedDevice): Pick<MapDevice, 'device' | 'status' | 'classId' | 'flags'> => ({
  device,
  status,
  classId,
  flags,
});

/** At most this many events in one stream message; a client that needs more reads /v1/index/events. */
const STREAM_EVENTS = 500;

function streamPayload(change: ChainChange): object {
  if (change.kind !== 'range') return change;
  return {
    kind: 'range',
    from: change.from,
    to: change.to,
    finalBlock: change.finalBlock,
    eventCount: change.events.length,
    events: change.events.slice(0, STREAM_EVENTS).map((e) => ({
      blockNumber: e.blockNumber,
      logIndex: e.logIndex,
      transactionHash: e.transactionHash,
      contract: e.contract,
      name: e.name,
      args: e.args,
      sender: e.sender ?? null,
    })),
  };
}
