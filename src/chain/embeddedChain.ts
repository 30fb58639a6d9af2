import { existsSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { terminateProcess } from '../processes/terminateProcess.js';
import { AnvilStateRejectedError, DEFAULT_CHAIN_ID, startAnvil, type StartAnvilReturnType } from './anvil.js';
import { anvilIpcPath, anvilPidRecord, findOrphanAnvils, removeAnvilPidFile, writeAnvilPidFile } from './anvilPidFile.js';
import { callRpc } from './anvilRpc.js';
import {
  type AnvilSnapshot,
  LEGACY_STATE_FILE,
  readAnvilSnapshot,
  removeSnapshotLeftovers,
  SnapshotError,
  snapshotFiles,
} from './anvilSnapshot.js';
import { type AnvilStateSaver, startAnvilStateSaver } from './anvilStateSaver.js';
import { type SavedBlock, saveAnvilState } from './saveAnvilState.js';

/** How often the embedded chain's state is saved when it moved (ms). */
export const DEFAULT_CHAIN_SAVE_INTERVAL_MS = 1_000;
/** Restarts of a chain that keeps dying, within RESTART_WINDOW_MS, before the node gives up. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;

export type StartEmbeddedChainParameters = {
  /** The chain folder (`<data dir>/chain`). The caller holds the data directory's lock. */
  chainDir: string;
  chainId?: number;
  saveIntervalMs?: number;
  onProgress?: (message: string) => void;
  /** Each time a snapshot is on disk: blocks up to `saved.number` are now durable. */
  onSaved?: (saved: SavedBlock) => void;
  /** The chain died and could not be brought back: the node cannot go on. */
  onFatal?: (error: Error) => void;
};

export type EmbeddedChain = {
  /** The IPC socket `<chainDir>/anvil.ipc` (0600): the only way to the chain (docs/security.md, "Chain RPC"). */
  rpcUrl: string;
  chainId: number;
  /** Pid of the Anvil process now running. */
  pid: () => number;
  /** Whether Anvil dies with this process even on kill -9 (Linux setpriv --pdeathsig). */
  diesWithParent: boolean;
  /**
   * The highest block whose state is on disk: if the chain dies now it restarts from there, and
   * blocks above it are gone. Undefined until the first save of a new chain.
   */
  lastSavedBlock: () => SavedBlock | undefined;
  /** Saves the state now (e.g. after a change that mined no block, such as anvil_setBalance). */
  save: () => Promise<SavedBlock>;
  /** Saves the state, stops Anvil and removes its pid file. */
  stop: () => Promise<void>;
};

/** No snapshot of the chain folder could be loaded: starting an empty chain over it would lose it. */
export class ChainStateUnreadableError extends Error {
  constructor(
    readonly chainDir: string,
    readonly reasons: string[],
  ) {
    super(
      `no saved state of the chain in ${chainDir} can be loaded:\n  ${reasons.join('\n  ')}\n` +
        'Refusing to start an empty chain over it. Move these files away to start a new chain (the contracts are deployed again).',
    );
    this.name = 'ChainStateUnreadableError';
  }
}

/**
 * The embedded Anvil of `pythia up`, made safe to crash: started from its newest readable snapshot
 * (falling back to the previous one, with a message), saved atomically through `anvil_dumpState`
 * every `saveIntervalMs` when it moved and on stop, killed by the kernel when this process dies,
 * recorded in `chain/anvil.pid`, and restarted from its last snapshot if it dies on its own. An
 * orphan Anvil of this folder (left by a crash) is saved from and stopped first. It is reached
 * only through its IPC socket `anvil.ipc` (0600); its HTTP listener is in a network namespace of
 * its own (startAnvil's ipcPath), and where none can be made it is not started (ChainIsolationError).
 */
