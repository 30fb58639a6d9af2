import { isProcessRunning, type ProcessIdentity } from './processIdentity.js';

/**
 * Stops the process `identity` names (never a later one that reused its pid): SIGTERM, then
 * SIGKILL once `graceMs` has passed. Resolves when it is gone.
 */
export async function terminateProcess(identity: ProcessIdentity, { graceMs = 5_000 }: { graceMs?: number } = {}): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    if (!isProcessRunning(identity)) return false;
    try {
      process.kill(identity.pid, name);
      return true;
    } catch {
      return false;
    }
  };
  if (!signal('SIGTERM')) return;
  const termDeadline = Date.now() + graceMs;
  while (isProcessRunning(identity) && Date.now() < termDeadline) await sleep(50);
  if (!signal('SIGKILL')) return;
  const killDeadline = Date.now() + 5_000;
  while (isProcessRunning(identity)) {
    if (Date.now() > killDeadline) throw new Error(`process ${identity.pid} is still running after SIGKILL`);
    await sleep(20);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
