import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const programLookups = new Map<string, string | undefined>();
/** A util-linux program (Linux only): its path, or undefined when it is not installed. */
export function linuxProgram(name: string): string | undefined {
  if (!programLookups.has(name)) {
    let found: string | undefined;
    if (process.platform === 'linux') {
      for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/bin']) {
        if (!dir) continue;
        try {
          accessSync(join(dir, name), constants.X_OK);
          found = join(dir, name);
          break;
        } catch {
          // not here
        }
      }
    }
    programLookups.set(name, found);
  }
  return programLookups.get(name);
}

/** util-linux's setpriv (Linux), which starts a program with a parent-death signal set. */
export function setprivPath(): string | undefined {
  return linuxProgram('setpriv');
}