export async function startEmbeddedChain(parameters: StartEmbeddedChainParameters): Promise<EmbeddedChain> {
  const { chainDir } = parameters;
  const ipcPath = anvilIpcPath(chainDir);
  const chainId = parameters.chainId ?? DEFAULT_CHAIN_ID;
  const intervalMs = parameters.saveIntervalMs ?? DEFAULT_CHAIN_SAVE_INTERVAL_MS;
  const progress = parameters.onProgress ?? (() => {});
  mkdirSync(chainDir, { recursive: true, mode: 0o700 });
  await stopOrphans(chainDir, progress);

  let anvil: StartAnvilReturnType;
  let saver: AnvilStateSaver;
  let stopping = false;
  let restarting: Promise<void> | undefined;
  const restarts: number[] = [];

  const launch = async () => {
    const started = await startFromSnapshot({ chainDir, ipcPath, chainId, progress });
    anvil = started.anvil;
    writeAnvilPidFile(chainDir, anvilPidRecord(anvil.pid, anvil.rpcUrl));
    saver = startAnvilStateSaver({
      rpcUrl: anvil.rpcUrl,
      chainDir,
      intervalMs,
      ...(started.initial && { initial: started.initial }),
      onSaved: (saved) => {
        removeLegacyState(chainDir);
        parameters.onSaved?.(saved);
      },
      onError: (error) => progress(`could not save the chain state: ${error.message}`),
    });
    const current = anvil;
    void current.exited.then(({ code, signal }) => {
      if (stopping || current !== anvil) return;
      restarting = restart(current, signal ?? `exit code ${code}`);
    });
  };

  const restart = async (dead: StartAnvilReturnType, how: string) => {
    await saver.stop();
    removeAnvilPidFile(chainDir, dead.pid);
    const now = Date.now();
    restarts.push(now);
    while (restarts[0]! < now - RESTART_WINDOW_MS) restarts.shift();
    const saved = saver.lastSaved();
    if (restarts.length > MAX_RESTARTS) {
      parameters.onFatal?.(new Error(`the embedded chain died ${restarts.length} times within a minute (last: ${how}); giving up`));
      return;
    }
    progress(
      `the embedded chain (Anvil, pid ${dead.pid}) stopped unexpectedly (${how}); restarting it from its saved state` +
        `${saved ? ` (block ${saved.number}; later blocks are lost)` : ''}`,
    );
    try {
      await launch();
    } catch (error) {
      parameters.onFatal?.(error as Error);
    }
  };

  await launch();
  const rpcUrl = anvil!.rpcUrl;
  return {
    rpcUrl,
    chainId,
    pid: () => anvil.pid,
    diesWithParent: anvil!.diesWithParent,
    lastSavedBlock: () => saver.lastSaved(),
    save: () => saver.saveNow(),
    stop: async () => {
      stopping = true;
      await restarting;
      await saver.stop();
      if (anvil.process.exitCode === null && anvil.process.signalCode === null) {
        await saver.flush().catch((error: Error) => progress(`could not save the chain state on stop: ${error.message}`));
      }
      await anvil.stop();
      removeAnvilPidFile(chainDir, anvil.pid);
    },
  };
}

/**
 * Starts Anvil from the newest snapshot it accepts. Each one that cannot be used is named with
 * its reason; none usable while some exist is an error, never an empty chain.
 */
async function startFromSnapshot(input: {
  chainDir: string;
  ipcPath: string;
  chainId: number;
  progress: (message: string) => void;
}): Promise<{ anvil: StartAnvilReturnType; initial?: SavedBlock }> {
  const { chainDir, ipcPath, chainId, progress } = input;
  removeSnapshotLeftovers(chainDir);
  const files = snapshotFiles(chainDir);
  const reasons: string[] = [];
  for (const path of files) {
    let snapshot: AnvilSnapshot;
    try {
      snapshot = readAnvilSnapshot(path);
    } catch (error) {
      if (!(error instanceof SnapshotError)) throw error;
      reasons.push(error.message);
      continue;
    }
    let anvil: StartAnvilReturnType;
    try {
      anvil = await startAnvil({ ipcPath, chainId, state: snapshot.json, workDir: chainDir });
    } catch (error) {
      if (!(error instanceof AnvilStateRejectedError)) throw error;
      reasons.push(`${path}: ${error.message}`);
      continue;
    }
    const head = await callRpc<{ number: `0x${string}`; hash: `0x${string}` }>(anvil.rpcUrl, 'eth_getBlockByNumber', ['latest', false]);
    if (BigInt(head.number) !== snapshot.blockNumber) {
      await anvil.stop();
      throw new Error(`anvil loaded ${path} but stands at block ${BigInt(head.number)}, not its head ${snapshot.blockNumber}`);
    }
    if (reasons.length > 0) {
      progress(
        `the newest chain state cannot be used:\n  ${reasons.join('\n  ')}\nstarted from ${path} instead (block ${snapshot.blockNumber})`,
      );
    }
    const file = statSync(path);
    return {
      anvil,
      initial: { number: snapshot.blockNumber, hash: head.hash, savedAt: file.mtime, bytes: file.size, durationMs: 0 },
    };
  }
  if (files.length > 0) throw new ChainStateUnreadableError(chainDir, reasons);
  return { anvil: await startAnvil({ ipcPath, chainId, workDir: chainDir }) };
}

/** Saves what an orphan Anvil of this folder holds beyond the last snapshot, then stops it. */
async function stopOrphans(chainDir: string, progress: (message: string) => void): Promise<void> {
  for (const orphan of findOrphanAnvils(chainDir)) {
    progress(
      `found the chain of this data directory still running without its node (pid ${orphan.identity.pid}): saving its state and stopping it`,
    );
    if (orphan.rpcUrl) {
      try {
        const saved = await saveAnvilState({ rpcUrl: orphan.rpcUrl, chainDir, timeoutMs: 60_000 });
        progress(`saved its state up to block ${saved.number}`);
      } catch (error) {
        progress(`could not save its state (${(error as Error).message}); the last snapshot stands`);
      }
    }
    await terminateProcess(orphan.identity);
  }
}

/** Anvil's own in-place `state.json` of older versions, once a snapshot supersedes it. */
function removeLegacyState(chainDir: string): void {
  const legacy = join(chainDir, LEGACY_STATE_FILE);
  if (!existsSync(legacy)) return;
  try {
    unlinkSync(legacy);
  } catch {
    // kept; it is only read when no snapshot is
  }
}
