export type GethConfigTomlParameters = {
  /** host:port the node listens on for peers (geth has no flag for the address, only for the port). */
  listenAddr: string;
  /** enode URLs of every other node: dialled at start and re-dialled whenever the connection drops. */
  staticNodes: readonly string[];
};

const tomlString = (value: string) => JSON.stringify(value);

/** geth's TOML config for a node: its p2p listen address and static peers (discovery is off). */
export function gethConfigToml({ listenAddr, staticNodes }: GethConfigTomlParameters): string {
  return [
    '# Written by `pythia network`; rewritten when a node is added. The other settings are',
    '# command-line flags (see docs/network.md, "What runs").',
    '[Node.P2P]',
    `ListenAddr = ${tomlString(listenAddr)}`,
    'NoDiscovery = true',
    `StaticNodes = [${staticNodes.map(tomlString).join(', ')}]`,
    '',
  ].join('\n');
}
