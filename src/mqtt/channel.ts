import { randomBytes } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { decode } from 'cbor2';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Address } from 'viem';
import { ChainUnavailableError } from '../gateway/core/deviceDirectory.js';
import type { GatewayLogger } from '../gateway/core/logger.js';
import { logSecurityEvent, securityEventOf } from '../gateway/core/securityEvents.js';
import { DEFAULT_MQTT_PORT } from './defaults.js';
import { WindowLimiter } from '../gateway/core/windowLimiter.js';
import {
  parseCborQuestionRequest,
  parseJsonQuestionRequest,
  QuestionRequestError,
  type ParsedQuestionRequest,
} from '../gateway/questions/parseQuestionRequest.js';
import type { IntakeResult } from '../gateway/readings/readingIntake.js';
import { isReadingProblem, parseReading, signature65 } from '../gateway/readings/readingShape.js';
import { reportRefusal, type DeviceCommandChannel, type GatewayServices } from '../gateway/services.js';
import { statusOfReason, type RejectionReason } from '../protocol/reasons.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embeddedBroker.js';
import { deviceTopic, gatewaySubscriptions, isDeviceToGatewayKind, parseDeviceTopic, replyKindOf } from '../protocol/mqttTopics.js';
import { readChainHeaderAnswer, readStatusProofAnswer } from '../gateway/statusProofs/readStatusProofAnswer.js';
import { parseProofRequest, ProofRequestError, type ProofRequest } from './parseProofRequest.js';
import { refusalBody, type RefusalBody, type RefusalItem } from '../protocol/refusal.js';
import { parseStrictJson, StrictJsonError } from '../protocol/strictJson.js';

export type StartMqttChannelOptions = {
  /**
   * The gateway's services: the same intake and answerer as HTTP. While it runs, the channel is
   * the gateway's way to devices' commands topics (it sets `services.deviceCommands`).
   */
  services: Pick<
    GatewayServices,
    'chainId' | 'intake' | 'directory' | 'queue' | 'answerer' | 'deviceCommands' | 'onRefusal' | 'publicClient' | 'fleetAddress'
  >;
  /** An external broker (mqtt://, mqtts://, ws://); without it the embedded broker is started. */
  brokerUrl?: string;
  /** The gateway's credentials at an external broker (or in brokerUrl as user:password@). */
  username?: string;
  password?: string;
  /** Embedded broker listen address. Default 127.0.0.1. */
  host?: string;
  /** Embedded broker port. Default 1883; 0 = any free port. */
  port?: number;
  /** Largest message payload the gateway processes (bytes). Default 16 KiB. */
  maxMessageBytes?: number;
  /**
   * Largest MQTT packet (bytes, fixed header included): the embedded broker's cap, and the largest
   * answer the gateway publishes (with an external broker, its max_packet_size). Default maxMessageBytes + 1 KiB.
   */
  maxPacketBytes?: number;
  /** Embedded broker: CONNECT token clock window (s). Default 300. */
  tokenWindowSeconds?: number;
  /** Embedded broker: serve mqtts:// with this PEM certificate and key. */
  tls?: { cert: Buffer | string; key: Buffer | string };
  /** The gateway's MQTT client id. Default pythia-gateway-{random}. */
  clientId?: string;
  /**
   * Messages (readings and questions) one device may publish per minute; beyond, each is refused
   * with rate_limited before any signature check. Default 600 (as HTTP's per-device limit); 0 = none.
   */
  maxMessagesPerDevicePerMinute?: number;
  logger?: GatewayLogger;
};

export type MqttChannel = {
  /** The broker devices connect to. */
  url: string;
  /** true when the gateway runs the broker itself. */
  embedded: boolean;
  close: () => Promise<void>;
};

export { DEFAULT_MQTT_PORT };
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024;
export const DEFAULT_MAX_MESSAGES_PER_DEVICE_PER_MINUTE = 600;

/** A refusal on a device's acks or answers topic: the HTTP error body, plus `ref` and `status`. */
export type MqttRefusal = RefusalBody & {
  /** The sequence of the (first) reading or of the question refused, or null when it could not be read. */
  ref: string | null;
  status: number;
  retryAfterSeconds?: number;
};

/** The ack of stored readings: the HTTP 202 body, plus `ref`. */
export type MqttStoredAck = {
  ref: string;
  status: 202;
  accepted: number;
  readings: { device: Address; sequence: string; status: 'pending' }[];
};

