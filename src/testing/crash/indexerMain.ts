/**
 * An indexer as its own process, for crash tests: reads its configuration (JSON) from the
 * PYTHIA_CRASH_INDEXER environment variable, prints `ready` and follows the chain until killed.
 */
import { startIndexer, type StartIndexerParameters } from '../../indexer/startIndexer.js';

const raw = process.env.PYTHIA_CRASH_INDEXER;
if (!raw) {
  process.stderr.write('PYTHIA_CRASH_INDEXER is not set\n');
  process.exit(2);
}
const options = JSON.parse(raw) as Omit<StartIndexerParameters, 'onChange' | 'onError'>;
await startIndexer({ ...options, onError: (error) => process.stderr.write(`indexer: ${(error as Error).message}\n`) });
process.stdout.write('ready\n');
