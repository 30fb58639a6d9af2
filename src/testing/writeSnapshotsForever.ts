// Test helper run as its own process: writes snapshots of the state dump given in argv[3] (a gzip
// file) into the chain folder argv[2] with writeAnvilSnapshot, over and over, until it is killed.
// Says "writing" once the first is written.
import { readFileSync } from 'node:fs';
import { writeAnvilSnapshot } from '../chain/anvilSnapshot.js';

const [chainDir, source] = process.argv.slice(2);
if (!chainDir || !source) throw new Error('usage: writeSnapshotsForever.ts <chain-dir> <snapshot.json.gz>');
const gzip = readFileSync(source);
await writeAnvilSnapshot(chainDir, gzip);
process.stdout.write('writing\n');
for (;;) await writeAnvilSnapshot(chainDir, gzip);
