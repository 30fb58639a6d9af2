import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { withPrivateUmask } from '../processes/privateUmask.js';
import { join } from 'node:path';
import type { Hex } from 'viem';
import { encryptKeystore, writeFileAtomic, writeKeystoreFile } from '../keystore/index.js';
import type { GethBinary } from './findGeth.js';
import { gethConfigToml } from './gethConfigToml.js';
import { writeNodeConfig, type NodeConfig } from './networkConfig.js';
import { nodePaths } from './nodePaths.js';

export type WriteNodeFolderParameters = {
  /** Must not exist yet. */
  nodeDir: string;
  config: NodeConfig;
  /** The validator's signer key, stored only encrypted; none for an observer. */
  signerKey?: Hex;
  /** The node's p2p identity key (stored in clear in the 0700 data directory, as geth needs it). */
  nodeKey: Hex;
  passphrase?: string;
  /** keystore scrypt cost; the keystore default (geth's standard) unless a test wants speed. */
  scryptN?: number;
  genesisJson: string;
  staticNodes: readonly string[];
  geth: GethBinary;
};

/** Runs `geth init` on the node's data directory with the network's genesis. */
async function gethInit(geth: GethBinary, dataDir: string, genesisPath: string): Promise<void> {
  const child = withPrivateUmask(() =>
    spawn(geth.path, ['init', '--datadir', dataDir, '--state.scheme', 'hash', genesisPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`geth init of ${dataDir} failed (code ${code}): ${output.trim().split('\n').slice(-5).join('\n')}`);
}

/**
 * One node's folder, complete: node.json, geth's config.toml (listen address and static peers),
 * the genesis, the encrypted signer key (validators), the node key, and geth's data directory
 * initialised with the genesis. Everything a partner needs to run the node, and nothing of anyone else's.
 */
export async function writeNodeFolder(parameters: WriteNodeFolderParameters): Promise<void> {
  const { nodeDir, config, signerKey, nodeKey, passphrase, scryptN, genesisJson, staticNodes, geth } = parameters;
  const paths = nodePaths(nodeDir);
  mkdirSync(nodeDir, { mode: 0o700 });
  mkdirSync(paths.keystoreDir, { mode: 0o700 });
  mkdirSync(join(paths.dataDir, 'geth'), { recursive: true, mode: 0o700 });
  if (config.node.role === 'validator') {
    if (!signerKey || passphrase === undefined) throw new Error(`${config.node.name}: a validator needs its signer key and a passphrase`);
    const keystore = await encryptKeystore(signerKey, passphrase, scryptN ? { scryptN } : {});
    await writeKeystoreFile(join(paths.keystoreDir, 'signer.json'), keystore);
  }
  await writeFileAtomic(paths.nodeKey, nodeKey.slice(2), { mode: 0o600 });
  await writeFileAtomic(paths.genesis, genesisJson, { mode: 0o600 });
  await writeFileAtomic(paths.gethConfig, gethConfigToml({ listenAddr: `${config.node.host}:${config.node.ports.p2p}`, staticNodes }), {
    mode: 0o600,
  });
  await writeNodeConfig(nodeDir, config);
  await gethInit(geth, paths.dataDir, paths.genesis);
}
