import { callRpc } from './anvilRpc.js';
import { saveAnvilState, type SavedBlock } from './saveAnvilState.js';

export type StartAnvilStateSaverParameters = {
  rpcUrl: string;
  chainDir: string;
  /** How often to look whether the chain moved, and save it if so (ms). */
  intervalMs: number;
  /** The block already on disk (the state the chain was started from). */
  initial?: SavedBlock;
  onSaved?: (saved: SavedBlock) => void;
  onError?: (error: Error) => void;
};

export type AnvilStateSaver = {
  lastSaved: () => SavedBlock | undefined;
  /** Saves now (after a save in progress), whether or not a block was mined: e.g. after anvil_setBalance. */
  saveNow: () => Promise<SavedBlock>;
  /** Saves now if the chain moved since the last save (after a save in progress). */
  flush: () => Promise<SavedBlock | undefined>;
  /** Stops the periodic saves (waits for one in progress). */
  stop: () => Promise<void>;
};

/**
 * Saves the chain every `intervalMs` when its head moved. A save never takes more than about a
 * quarter of the time: with a large state the interval stretches to 3 × the last save's duration.
 */
export function startAnvilStateSaver(parameters: StartAnvilStateSaverParameters): AnvilStateSaver {
  const { rpcUrl, chainDir, intervalMs } = parameters;
  let last = parameters.initial;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const save = async (force: boolean): Promise<SavedBlock | undefined> => {
    if (!force) {
      const latest = await callRpc<{ hash: `0x${string}` } | null>(rpcUrl, 'eth_getBlockByNumber', ['latest', false], 10_000);
      if (last && latest?.hash === last.hash) return undefined;
    }
    const saved = await saveAnvilState({ rpcUrl, chainDir });
    last = saved;
    parameters.onSaved?.(saved);
    return saved;
  };
  const serialised = <T>(run: () => Promise<T>): Promise<T> => {
    const result = queue.then(run);
    queue = result.catch(() => {});
    return result;
  };
  const tick = async () => {
    timer = undefined;
    try {
      await serialised(() => save(false));
    } catch (error) {
      if (!stopped) parameters.onError?.(error as Error);
    }
    if (!stopped) timer = setTimeout(tick, Math.max(intervalMs, 3 * (last?.durationMs ?? 0))).unref();
  };
  timer = setTimeout(tick, intervalMs).unref();

  return {
    lastSaved: () => last,
    saveNow: () => serialised(async () => (await save(true))!),
    flush: () => serialised(() => save(false)),
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await queue;
    },
  };
}
