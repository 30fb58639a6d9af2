// Test helper run as its own process: takes the lock of the data directory named in argv[2], says
// "locked" on stdout and holds it until killed. (The tests kill it with SIGKILL.)
import { lockDataDir } from '../stack/lockDataDir.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: holdDataDir.ts <data-dir>');
lockDataDir({ dataDir, command: 'holdDataDir test helper' }).setEndpoints({ gateway: 'http://127.0.0.1:1' });
process.stdout.write('locked\n');
setInterval(() => {}, 60_000);
