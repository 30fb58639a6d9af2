/**
 * The MQTT channel's defaults, in a module of their own so that a command's --help can show them
 * without loading the MQTT client and broker.
 */
export const DEFAULT_MQTT_PORT = 1883;
