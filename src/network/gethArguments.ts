import type { NodeConfig } from './networkConfig.js';
import type { NodePaths } from './nodePaths.js';

export type GethArgumentsParameters = {
  config: NodeConfig;
  paths: NodePaths;
  /** Where geth reads the keystore passphrase (a FIFO the starter writes once); validators only. */
  passwordFile?: string;
  /**
   * A validator seals from the start (`--mine`). Default true; false when startNetwork starts
   * several and then their sealing together over IPC (startSealing.ts says why).
   */
  sealAtStart?: boolean;
};

/** The only JSON-RPC namespaces on an observer's HTTP: no admin, personal, clique, debug, txpool, miner. */
export const HTTP_APIS = 'eth,net,web3';
/** Host headers HTTP accepts (DNS-rebinding guard); there is no CORS origin at all. */
export const HTTP_VHOSTS = 'localhost,127.0.0.1';
/**
 * The lowest priority fee (wei) a node's pool takes from its peers and its miner puts in a block.
 * geth's default, 1 gwei, makes every sealing node refuse the transactions its peers pass on below
 * it (only those sent to itself over RPC are exempt): a transaction then reaches a block only when
 * the node it was sent to seals, one block in N, and gossip is dead (seen: a gateway's batches in
 * every third block of 3 validators). Fees are no one's income on this chain (Clique seals with a
 * zero coinbase), and the base fee still prices the blocks' space.
 */
export const MIN_PRIORITY_FEE_WEI = 1n;

/**
 * How often (s) a sealing validator builds its next block again from scratch when transactions
 * came meanwhile (geth's `--miner.recommit`, default 2 s): twice the period. geth re-executes the
 * whole block at each recommit; with the default on a 2 s period that came when the in-turn
 * validator was about to seal, so every block was executed once more and sealed late (blocks
 * every 2.36 s instead of 2 under load). Transactions that arrive after a block was built go into
 * the next one, as they do on a 1 s period anyway.
 */
export function minerRecommitSeconds(period: number): number {
  return Math.max(2, 2 * period);
}

/**
 * The command line of one geth node. Crash safety: `--gcmode archive` writes the state of every
 * block (with the default, a kill -9 rewinds the head to the last flushed state; docs/network.md).
 * Exposure: a validator has no HTTP at all: its signer key is unlocked (Clique seals with it), and
 * geth's `eth` namespace would let any caller of it `eth_sendTransaction` or `eth_sign` with that
 * key; it answers only on its IPC socket (0600 in the 0700 data directory), the node's own user's.
 * An observer (no key) serves HTTP on 127.0.0.1 with eth, net and web3 only, strict virtual hosts
 * and no CORS. Administration (clique votes, peers) only on the IPC socket; the engine API (unused
 * by Clique, JWT-authenticated) on 127.0.0.1; no discovery, peers only from the static list and the
 * netrestrict networks.
 * Gossip: every node takes its peers' transactions at any priority fee (MIN_PRIORITY_FEE_WEI).
 * Sealing: a block is built once per head, not again before the next (minerRecommitSeconds);
 * validators started together seal only once they joined each other (startSealing.ts).
 */
export function gethArguments({ config, paths, passwordFile, sealAtStart = true }: GethArgumentsParameters): string[] {
  const { node } = config;
  const args = [
    '--config',
    paths.gethConfig,
    '--datadir',
    paths.dataDir,
    '--ipcpath',
    paths.ipcPath,
    '--networkid',
    String(config.chainId),
    '--syncmode',
    'full',
    '--gcmode',
    'archive',
    '--state.scheme',
    'hash',
    '--nodiscover',
    '--nat',
    'none',
    '--netrestrict',
    config.netrestrict,
    '--authrpc.addr',
    '127.0.0.1',
    '--authrpc.port',
    String(node.ports.authrpc),
    '--miner.gaslimit',
    config.gasLimit.toString(),
    '--miner.gasprice',
    MIN_PRIORITY_FEE_WEI.toString(),
    '--miner.recommit',
    `${minerRecommitSeconds(config.period)}s`,
  ];
  if (node.role === 'observer') {
    args.push(
      '--http',
      '--http.addr',
      '127.0.0.1',
      '--http.port',
      String(node.ports.http),
      '--http.api',
      HTTP_APIS,
      '--http.vhosts',
      HTTP_VHOSTS,
    );
  }
  if (node.role === 'validator') {
    if (!passwordFile) throw new Error(`${node.name} is a validator: geth needs the passphrase of its signer key`);
    args.push('--keystore', paths.keystoreDir, '--unlock', node.address!, '--password', passwordFile, '--miner.etherbase', node.address!);
    if (sealAtStart) args.push('--mine');
  }
  return args;
}
