import type { Address } from 'viem';

/**
 * The MQTT topic scheme (docs/protocol.md, "MQTT"). Every topic names one device, by its id in
 * lowercase hex: `pythia/v1/devices/{deviceId}/{kind}`.
 */
export const MQTT_TOPIC_PREFIX = 'pythia/v1/devices';

/** Device → gateway. `proof-requests`: a device that trusts the chain asks for its status proof or a checkpoint header. */
export const deviceToGatewayKinds = ['readings', 'questions', 'proof-requests'] as const;
/** Gateway → device. `commands`: recipients' signed commands relayed under consent (issue #5); `proofs`: the answers to proof-requests. */
export const gatewayToDeviceKinds = ['acks', 'answers', 'commands', 'proofs'] as const;

/** The topic on which the gateway answers what a device publishes on `kind`. */
export const replyKindOf = { readings: 'acks', questions: 'answers', 'proof-requests': 'proofs' } as const satisfies Record<
  DeviceToGatewayKind,
  GatewayToDeviceKind
>;

export type DeviceToGatewayKind = (typeof deviceToGatewayKinds)[number];
export type GatewayToDeviceKind = (typeof gatewayToDeviceKinds)[number];
export type TopicKind = DeviceToGatewayKind | GatewayToDeviceKind;

export function deviceTopic(device: Address | string, kind: TopicKind): string {
  return `${MQTT_TOPIC_PREFIX}/${device.toLowerCase()}/${kind}`;
}

/** What the gateway subscribes to: every device's readings and questions. */
export const gatewaySubscriptions = deviceToGatewayKinds.map((kind) => `${MQTT_TOPIC_PREFIX}/+/${kind}`);

const TOPIC = new RegExp(`^pythia/v1/devices/(0x[0-9a-f]{40})/(${[...deviceToGatewayKinds, ...gatewayToDeviceKinds].join('|')})$`);

export const isDeviceToGatewayKind = (kind: TopicKind): kind is DeviceToGatewayKind =>
  (deviceToGatewayKinds as readonly string[]).includes(kind);
export const isGatewayToDeviceKind = (kind: TopicKind): kind is GatewayToDeviceKind =>
  (gatewayToDeviceKinds as readonly string[]).includes(kind);

/** Parses a topic of the scheme; undefined for any other topic (a device id must be lowercase). */
export function parseDeviceTopic(topic: string): { device: Address; kind: TopicKind } | undefined {
  const m = TOPIC.exec(topic);
  return m ? { device: m[1] as Address, kind: m[2] as TopicKind } : undefined;
}
