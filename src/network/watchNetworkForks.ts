import { setTimeout as sleep } from 'node:timers/promises';
import { defaultStalledForMs, healNetworkFork, type HealNetworkForkParameters, type HealNetworkForkReturnType } from './healNetworkFork.js';
import { readNetworkConfig } from './networkConfig.js';

export type WatchNetworkForksParameters = Omit<HealNetworkForkParameters, 'signal'> & {
  /** Stops the watch between heals (a heal under way finishes first). */
  signal: AbortSignal;
  /** Each deadlock mended. */
  onHealed: (result: Extract<HealNetworkForkReturnType, { outcome: 'healed' }>) => void;
  /**
   * Why a look could not heal (fewer than two validators run, a branch too deep to rewind, a node
   * that stopped answering): told once, again only when the reason changes or after a heal.
   */
  onRefused: (reason: string) => void;
  /** The pause after a refused look before the next (ms). Default: the stall time (healNetworkFork's). */
  retryMs?: number;
};

/**
 * `pythia network heal --watch`: heals Clique's deadlock whenever it happens, for an unattended
 * network. Looks again and again (each look waits the stall time; a moving chain costs two head
 * reads per validator a look); returns once `signal` is aborted.
 */
export async function watchNetworkForks(parameters: WatchNetworkForksParameters): Promise<void> {
  const { signal, onHealed, onRefused, retryMs, ...heal } = parameters;
  const pause = retryMs ?? heal.stalledForMs ?? defaultStalledForMs(readNetworkConfig(heal.dir).period);
  let lastRefusal: string | undefined;
  while (!signal.aborted) {
    try {
      const result = await healNetworkFork({ ...heal, signal });
      if (result.outcome === 'healed') {
        lastRefusal = undefined;
        onHealed(result);
      }
    } catch (error) {
      if (signal.aborted) return;
      const reason = (error as Error).message;
      if (reason !== lastRefusal) onRefused(reason);
      lastRefusal = reason;
      await sleep(pause, undefined, { signal }).catch(() => {});
    }
  }
}
