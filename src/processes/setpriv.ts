import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

let setprivLookup: string | null | undefined;
/** util-linux's setpriv (Linux), which starts a program with a parent-death signal set. */
export function setprivPath(): string | undefined {
  if (setprivLookup === undefined) {
    setprivLookup = null;
    if (process.platform === 'linux') {
      for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/bin']) {
        if (!dir) continue;
        try {
          accessSync(join(dir, 'setpriv'), constants.X_OK);
          setprivLookup = join(dir, 'setpriv');
          break;
        } catch {
          // not here
        }
      }
    }
  }
  return setprivLookup ?? undefined;
}
