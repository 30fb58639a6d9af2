import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Address, Hex } from 'viem';
import { decodeAnswer } from '../answers/decodeAnswer.js';
import { signDeviceQuestion } from './signDeviceQuestion.js';
import { verifyAnswer, type VerifiedAnswer } from '../answers/verifyAnswer.js';
import { signConnectToken } from '../protocol/mqttConnectToken.js';
import { deviceTopic } from '../protocol/mqttTopics.js';
import type { ReadingDomain } from '../protocol/eip712.js';
import { encodeMetrics } from '../protocol/payload.js';
import { createQuestionSequence, type QuestionSequence } from './createQuestionSequence.js';
import type { ConsentAnswer } from '../answers/questions/consent.js';
import { createCommandGuard, type CommandGuard, type CreateCommandGuardParameters } from './createCommandGuard.js';
import { createMemorySequenceStore } from './createMemorySequenceStore.js';
import { GatewayRejection, GatewayUnavailable } from './errors.js';
import { trustedKeysOf, type ProvisioningBundle } from './provisioningBundle.js';
import type { SequenceStore } from './sequenceStore.js';
import { signReading } from './signReading.js';
import type { DeviceKey, SignedReading } from './types.js';

export type CreateMqttDeviceClientParameters = {
  /** mqtt://host:port of the broker (the gateway's embedded one, or the operator's). */
  brokerUrl: string;
  key: Pick<DeviceKey, 'privateKey' | 'deviceId'>;
  domain: ReadingDomain;
  /** Needed for ask(): the Pythia keys the device trusts and the freshness bounds. */
  bundle?: ProvisioningBundle;
  /**
   * CONNECT password. Default: a fresh device-signed token at every (re)connect, which the
   * embedded broker checks. An external broker (e.g. Mosquitto with a password file) takes a
   * static password from its operator.
   */
  password?: string;
  /** Default the device id (lowercase): what the embedded broker and %u ACL patterns expect. */
  username?: string;
  /** Default {deviceId}-{random}: the embedded broker requires the device id as its prefix. */
  clientId?: string;
  /** MQTT protocol level: 4 (3.1.1, default) or 5. */
  protocolVersion?: 4 | 5;
  sequenceStore?: SequenceStore;
  /** The device's question sequence (ask); default one of this client's own. */
  questionSequence?: QuestionSequence;
  /** Resend the same signed bytes when no ack/answer came within this long (ms). Default 5000. */
  resendIntervalMs?: number;
  /** Give up (GatewayUnavailable) after this long without an ack/answer (ms). Default 30,000. */
  timeoutMs?: number;
  /** Wait between reconnect attempts (ms). Default 1000. */
  reconnectPeriodMs?: number;
  /** Unix seconds. */
  clock?: () => number;
  /**
   * Act on recipients' commands: subscribe to the device's commands topic and run `handler` only
   * for commands that pass createCommandGuard's checks (recipient's signature, replay, and a fresh
   * signed consent answer from the Pythia). Needs `bundle` with contracts.consentRegistry.
   */
  commands?: Pick<CreateCommandGuardParameters, 'handler' | 'onRefused' | 'nonceStore' | 'maxTrackedNonces'>;
};

export type MqttReadingAck = {
  ref: string;
  status: 202;
  accepted: number;
  readings: { device: Address; sequence: string; status: string }[];
};

export type MqttDeviceClient = {
  deviceId: Address;
  mqtt: MqttClient;
  /** Signs the next sequence, publishes it (QoS 1) and resolves on the gateway's ack: the reading is stored durably. */
  sendReading(
    values: readonly number[] | Hex,
    options?: { timestamp?: number },
  ): Promise<{ ack: MqttReadingAck; reading: SignedReading; attempts: number }>;
  /** (Re)publishes a reading signed earlier, unchanged, until acked. */
  sendSigned(reading: SignedReading): Promise<{ ack: MqttReadingAck; attempts: number }>;
  /** Asks the Pythia; resolves on the answer only once it verifies (askPythia's checks). */
  ask<Answer = unknown>(
    question: string | number,
    params: unknown,
    options?: { challengeBytes?: number; currentBlock?: bigint },
  ): Promise<VerifiedAnswer<unknown, Answer>>;
  /** The command guard, when `commands` was given (its handle() checks a message as if it arrived on the commands topic). */
  commandGuard?: CommandGuard;
  close(): Promise<void>;
};

