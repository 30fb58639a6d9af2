export {
  startMqttChannel,
  redact,
  DEFAULT_MQTT_PORT,
  DEFAULT_MAX_MESSAGE_BYTES,
  type MqttChannel,
  type MqttRefusal,
  type MqttStoredAck,
  type StartMqttChannelOptions,
} from './channel.js';
export { startEmbeddedBroker, GATEWAY_USERNAME, type EmbeddedBroker, type EmbeddedBrokerOptions } from './embeddedBroker.js';
export { checkConnectToken, connectTokenMessage, signConnectToken, type ConnectTokenCheck } from '../protocol/mqttConnectToken.js';
export { guardPacketSize } from './packetSizeGuard.js';
export {
  deviceTopic,
  gatewaySubscriptions,
  parseDeviceTopic,
  MQTT_TOPIC_PREFIX,
  deviceToGatewayKinds,
  gatewayToDeviceKinds,
  type DeviceToGatewayKind,
  type GatewayToDeviceKind,
  type TopicKind,
} from '../protocol/mqttTopics.js';
