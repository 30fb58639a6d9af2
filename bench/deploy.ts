import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startAnvil } from '../src/chain/anvil.js';
import { createChainClients } from '../src/chain/clients.js';
import { deployPythia, ROLE_FUNDING } from '../src/chain/deploy.js';
import { loadOrCreateRoleKeys, ROLE_NAMES, type RoleAccounts } from '../src/chain/roleKeys.js';
import { LIGHT_SCRYPT } from '../src/keystore/index.js';
import { initSingleNodeChain, startSingleNodeChain } from '../src/network/singleNodeChain.js';

export type DeployFigures = { chain: string; seconds: number; transactions: number };

/** Seconds deployPythia takes on a fresh chain, and the transactions it sent (the role accounts' nonces). */
async function timeDeploy(
  chain: string,
  rpcUrl: string,
  chainId: number,
  roles: RoleAccounts,
  embeddedChain: boolean,
): Promise<DeployFigures> {
  const { publicClient } = createChainClients({ chainId, rpcUrl });
  const sent = async () => {
    let count = 0;
    for (const role of ROLE_NAMES) count += await publicClient.getTransactionCount({ address: roles[role].address });
    return count;
  };
  const before = await sent();
  const started = performance.now();
  await deployPythia({ rpcUrl, chainId, roles, gatewayUrl: 'http://127.0.0.1:0', embeddedChain });
  return { chain, seconds: (performance.now() - started) / 1000, transactions: (await sent()) - before };
}

/**
 * The time of a whole deployment of Pythia's contracts (what the first `pythia up` waits for):
 * on the node's own geth Clique validator (a block a second, `pythia up`'s default chain), on an
 * Anvil mining a block a second, and on an instantly mining Anvil (`pythia demo`, the tests).
 */
export async function measureDeploy(onProgress: (line: string) => void = () => {}): Promise<DeployFigures[]> {
  const root = mkdtempSync(join(tmpdir(), 'pythia-bench-deploy-'));
  const figures: DeployFigures[] = [];
  try {
    const passphrase = randomBytes(16).toString('hex');
    const roles = await loadOrCreateRoleKeys({ dataDir: join(root, 'pythia'), passphrase, scryptN: LIGHT_SCRYPT.n });
    const chainDir = join(root, 'chain');
    await initSingleNodeChain({
      chainDir,
      passphrase,
      fund: Object.fromEntries(ROLE_NAMES.map((role) => [roles[role].address, ROLE_FUNDING])),
      scryptN: LIGHT_SCRYPT.n,
    });
    const geth = await startSingleNodeChain({ chainDir, passphrase });
    try {
      figures.push(await timeDeploy('geth Clique, 1 s blocks', geth.rpcUrl, geth.chainId, roles, false));
      onProgress(`deploy on geth: ${figures.at(-1)!.seconds.toFixed(1)} s`);
    } finally {
      await geth.stop();
    }
    for (const blockTime of [1, 0]) {
      const anvil = await startAnvil(blockTime ? { blockTime } : {});
      try {
        const chain = blockTime ? 'Anvil, 1 s blocks' : 'Anvil, instant mining';
        figures.push(await timeDeploy(chain, anvil.rpcUrl, anvil.chainId, roles, true));
        onProgress(`deploy on ${chain}: ${figures.at(-1)!.seconds.toFixed(1)} s`);
      } finally {
        await anvil.stop();
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return figures;
}

export function formatDeployFigures(figures: readonly DeployFigures[]): string[] {
  return [
    'deploy (all contracts, wired; the first `pythia up`)',
    ...figures.map((f) => `  ${f.chain.padEnd(24)} ${f.seconds.toFixed(1).padStart(6)} s  (${f.transactions} transactions)`),
  ];
}
