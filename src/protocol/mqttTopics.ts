import type { Address } from 'viem';

/**
 * The MQTT topic scheme (docs/protocol.md, "MQTT"). Every topic names one device, by its id in
 * lowercase hex: `pythia/v1/devices/{deviceId}/{kind}`.
 */
export const MQTT_TOPIC_PREFIX = 'pythia/v1/devices';

/** Device → gateway. */
export const deviceToGatewayKinds = ['readings', 'questions'] as const;
/** Gateway → device. `commands`: recipients' signed commands relayed under consent (issue #5). */
export const gatewayToDeviceKinds = ['acks', 'answers', 'commands'] as const;

export type DeviceToGatewayKind = (typeof deviceToGatewayKinds)[number];
export type GatewayToDeviceKind = (typeof gatewayToDeviceKinds)[number];
export type TopicKind = DeviceToGatewayKind | GatewayToDeviceKind;

export function deviceTopic(device: Address | string, kind: TopicKind): string {
  return `${MQTT_TOPIC_PREFIX}/${device.toLowerCase()}/${kind}`;
}

/** What the gateway subscribes to: every device's readings and questions. */
export const gatewaySubscriptions = deviceToGatewayKinds.map((kind) => `${MQTT_TOPIC_PREFIX}/+/${kind}`);

const TOPIC = /^pythia\/v1\/devices\/(0x[0-9a-f]{40})\/(readings|questions|acks|answers|commands)$/;

/** Parses a topic of the scheme; undefined for any other topic (a device id must be lowercase). */
export function parseDeviceTopic(topic: string): { device: Address; kind: TopicKind } | undefined {
  const m = TOPIC.exec(topic);
  return m ? { device: m[1] as Address, kind: m[2] as TopicKind } : undefined;
}
