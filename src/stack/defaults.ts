/**
 * A node's defaults, in a module of their own so that `pythia up --help` can show them without
 * loading the gateway, the database and the broker.
 */
export const DEFAULT_GATEWAY_PORT = 8780;
