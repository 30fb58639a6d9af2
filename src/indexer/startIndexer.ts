import { join } from 'node:path';
import { createChainClients } from '../chain/clients.js';
import type { Deployment } from '../chain/deployment.js';
import { ChainFollower, type ChainChange } from './followChain.js';
import { indexedContracts } from './indexedContracts.js';
import type { IndexerStore, IndexReader } from './indexerStore.js';
import { PostgresIndexerStore } from './postgresIndexerStore.js';
import { IndexerDatabaseError, SqliteIndexerStore } from './sqliteIndexerStore.js';
import { redactDatabaseUrl } from './databaseUrl.js';

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
  /** The SQLite file (indexDatabasePath(dataDir) by default in `pythia up`); unused with databaseUrl. */
  databasePath: string;
  /** A PostgreSQL database instead (`--database-url`, checked by parseDatabaseUrl): the index in its own schema there. */
  databaseUrl?: string;
  /** The PostgreSQL password when the URL carries none. */
  databasePassword?: string;
  /** The gateway's finality: confirmations, and optionally the newest block final at a head (Anvil's saved block). */
  confirmations: number;
  finalBlockAt?: (head: number) => number;
  chunkBlocks?: number;
  pollMs?: number;
  onChange?: (change: ChainChange) => void;
  onError?: (error: unknown) => void;
};

export type StartIndexerReturnType = {
  store: IndexerStore & IndexReader;
  follower: ChainFollower;
  /** Stops following (the current step finishes) and closes the database. */
  stop: () => Promise<void>;
};

/** Opens (or resumes) the index in its SQLite file or PostgreSQL database and follows the chain in the background. */
export async function startIndexer(parameters: StartIndexerParameters): Promise<StartIndexerReturnType> {
  const { deployment } = parameters;
  const identity = deploymentIdentity(deployment);
  const contracts = contractsFingerprint(deployment.contracts);
  const store =
    parameters.databaseUrl === undefined
      ? new SqliteIndexerStore({ path: parameters.databasePath, identity, contracts })
      : await PostgresIndexerStore.open({
          url: parameters.databaseUrl,
          ...(parameters.databasePassword !== undefined && { password: parameters.databasePassword }),
          identity,
          contracts,
        }).catch((error: unknown) => {
          throw new IndexerDatabaseError(
            `cannot open the index in PostgreSQL at ${redactDatabaseUrl(parameters.databaseUrl!)}: ${(error as Error).message}`,
          );
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
      await store.close();
    },
  };
}
