import { resolve } from 'node:path';
import type { LocalAccount } from 'viem';
import { createChainClients, type ChainClients } from '../chain/clients.js';
import { readDeployment, type Deployment } from '../chain/deployment.js';
import { loadRoleKey, type RoleName } from '../chain/roleKeys.js';
import { CliError } from './output.js';
import { resolvePassphrase } from './passphrase.js';

export const DEFAULT_DATA_DIR = '.pythia';

export type CommandContext = { dataDir: string; deployment: Deployment } & ChainClients;

export function resolveDataDir(dataDir: string | undefined): string {
  return resolve(dataDir ?? process.env.PYTHIA_DATA_DIR ?? DEFAULT_DATA_DIR);
}

/** Reads deployment.json of the data dir and connects to its chain (DeploymentFileError when it has none). */
export function loadContext(options: { dataDir?: string }): CommandContext {
  const dataDir = resolveDataDir(options.dataDir);
  // A missing or broken deployment.json is reported by the CLI's error path (failure.ts).
  const deployment: Deployment = readDeployment(dataDir);
  // One retry: a node that is up answers; one that is down is reported in a fraction of a second, not after viem's backoff.
  return { dataDir, deployment, ...createChainClients({ chainId: deployment.chainId, rpcUrl: deployment.rpcUrl, retryCount: 1 }) };
}

/** The key of one role, decrypted with the passphrase. */
export async function loadRoleAccount(context: CommandContext, role: RoleName): Promise<LocalAccount> {
  const passphrase = await resolvePassphrase(`${role} key`);
  try {
    return await loadRoleKey(context.dataDir, role, passphrase);
  } catch (error) {
    throw new CliError(`cannot open the ${role} key: ${(error as Error).message}`);
  }
}
