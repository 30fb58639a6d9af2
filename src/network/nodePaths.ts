import { join } from 'node:path';

/** Where everything of one node lives inside its folder (what one partner runs and backs up). */
export type NodePaths = {
  /** node.json: the node's own description. */
  nodeFile: string;
  /** geth's TOML config: peers and listen address. */
  gethConfig: string;
  /** A copy of the network's genesis, to initialise the node elsewhere. */
  genesis: string;
  /** The validator's signer key (Web3 Secret Storage v3, encrypted); empty for an observer. */
  keystoreDir: string;
  /** geth's data directory (chain, state, node key); 0700. */
  dataDir: string;
  /** The node's p2p identity key (hex), from which its enode is known. */
  nodeKey: string;
  /** The administration socket (0600, in the 0700 data directory). */
  ipcPath: string;
  /** Private runtime files (the passphrase FIFO while geth starts); 0700. */
  runDir: string;
  pidFile: string;
  logFile: string;
};

export function nodePaths(nodeDir: string): NodePaths {
  const dataDir = join(nodeDir, 'data');
  return {
    nodeFile: join(nodeDir, 'node.json'),
    gethConfig: join(nodeDir, 'config.toml'),
    genesis: join(nodeDir, 'genesis.json'),
    keystoreDir: join(nodeDir, 'keystore'),
    dataDir,
    nodeKey: join(dataDir, 'geth', 'nodekey'),
    ipcPath: join(dataDir, 'geth.ipc'),
    runDir: join(nodeDir, 'run'),
    pidFile: join(nodeDir, 'geth.pid'),
    logFile: join(nodeDir, 'geth.log'),
  };
}

/** Unix socket paths are limited to 108 bytes (104 on macOS); geth cannot open a longer one. */
export { MAX_IPC_PATH_LENGTH } from '../chain/ipcConnection.js';
