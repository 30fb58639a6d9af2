import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/pythia.js', import.meta.url));
const BUILD_SCRIPT = fileURLToPath(new URL('../../scripts/build-cli.mjs', import.meta.url));
let fresh = false;

/**
 * The path of the `pythia` command, as a user runs it (bin/pythia.js, which runs the compiled
 * build/cli/). The first call in a process compiles the sources again if they changed since the
 * last build, so that a test never runs an older CLI than the code it tests.
 */
export function pythiaBin(): string {
  if (!fresh) {
    const build = spawnSync(process.execPath, [BUILD_SCRIPT, '--if-stale'], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (build.status !== 0) throw new Error(`scripts/build-cli.mjs failed (exit ${build.status ?? build.signal})`);
    fresh = true;
  }
  return BIN;
}
