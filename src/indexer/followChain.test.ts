import { after, before } from 'node:test';
import { followerContractTests, sqliteStoreKind } from '../testing/indexerStoreContract.js';
import { startIndexerChain, type IndexerChain } from './testKit.js';

// The follower over the SQLite store (in memory); postgresIndexerStore.test.ts runs the same cases over PostgreSQL.
let kit: IndexerChain;

before(async () => {
  kit = await startIndexerChain({ deviceCount: 3 });
});

after(async () => {
  await kit?.chain.stop();
});

followerContractTests(sqliteStoreKind(), () => kit);
