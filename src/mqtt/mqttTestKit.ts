import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { DeviceKey } from '../sdk/types.js';
import { signConnectToken } from '../protocol/mqttConnectToken.js';
import { deviceTopic } from '../protocol/mqttTopics.js';

/** Test helpers: a raw MQTT device connection that records what arrives on its topics. */
export type RawDevice = {
  client: MqttClient;
  clientId: string;
  /** Resolves with the next message on `topic` (recorded from connect on) that `accept` takes. */
  next: (kind: 'acks' | 'answers' | 'proofs', accept?: (payload: Buffer) => boolean, timeoutMs?: number) => Promise<Buffer>;
  /** Messages seen so far on a topic. */
  seen: (kind: 'acks' | 'answers' | 'proofs') => Buffer[];
};

export async function rawDevice(
  url: string,
  key: Pick<DeviceKey, 'privateKey' | 'deviceId'>,
  chainId: number,
  extra: Partial<IClientOptions> & { subscribe?: boolean } = {},
): Promise<RawDevice> {
  const device = key.deviceId.toLowerCase();
  const clientId = extra.clientId ?? `${device}-${randomBytes(3).toString('hex')}`;
  const { subscribe = true, ...options } = extra;
  const client = await mqtt.connectAsync(url, {
    clientId,
    username: device,
    password: signConnectToken({ privateKey: key.privateKey, chainId, clientId }),
    protocolVersion: 4,
    reconnectPeriod: 0,
    ...options,
  });
  client.on('error', () => {});
  const log = new Map<string, Buffer[]>();
  const listeners = new Set<() => void>();
  client.on('message', (topic, payload) => {
    const list = log.get(topic) ?? [];
    list.push(Buffer.from(payload));
    log.set(topic, list);
    for (const l of listeners) l();
  });
  if (subscribe) await client.subscribeAsync([deviceTopic(device, 'acks'), deviceTopic(device, 'answers')], { qos: 1 });
  const consumed = new Map<string, number>();
  return {
    client,
    clientId,
    seen: (kind) => log.get(deviceTopic(device, kind)) ?? [],
    next(kind, accept = () => true, timeoutMs = 10_000) {
      const topic = deviceTopic(device, kind);
      return new Promise((resolve, reject) => {
        const check = () => {
          const list = log.get(topic) ?? [];
          for (let i = consumed.get(topic) ?? 0; i < list.length; i++) {
            if (accept(list[i]!)) {
              consumed.set(topic, i + 1);
              listeners.delete(check);
              clearTimeout(timer);
              resolve(list[i]!);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no message on ${topic} within ${timeoutMs} ms`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}

export const json = (payload: Buffer): Record<string, unknown> => JSON.parse(payload.toString('utf8')) as Record<string, unknown>;

/** Resolves when the client is closed by the broker (or rejects after timeoutMs). */
export function closedByBroker(client: MqttClient, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!client.connected) return resolve();
    const timer = setTimeout(() => reject(new Error('the broker did not close the connection')), timeoutMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
