import type { DeviceStatusAnswer } from '../answers/questions/deviceStatus.js';
import { askPythia } from './askPythia.js';
import { createQuestionSequence, type QuestionSequence } from './createQuestionSequence.js';
import { createDeviceClient, type DeviceClient, type ReadingValues, type SendReadingReturnType } from './createDeviceClient.js';
import { GatewayRejection } from './errors.js';
import type { ProvisioningBundle } from './provisioningBundle.js';
import type { DeviceKey } from './types.js';

export type CreateStatusGuardParameters = {
  key: Pick<DeviceKey, 'privateKey' | 'deviceId'>;
  bundle: ProvisioningBundle;
  /** Default: the bundle's first gateway URL. */
  gatewayUrl?: string;
  /** The reading client to guard; default one built from the bundle (chain id, fleet contract). */
  client?: DeviceClient;
  /** How often to ask for the device's own status (ms); 0 = only on start and on a 403. Default 60,000. */
  intervalMs?: number;
  /** The device's question sequence, if it asks other questions too; default one of the guard's own. */
  questionSequence?: QuestionSequence;
  fetch?: typeof fetch;
};

export type StatusGuard = {
  /** Sends a reading unless a verified answer said the device is suspended or revoked. */
  sendReading(values: ReadingValues, options?: { timestamp?: number }): Promise<SendReadingReturnType>;
  /** Asks the Pythia for the device's own status now (verified) and applies it. */
  check(): Promise<DeviceStatusAnswer>;
  /** Why readings are halted, or undefined while the device may report. */
  readonly halted: 'suspended' | 'revoked' | undefined;
  readonly lastStatus: DeviceStatusAnswer | undefined;
  /** Starts the periodic check. */
  start(): void;
  stop(): void;
};

/** Readings were not sent: a verified Pythia answer says the device is suspended or revoked. */
export class DeviceHaltedError extends Error {
  override readonly name = 'DeviceHaltedError';
  constructor(readonly status: 'suspended' | 'revoked') {
    super(`device is ${status}: readings halted${status === 'revoked' ? ' for good' : ' until an operator reinstates it'}`);
  }
}

/**
 * Wraps a device client so it acts on its Pythia's signed answers: it asks its own status
 * periodically and on every 403, and stops sending readings once a verified answer says it is
 * suspended (resuming when a later answer says active) or revoked (for good). A 403 alone never
 * halts it: only a signed answer does, so a rogue gateway cannot silence a device by lying.
 */
export function createStatusGuard({
  key,
  bundle,
  gatewayUrl,
  client,
  intervalMs = 60_000,
  questionSequence = createQuestionSequence(),
  fetch: fetchFn,
}: CreateStatusGuardParameters): StatusGuard {
  const url = gatewayUrl ?? bundle.gatewayUrls[0]!;
  const readings =
    client ??
    createDeviceClient({
      gatewayUrl: url,
      key,
      domain: { chainId: bundle.chainId, verifyingContract: bundle.contracts.fleet },
      ...(fetchFn ? { fetch: fetchFn } : {}),
    });
  let halted: 'suspended' | 'revoked' | undefined;
  let lastStatus: DeviceStatusAnswer | undefined;
  let highestBlock: bigint | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function check(): Promise<DeviceStatusAnswer> {
    const verified = await askPythia<DeviceStatusAnswer>({
      gatewayUrl: url,
      key,
      bundle,
      question: 'device_status',
      params: { device: key.deviceId },
      sequence: questionSequence,
      ...(highestBlock === undefined ? {} : { currentBlock: highestBlock }),
      ...(fetchFn ? { fetch: fetchFn } : {}),
    });
    if (highestBlock === undefined || verified.blockNumber > highestBlock) highestBlock = verified.blockNumber;
    lastStatus = verified.answer;
    const status = verified.answer.status;
    if (halted !== 'revoked') halted = status === 'suspended' || status === 'revoked' ? status : undefined;
    return verified.answer;
  }

  return {
    async sendReading(values, options) {
      if (halted) throw new DeviceHaltedError(halted);
      try {
        return await readings.sendReading(values, options);
      } catch (error) {
        if (error instanceof GatewayRejection && error.status === 403) {
          await check().catch(() => undefined);
          if (halted) throw new DeviceHaltedError(halted);
        }
        throw error;
      }
    },
    check,
    get halted() {
      return halted;
    },
    get lastStatus() {
      return lastStatus;
    },
    start() {
      if (timer || intervalMs <= 0) return;
      timer = setInterval(() => void check().catch(() => undefined), intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