const noLogger: GatewayLogger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as GatewayLogger;
const RECENT_ANSWERS = 10_000;

/**
 * The MQTT device channel: devices publish readings and questions, the gateway answers on their
 * acks and answers topics (docs/protocol.md, "MQTT"). Messages go through the same intake and
 * answerer as HTTP. Whatever the broker's ACLs, the gateway checks every message's signature and
 * that the topic's device is the signing device. QoS 1 everywhere; a redelivered reading gets
 * its original ack, a redelivered question its original answer.
 */
export async function startMqttChannel(options: StartMqttChannelOptions): Promise<MqttChannel> {
  const { services } = options;
  const logger = options.logger ?? noLogger;
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  // The broker's packet cap binds the gateway's own publishes too (the embedded broker closes any
  // connection over it; Mosquitto's max_packet_size, 17 KiB in protocol.md, the same).
  const maxPacketBytes = options.maxPacketBytes ?? maxMessageBytes + 1024;
  // Every refusal on this channel is told to the gateway's onRefusal, as on HTTP (sendError).
  const refusal: typeof refusalMessage = (ref, error, message, extra = {}) => {
    reportRefusal(services.onRefusal, { reason: error, channel: 'mqtt', ...(extra.errors && { errors: extra.errors }) });
    return refusalMessage(ref, error, message, extra);
  };
  let broker: EmbeddedBroker | undefined;
  let url: string;
  let credentials: { username?: string; password?: string };
  let embeddedTls: { ca?: string[]; checkServerIdentity?: () => undefined } = {};
  if (options.brokerUrl) {
    url = options.brokerUrl;
    credentials = {
      ...(options.username !== undefined && { username: options.username }),
      ...(options.password !== undefined && { password: options.password }),
    };
  } else {
    broker = await startEmbeddedBroker({
      directory: services.directory,
      chainId: services.chainId,
      host: options.host ?? '127.0.0.1',
      port: options.port ?? DEFAULT_MQTT_PORT,
      maxPacketBytes,
      logger,
      ...(options.tokenWindowSeconds !== undefined && { tokenWindowSeconds: options.tokenWindowSeconds }),
      ...(options.tls && { tls: options.tls }),
    });
    url = broker.url;
    credentials = broker.gatewayCredentials;
    // The gateway's client checks the broker's chain (its own certificate, self-signed or not) but
    // not the name in it: it connects to its own listener, by whatever address it was given.
    if (options.tls) embeddedTls = { ca: [options.tls.cert.toString(), ...rootCertificates], checkServerIdentity: () => undefined };
  }

  const recentAnswers = new Map<string, { fingerprint: string; response: Buffer }>();
  const perMinute = options.maxMessagesPerDevicePerMinute ?? DEFAULT_MAX_MESSAGES_PER_DEVICE_PER_MINUTE;
  const perDevice = perMinute > 0 ? new WindowLimiter({ max: perMinute, windowMs: 60_000 }) : undefined;

  const clientOptions: IClientOptions = {
    clientId: options.clientId ?? `pythia-gateway-${randomBytes(6).toString('hex')}`,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...credentials,
    ...embeddedTls,
  };
  let client: MqttClient;
  try {
    client = await mqtt.connectAsync(url, clientOptions);
  } catch (error) {
    await broker?.close();
    throw new Error(
      `the gateway could not connect to the MQTT broker at ${redact(url)}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  client.on('error', (error) => logger.warn({ err: error.message }, 'mqtt: gateway client error'));

  const reply = (topic: string, payload: Buffer) => {
    client.publish(topic, payload, { qos: 1 }, (error) => {
      if (error) logger.warn({ topic, err: error.message }, 'mqtt: could not publish a reply (the device retries)');
    });
  };

  client.handleMessage = (packet, done) => {
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    handle(packet.topic, payload).then(
      () => done(),
      (error: unknown) => {
        logger.error({ err: error, topic: packet.topic }, 'mqtt: unexpected error handling a message');
        done();
      },
    );
  };

  async function handle(topic: string, payload: Buffer): Promise<void> {
    const parsed = parseDeviceTopic(topic) ?? parseDeviceTopic(topic.toLowerCase());
    if (!parsed || !isDeviceToGatewayKind(parsed.kind)) {
      logger.warn({ topic }, 'mqtt: message on a topic outside the scheme; dropped');
      return;
    }
    const replyTopic = deviceTopic(parsed.device, replyKindOf[parsed.kind]);
    if (parseDeviceTopic(topic) === undefined) {
      return reply(replyTopic, refusal(null, 'invalid_request', 'the device id in a topic must be lowercase hex'));
    }
    if (payload.length > maxMessageBytes) {
      return reply(replyTopic, refusal(null, 'body_too_large', `the message is ${payload.length} bytes; the limit is ${maxMessageBytes}`));
    }
    const limit = perDevice?.hit(parsed.device);
    if (limit && !limit.ok) {
      securityLog('rate_limited', { device: parsed.device });
      return reply(
        replyTopic,
        refusal(null, 'rate_limited', `device ${parsed.device} published more than ${perMinute} messages in a minute`, {
          retryAfterSeconds: limit.retryAfterSeconds,
        }),
      );
    }
    const response =
      parsed.kind === 'readings'
        ? await onReadings(parsed.device, payload)
        : parsed.kind === 'questions'
          ? await onQuestion(parsed.device, payload)
          : await onProofRequest(parsed.device, payload);
    reply(replyTopic, response);
  }

  async function onReadings(device: Address, payload: Buffer): Promise<Buffer> {
    let body: unknown;
    try {
      body = decodeBody(payload);
    } catch (error) {
      return refusal(null, 'invalid_body', `the message is neither JSON nor CBOR: ${messageOf(error)}`);
    }
    const items = itemsOf(body);
    const ref = items ? refOf(items[0]) : null;
    if (items) {
      const errors = items.flatMap((item, index) => {
        const claimed = isObject(item) && typeof item.device === 'string' ? item.device.toLowerCase() : undefined;
        // A malformed id is the intake's to refuse (invalid_body); a well-formed other id is a forgery attempt.
        return claimed !== undefined && /^0x[0-9a-f]{40}$/.test(claimed) && claimed !== device
          ? [{ index, reason: 'topic_mismatch', message: `reading for ${claimed} published on the topic of ${device}` }]
          : [];
      });
      if (errors.length > 0) {
        logger.warn({ device, errors }, 'mqtt: readings published on another device’s topic');
        return refusal(ref, 'topic_mismatch', errors[0]!.message, { errors });
      }
    }
    let result: IntakeResult;
    try {
      result = await services.intake.submit(body);
    } catch (error) {
      return faultRefusal(ref, error);
    }
    if (result.ok) return storedAck(ref!, result.readings);
    if (items && isRedelivery(items, result)) {
      logger.debug({ device, ref }, 'mqtt: redelivered readings; original ack sent again');
      return storedAck(
        ref!,
        items.map((item) => ({ device, sequence: (parseReading(item) as { sequence: bigint }).sequence })),
      );
    }
    securityLog(result.error, { device });
    return refusal(ref, result.error, result.message, {
      errors: result.errors,
      ...(result.retryAfterSeconds !== undefined && { retryAfterSeconds: result.retryAfterSeconds }),
    });
  }

  /** Every reading was refused as replayed, and each is stored here with exactly these signed bytes. */
  function isRedelivery(items: unknown[], result: Extract<IntakeResult, { ok: false }>): boolean {
    if (result.errors.length !== items.length || !result.errors.every((e) => e.reason === 'replayed_sequence')) return false;
    return items.every((item) => {
      const reading = parseReading(item);
      if (isReadingProblem(reading)) return false;
      const stored = services.queue.signedReading(reading.device, reading.sequence);
      return (
        stored !== undefined &&
        stored.timestamp === reading.timestamp &&
        stored.payload.toLowerCase() === reading.payload &&
        Buffer.from(stored.signature).equals(Buffer.from(signature65(reading)))
      );
    });
  }

  async function onQuestion(device: Address, payload: Buffer): Promise<Buffer> {
    const answerer = services.answerer;
    if (!answerer) return refusal(null, 'unknown_question', 'this gateway has no answer key: it answers no questions');
    const json = looksLikeJson(payload);
    let asked: ParsedQuestionRequest;
    try {
      asked = json
        ? parseJsonQuestionRequest(parseStrictJson(payload.toString('utf8')), services.chainId)
        : parseCborQuestionRequest(payload);
    } catch (error) {
      if (error instanceof QuestionRequestError) return refusal(null, error.reason, error.message);
      if (error instanceof StrictJsonError)
        return refusal(null, 'invalid_body', `the message is not JSON as docs/protocol.md defines it: ${error.message}`);
      throw error;
    }
    const ref = asked.sequence.toString();
    if (asked.device.toLowerCase() !== device) {
      logger.warn({ device, claimed: asked.device }, 'mqtt: question published on another device’s topic');
      return refusal(ref, 'topic_mismatch', `question of ${asked.device.toLowerCase()} published on the topic of ${device}`);
    }
    const key = `${device}:${ref}`;
    const fingerprint = `${Buffer.from(asked.message.payload).toString('hex')}:${Buffer.from(asked.message.signature).toString('hex')}`;
    const recent = recentAnswers.get(key);
    if (recent && recent.fingerprint === fingerprint) {
      logger.debug({ device, ref }, 'mqtt: redelivered question; original answer sent again');
      return recent.response;
    }
    let outcome: Awaited<ReturnType<typeof answerer.answer>>;
    try {
      outcome = await answerer.answer(asked);
    } catch (error) {
      return faultRefusal(ref, error);
    }
    if (!outcome.ok) {
      securityLog(outcome.error, { device });
      return refusal(ref, outcome.error, outcome.message);
    }
    const response = json
      ? Buffer.from(JSON.stringify({ ref, answer: Buffer.from(outcome.answer).toString('base64') }))
      : Buffer.from(outcome.answer);
    recentAnswers.set(key, { fingerprint, response });
    if (recentAnswers.size > RECENT_ANSWERS) recentAnswers.delete(recentAnswers.keys().next().value!);
    return response;
  }

  /**
   * A device that trusts the chain, not the Pythia, asks for its status proof or a checkpoint header
   * (GET /v1/devices/{id}/status-proof, GET /v1/chain/headers/{number} over HTTP): the answer is the
   * HTTP body with `ref` and `status` 200, or a refusal. Only about the topic's device: no one asks
   * for another's proof here (the broker lets a device publish on its own topic only).
   */
  async function onProofRequest(device: Address, payload: Buffer): Promise<Buffer> {
    let asked: ProofRequest;
    try {
      asked = parseProofRequest(payload);
    } catch (error) {
      if (error instanceof ProofRequestError) return refusal(error.ref, 'invalid_body', error.message);
      throw error;
    }
    let read: Awaited<ReturnType<typeof readStatusProofAnswer | typeof readChainHeaderAnswer>>;
    try {
      read =
        asked.proof === 'status'
          ? await readStatusProofAnswer({ publicClient: services.publicClient, fleetAddress: services.fleetAddress, device })
          : await readChainHeaderAnswer({ publicClient: services.publicClient, number: asked.number });
    } catch (error) {
      return faultRefusal(asked.ref, error);
    }
    if (!read.ok) return refusal(asked.ref, read.error, read.message);
    const answer = Buffer.from(JSON.stringify({ ref: asked.ref, status: 200, ...read.answer }));
    // A proof of a large state can outgrow one MQTT packet: published, it would cost the gateway its
    // connection to the broker. Refused instead (fixed header ≤ 5, topic length 2, packet id 2).
    const packet = answer.length + Buffer.byteLength(deviceTopic(device, 'proofs')) + 9;
    if (packet > maxPacketBytes)
      return refusal(
        asked.ref,
        'status_proof_unavailable',
        `the answer is ${answer.length} bytes, over what one MQTT message carries here (packets of ${maxPacketBytes} bytes): ask over HTTP (GET /v1/devices/{id}/status-proof, /v1/chain/headers/{number})`,
      );
    return answer;
  }

  function securityLog(reason: RejectionReason, fields: { device: Address }): void {
    const event = securityEventOf(reason);
    if (event) logSecurityEvent(logger, event, { reason, channel: 'mqtt', ...fields });
  }

  function faultRefusal(ref: string | null, error: unknown): Buffer {
    if (error instanceof ChainUnavailableError) {
      logger.warn({ err: error.message }, 'mqtt: chain unavailable');
      return refusal(ref, 'chain_unavailable', error.message, { retryAfterSeconds: 1 });
    }
    logger.error({ err: error }, 'mqtt: unexpected error');
    return refusal(ref, 'internal_error', 'unexpected gateway error; nothing was stored');
  }

  try {
    const granted = await client.subscribeAsync(gatewaySubscriptions, { qos: 1 });
    const refused = granted.filter((g) => g.qos === 128);
    if (refused.length > 0) throw new Error(`the broker refused the gateway's subscription to ${refused.map((g) => g.topic).join(', ')}`);
  } catch (error) {
    await client.endAsync(true).catch(() => {});
    await broker?.close();
    throw error;
  }
  logger.info({ url: redact(url), embedded: broker !== undefined }, 'mqtt: device channel up');

  // Commands (POST /v1/devices/{id}/commands) go out on the device's commands topic, QoS 1: the
  // promise settles on the broker's PUBACK.
  const deviceCommands: DeviceCommandChannel = {
    publish: (device, payload) =>
      new Promise<void>((resolve, reject) => {
        if (!client.connected) return reject(new Error('the gateway is not connected to the MQTT broker'));
        const timer = setTimeout(() => reject(new Error('the broker did not acknowledge the command within 10 s')), 10_000);
        client.publish(deviceTopic(device, 'commands'), payload, { qos: 1 }, (error) => {
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        });
      }),
  };
  services.deviceCommands = deviceCommands;

  let closing: Promise<void> | undefined;
  return {
    url,
    embedded: broker !== undefined,
    close: () =>
      (closing ??= (async () => {
        if (services.deviceCommands === deviceCommands) delete services.deviceCommands;
        await client.endAsync().catch(() => {});
        await broker?.close();
      })()),
  };
}

/** A refusal in the one shape (refusalBody), with the message's `ref` and the HTTP status it would have. */
function refusalMessage(
  ref: string | null,
  error: RejectionReason,
  message: string,
  extra: { errors?: readonly RefusalItem[]; retryAfterSeconds?: number } = {},
): Buffer {
  const body: MqttRefusal = {
    ref,
    status: statusOfReason(error),
    ...refusalBody(error, message, extra.errors),
    ...(extra.retryAfterSeconds !== undefined && { retryAfterSeconds: extra.retryAfterSeconds }),
  };
  return Buffer.from(JSON.stringify(body));
}

function storedAck(ref: string, readings: { device: Address; sequence: bigint }[]): Buffer {
  const body: MqttStoredAck = {
    ref,
    status: 202,
    accepted: readings.length,
    readings: readings.map((r) => ({ device: r.device, sequence: r.sequence.toString(), status: 'pending' })),
  };
  return Buffer.from(JSON.stringify(body));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const looksLikeJson = (payload: Buffer): boolean => {
  const first = payload.find((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
  return first === 0x7b; // '{'
};

/** JSON (the POST /v1/readings body) or CBOR (the same fields; byte strings for hex, integers for numbers). */
function decodeBody(payload: Buffer): unknown {
  if (payload.length === 0) throw new Error('empty message');
  if (looksLikeJson(payload)) return parseStrictJson(payload.toString('utf8'));
  // The JSON rules in CBOR: each key once, integers never as floats.
  return jsonOfCbor(decode(new Uint8Array(payload), { preferMap: true, rejectDuplicateKeys: true, rejectFloats: true }), 0);
}

function jsonOfCbor(value: unknown, depth: number): unknown {
  if (depth > 8) throw new Error('nested too deep');
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map((v) => jsonOfCbor(v, depth + 1));
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) {
      if (typeof k !== 'string') throw new Error('map keys must be text');
      if (k === '__proto__') throw new Error('a key named "__proto__" is refused');
      out[k] = jsonOfCbor(v, depth + 1);
    }
    return out;
  }
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  throw new Error(`unsupported CBOR item ${typeof value}`);
}

function itemsOf(body: unknown): unknown[] | undefined {
  if (!isObject(body)) return undefined;
  if (!('readings' in body)) return [body];
  return Array.isArray(body.readings) && body.readings.length > 0 ? body.readings : undefined;
}

function refOf(item: unknown): string | null {
  if (!isObject(item)) return null;
  const s = item.sequence;
  if (typeof s === 'number' && Number.isSafeInteger(s) && s >= 0) return String(s);
  if (typeof s === 'string' && /^(0|[1-9][0-9]{0,19})$/.test(s)) return s;
  return null;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A broker URL without its password, for logs and errors. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