type Waiter = { onMessage: (payload: Buffer) => boolean };

const RETRYABLE = (status: number) => status === 429 || status >= 500;

/** A device client over MQTT (docs/protocol.md, "MQTT"). */
export async function createMqttDeviceClient(parameters: CreateMqttDeviceClientParameters): Promise<MqttDeviceClient> {
  const { key, domain } = parameters;
  const device = key.deviceId.toLowerCase() as Address;
  const clientId = parameters.clientId ?? `${device}-${randomBytes(4).toString('hex')}`;
  const sequenceStore = parameters.sequenceStore ?? createMemorySequenceStore();
  const questionSequence = parameters.questionSequence ?? createQuestionSequence();
  const resendIntervalMs = parameters.resendIntervalMs ?? 5000;
  const timeoutMs = parameters.timeoutMs ?? 30_000;
  const clock = parameters.clock ?? (() => Math.floor(Date.now() / 1000));
  if (parameters.commands && !parameters.bundle?.contracts.consentRegistry) {
    throw new TypeError('commands need the provisioning bundle, with contracts.consentRegistry (createMqttDeviceClient({ bundle }))');
  }
  const token = () =>
    parameters.password ?? signConnectToken({ privateKey: key.privateKey, chainId: domain.chainId, clientId, now: clock() });

  const options: IClientOptions = {
    clientId,
    username: parameters.username ?? device,
    password: token(),
    protocolVersion: parameters.protocolVersion ?? 4,
    clean: true,
    reconnectPeriod: parameters.reconnectPeriodMs ?? 1000,
    connectTimeout: 10_000,
  };
  const client = await mqtt.connectAsync(parameters.brokerUrl, options);
  // A fresh token for every reconnect: the broker accepts a token only within its clock window.
  client.on('reconnect', () => {
    client.options.password = token();
  });
  client.on('error', () => {}); // reconnects; calls time out with GatewayUnavailable

  const acks = deviceTopic(device, 'acks');
  const answers = deviceTopic(device, 'answers');
  const commandsTopic = deviceTopic(device, 'commands');
  const waiters = new Set<Waiter>();
  // Created before subscribing, so no command is dropped; its ask() is the client's own (below).
  let self: MqttDeviceClient | undefined;
  const commandGuard: CommandGuard | undefined =
    parameters.commands &&
    createCommandGuard({
      ...parameters.commands,
      deviceId: key.deviceId,
      bundle: parameters.bundle!,
      clock,
      ask: (question, params, opts) => self!.ask<ConsentAnswer>(question, params, opts),
    });
  client.on('message', (topic, payload) => {
    if (topic === commandsTopic) {
      void commandGuard?.handle(payload).catch(() => undefined);
      return;
    }
    if (topic !== acks && topic !== answers) return;
    for (const w of waiters) if (w.onMessage(payload)) waiters.delete(w);
  });
  const topics = parameters.commands ? [acks, answers, commandsTopic] : [acks, answers];
  const granted = await client.subscribeAsync(topics, { qos: 1 });
  if (granted.some((g) => g.qos === 128)) {
    await client.endAsync(true);
    throw new Error(`the broker refused this device's subscription to its own topics (${topics.join(', ')})`);
  }

  /**
   * Publishes `payload` on `topic` until `match` settles: match returns a result to resolve with,
   * a refusal body to reject with, or undefined (not for us). Retryable refusals (429, 5xx) resend.
   */
  function exchange<T>(
    topic: string,
    payload: Buffer,
    match: (message: Buffer) => { result: T } | { refusal: Record<string, unknown> } | undefined,
  ): Promise<{ result: T; attempts: number }> {
    return new Promise((resolve, reject) => {
      let attempts = 0;
      let timer: NodeJS.Timeout | undefined;
      const started = Date.now();
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(waiter);
        settle();
      };
      const send = () => {
        if (Date.now() - started > timeoutMs) {
          return finish(() => reject(new GatewayUnavailable(attempts, undefined, 'no_ack')));
        }
        attempts += 1;
        client.publish(topic, payload, { qos: 1 }, () => {});
        timer = setTimeout(send, resendIntervalMs);
      };
      const waiter: Waiter = {
        onMessage(message) {
          const m = match(message);
          if (!m) return false;
          if ('result' in m) {
            finish(() => resolve({ result: m.result, attempts }));
            return true;
          }
          const status = typeof m.refusal.status === 'number' ? m.refusal.status : 400;
          const reason = typeof m.refusal.error === 'string' ? m.refusal.error : 'unknown';
          if (RETRYABLE(status)) {
            clearTimeout(timer);
            const after = typeof m.refusal.retryAfterSeconds === 'number' ? m.refusal.retryAfterSeconds * 1000 : resendIntervalMs;
            timer = setTimeout(send, Math.min(after, resendIntervalMs * 4));
            return false;
          }
          const message_ = typeof m.refusal.message === 'string' ? m.refusal.message : undefined;
          finish(() =>
            reject(
              new GatewayRejection({ reason, status, body: m.refusal, attempt: attempts, ...(message_ ? { message: message_ } : {}) }),
            ),
          );
          return true;
        },
      };
      waiters.add(waiter);
      send();
    });
  }

  const jsonOf = (message: Buffer): Record<string, unknown> | undefined => {
    if (message[0] !== 0x7b) return undefined;
    try {
      const v = JSON.parse(message.toString('utf8'));
      return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };

  async function sendSigned(reading: SignedReading) {
    const { result, attempts } = await exchange<MqttReadingAck>(readingsTopic, Buffer.from(JSON.stringify(reading)), (message) => {
      const body = jsonOf(message);
      if (!body || body.ref !== reading.sequence) return undefined;
      return body.status === 202 ? { result: body as MqttReadingAck } : { refusal: body };
    });
    return { ack: result, attempts };
  }
  const readingsTopic = deviceTopic(device, 'readings');
  const questionsTopic = deviceTopic(device, 'questions');

  self = {
    deviceId: key.deviceId,
    mqtt: client,
    async sendReading(values, opts = {}) {
      const reading = signReading({
        key,
        domain,
        sequence: sequenceStore.next(),
        timestamp: opts.timestamp ?? clock(),
        payload: typeof values === 'string' ? values : encodeMetrics(values),
      });
      return { ...(await sendSigned(reading)), reading };
    },
    sendSigned,
    async ask<Answer = unknown>(question: string | number, params: unknown, opts: { challengeBytes?: number; currentBlock?: bigint } = {}) {
      const bundle = parameters.bundle;
      if (!bundle) throw new TypeError('ask() needs the provisioning bundle (createMqttDeviceClient({ bundle }))');
      const sequence = questionSequence.next();
      const {
        question: q,
        challenge,
        cose,
      } = signDeviceQuestion({
        key,
        question,
        params,
        chainId: bundle.chainId,
        sequence,
        ...(opts.challengeBytes ? { challengeBytes: opts.challengeBytes } : {}),
      });
      const challengeHex = Buffer.from(challenge).toString('hex');
      const { result } = await exchange<Uint8Array>(questionsTopic, Buffer.from(cose), (message) => {
        const body = jsonOf(message);
        if (body) return body.ref === sequence.toString() ? { refusal: body } : undefined;
        try {
          return Buffer.from(decodeAnswer(message).challenge).toString('hex') === challengeHex
            ? { result: new Uint8Array(message) }
            : undefined;
        } catch {
          return undefined;
        }
      });
      return verifyAnswer<unknown, Answer>({
        answer: result,
        trustedKeys: trustedKeysOf(bundle),
        challenge,
        question: { question: q.id, params },
        chainId: bundle.chainId,
        maxAgeSeconds: bundle.freshness.maxAgeSeconds,
        maxAgeBlocks: bundle.freshness.maxAgeBlocks,
        ...(opts.currentBlock === undefined ? {} : { currentBlock: opts.currentBlock }),
      });
    },
    async close() {
      for (const w of waiters) waiters.delete(w);
      await client.endAsync();
    },
  };
  if (commandGuard) self.commandGuard = commandGuard;
  return self;
}
