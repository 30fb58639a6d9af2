import { join } from 'node:path';
import { createChainClients } from '../chain/clients.js';
import type { Deployment } from '../chain/deployment.js';
import { ChainFollower, type ChainChange } from './followChain.js';
import { indexedContracts } from './indexedContracts.js';
import { SqliteIndexerStore } from './sqliteIndexerStore.js';

/** The index database's file name in the data directory. */
export const INDEX_DATABASE_FILE = 'index.sqlite';

export function indexDatabasePath(dataDir: string): string {
  return join(dataDir, INDEX_DATABASE_FILE);
}

/** What an index belongs to: a database holding another chain's or deployment's rows is refused. */
export function deploymentIdentity(deployment: Pick<Deployment, 'chainId' | 'contracts'>): string {
  return `${deployment.chainId}:${deployment.contracts.fleet.toLowerCase()}`;
}

/** The followed contracts, by name and address, in a fixed order: a change makes the index read again. */
export function contractsFingerprint(contracts: Deployment['contracts']): string {
  return indexedContracts(contracts)
    .map((c) => `${c.name}=${c.address.toLowerCase()}`)
    .join(',');
}

export type StartIndexerParameters = {
  deployment: Deployment;
  /** The SQLite file (indexDatabasePath(dataDir) by default in `pythia up`). */
  databasePath: string;
  /** The gateway's finality: confirmations, and optionally the newest block final at a head (Anvil's saved block). */
  confirmations: number;
  finalBlockAt?: (head: number) => number;
  chunkBlocks?: number;
  pollMs?: number;
  onChange?: (change: ChainChange) => void;
  onError?: (error: unknown) => void;
};

export type StartIndexerReturnType = {
  store: SqliteIndexerStore;
  follower: ChainFollower;
  /** Stops following (the current step finishes) and closes the database. */
  stop: () => Promise<void>;
};

/** Opens (or resumes) the index in its SQLite file and follows the chain in the background. */
export function startIndexer(parameters: StartIndexerParameters): StartIndexerReturnType {
  const { deployment } = parameters;
  const store = new SqliteIndexerStore({
    path: parameters.databasePath,
    identity: deploymentIdentity(deployment),
    contracts: contractsFingerprint(deployment.contracts),
  });
  const { publicClient } = createChainClients({ chainId: deployment.chainId, rpcUrl: deployment.rpcUrl });
  const follower = new ChainFollower({
    client: publicClient,
    store,
    contracts: indexedContracts(deployment.contracts),
    startBlock: deployment.deploymentBlock,
    confirmations: parameters.confirmations,
    ...(parameters.finalBlockAt && { finalBlockAt: parameters.finalBlockAt }),
    ...(parameters.chunkBlocks !== undefined && { chunkBlocks: parameters.chunkBlocks }),
    ...(parameters.onChange && { onChange: parameters.onChange }),
  });
  const running = follower.run({
    ...(parameters.pollMs !== undefined && { pollMs: parameters.pollMs }),
    ...(parameters.onError && { onError: parameters.onError }),
  });
  return {
    store,
    follower,
    stop: async () => {
      follower.stop();
      await running;
      store.close();
    },
  };
}
