import type { Address, Hex } from 'viem';
import type { ReadingDomain } from '../protocol/eip712.js';
import { encodeMetrics } from '../protocol/payload.js';
import type { RetryOptions } from './backoffDelay.js';
import { createMemorySequenceStore } from './createMemorySequenceStore.js';
import { GatewayRejection } from './errors.js';
import { gatewayRequest } from './gatewayRequest.js';
import type { SequenceStore } from './sequenceStore.js';
import { signReading } from './signReading.js';
import type { DeviceKey, ReadingStatus, SignedReading } from './types.js';

export type CreateDeviceClientParameters = {
  /** Base URL of the gateway, e.g. http://127.0.0.1:8545 (a path prefix is kept). */
  gatewayUrl: string;
  key: Pick<DeviceKey, 'privateKey' | 'deviceId'>;
  domain: ReadingDomain;
  /**
   * Where sequences come from. Default: in memory from 1, which a rebooted device would
   * replay: real devices pass createSequenceStore(path).
   */
  sequenceStore?: SequenceStore;
  fetch?: typeof fetch;
  retry?: RetryOptions;
  /** Unix seconds; Date.now()/1000 by default. */
  clock?: () => number;
};

/** Metric values (encoded as int16 each) or a ready payload. */
export type ReadingValues = readonly number[] | Hex;

export type SendResult = {
  status: number;
  /** The gateway's JSON answer (undefined for a duplicate, see below). */
  response: unknown;
  attempts: number;
  /**
   * True when a retry got 409 replayed_sequence: an earlier attempt reached the gateway but its
   * answer was lost. The sequence was signed once, by this client, so the gateway holds this reading.
   */
  duplicate: boolean;
};

export type SendReadingReturnType = SendResult & { reading: SignedReading };
export type SendReadingsReturnType = SendResult & { readings: SignedReading[] };

export type DeviceClient = {
  deviceId: Address;
  /** Signs the next sequence and POSTs it to /v1/readings, retrying on network errors, 429 and 5xx. */
  sendReading(values: ReadingValues, options?: { timestamp?: number }): Promise<SendReadingReturnType>;
  /** Signs and POSTs buffered readings in one request (all or nothing at the gateway). */
  sendReadings(batch: ReadonlyArray<{ values: ReadingValues; timestamp: number }>): Promise<SendReadingsReturnType>;
  /** (Re)sends readings signed earlier, unchanged: store-and-forward after an outage. */
  sendSigned(readings: SignedReading | readonly SignedReading[]): Promise<SendResult>;
  /** GET /v1/readings/:device/:sequence: the verdict and whether it is final (`finality`). */
  readingStatus(sequence: bigint | number | string): Promise<ReadingStatus>;
  /** GET /v1/devices/:id. */
  deviceInfo(): Promise<unknown>;
};

const payloadOf = (values: ReadingValues): Hex => (typeof values === 'string' ? values : encodeMetrics(values));

/** An HTTP client for one device, to the gateway API of docs/api.md. */
export function createDeviceClient({
  gatewayUrl,
  key,
  domain,
  sequenceStore = createMemorySequenceStore(),
  fetch: fetchFn,
  retry,
  clock = () => Math.floor(Date.now() / 1000),
}: CreateDeviceClientParameters): DeviceClient {
  const base = gatewayUrl.replace(/\/+$/, '');
  const common = { ...(fetchFn ? { fetch: fetchFn } : {}), ...(retry ? { retry } : {}) };

  const sign = (values: ReadingValues, timestamp: number): SignedReading =>
    signReading({ key, domain, sequence: sequenceStore.next(), timestamp, payload: payloadOf(values) });

  async function post(body: unknown): Promise<SendResult> {
    try {
      const { status, body: response, attempts } = await gatewayRequest({ url: `${base}/v1/readings`, method: 'POST', body, ...common });
      return { status, response, attempts, duplicate: false };
    } catch (error) {
      if (error instanceof GatewayRejection && error.reason === 'replayed_sequence' && error.attempt > 1) {
        return { status: error.status, response: undefined, attempts: error.attempt, duplicate: true };
      }
      throw error;
    }
  }

  async function get(path: string): Promise<unknown> {
    return (await gatewayRequest({ url: `${base}${path}`, method: 'GET', ...common })).body;
  }

  return {
    deviceId: key.deviceId,
    async sendReading(values, options = {}) {
      const reading = sign(values, options.timestamp ?? clock());
      return { ...(await post(reading)), reading };
    },
    async sendReadings(batch) {
      if (batch.length === 0) throw new RangeError('sendReadings needs at least one reading');
      const readings = batch.map(({ values, timestamp }) => sign(values, timestamp));
      return { ...(await post({ readings })), readings };
    },
    sendSigned(readings) {
      return post(Array.isArray(readings) ? { readings } : readings);
    },
    async readingStatus(sequence) {
      return (await get(`/v1/readings/${key.deviceId}/${BigInt(sequence)}`)) as ReadingStatus;
    },
    deviceInfo() {
      return get(`/v1/devices/${key.deviceId}`);
    },
  };
}
