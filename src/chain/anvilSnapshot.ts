import { existsSync, linkSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import { writeFileAtomic } from '../keystore/writeFileAtomic.js';

/**
 * The embedded chain's state on disk. Anvil's `anvil_dumpState` answers its state as gzip-compressed
 * JSON; `--load-state` reads plain JSON. Snapshots are kept as Anvil answers them (gzip: about a
 * sixth of the size, and its CRC-32 tells a damaged file from a good one) and unpacked at start.
 */
export const SNAPSHOT_FILE = 'state.json.gz';
/** The snapshot before the newest: the fallback when the newest cannot be read. */
export const PREVIOUS_SNAPSHOT_FILE = 'state.previous.json.gz';
/** Plain JSON written in place by Anvil's own `--state` (before snapshots were atomic): read once, then replaced. */
export const LEGACY_STATE_FILE = 'state.json';

export type AnvilSnapshot = {
  path: string;
  /** The state as `--load-state` reads it (plain JSON). */
  json: Buffer;
  /** Height of the chain's head in this state. */
  blockNumber: bigint;
};

/** A snapshot file that cannot be used, and why. */
export class SnapshotError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'SnapshotError';
  }
}

/** The snapshot files of a chain folder that exist, newest first. */
export function snapshotFiles(chainDir: string): string[] {
  return [SNAPSHOT_FILE, PREVIOUS_SNAPSHOT_FILE, LEGACY_STATE_FILE].map((name) => join(chainDir, name)).filter((path) => existsSync(path));
}

/**
 * Reads one snapshot file and checks that it is a whole Anvil state dump: the gzip stream complete
 * and its checksum right, the JSON an object that starts with the block environment, ends where
 * the dump ends and names the head block. Anvil parses it fully at start and may still refuse it.
 */
export function readAnvilSnapshot(path: string): AnvilSnapshot {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (error) {
    throw new SnapshotError(path, `cannot be read (${(error as Error).message})`);
  }
  let json = raw;
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      json = gunzipSync(raw);
    } catch (error) {
      throw new SnapshotError(path, `damaged or truncated gzip data (${(error as Error).message})`);
    }
  }
  if (!json.subarray(0, 10).toString('latin1').startsWith('{"block":')) throw new SnapshotError(path, 'not an Anvil state dump');
  if (json.subarray(-64).toString('latin1').trimEnd().at(-1) !== '}')
    throw new SnapshotError(path, `truncated (${json.length} bytes, the JSON does not end)`);
  const blockNumber = headBlockNumberOf(json);
  if (blockNumber === undefined) throw new SnapshotError(path, 'names no head block');
  return { path, json, blockNumber };
}

/** The head block of a state dump: `best_block_number`, or the block environment's number in older dumps. */
export function headBlockNumberOf(json: Buffer): bigint | undefined {
  const best = json.indexOf(BEST_BLOCK_KEY);
  if (best >= 0) {
    const match = /^"best_block_number":(\d+)[,}]/.exec(json.subarray(best, best + 48).toString('latin1'));
    if (match) return BigInt(match[1]!);
  }
  const head = /^\{"block":\{"number":"(0x[0-9a-fA-F]+)"/.exec(json.subarray(0, 64).toString('latin1'));
  return head ? BigInt(head[1]!) : undefined;
}

const BEST_BLOCK_KEY = '"best_block_number":';

/**
 * The beginning of a gzip-compressed state dump, unpacked up to its head block number: the block
 * environment, the accounts and `best_block_number` come before the blocks and transactions,
 * which are most of it. Saves need no more than that, and unpacking grows with the chain.
 */
export function readDumpHead(gzip: Uint8Array): Buffer {
  for (let length = 64 * 1024; ; length *= 4) {
    const whole = length >= gzip.length;
    const head = gunzipSync(gzip.subarray(0, length), whole ? {} : { finishFlush: constants.Z_SYNC_FLUSH });
    const best = head.indexOf(BEST_BLOCK_KEY);
    if (whole || (best >= 0 && /^"best_block_number":\d+[,}]/.test(head.subarray(best, best + 48).toString('latin1')))) return head;
  }
}

/** An account's nonce in a state dump, found without parsing the whole dump (undefined: no such account). */
export function accountNonceOf(json: Buffer, address: string): bigint | undefined {
  const key = `"${address.toLowerCase()}":{"nonce":`;
  const at = json.indexOf(key);
  if (at < 0) return undefined;
  const match = /^(\d+)/.exec(json.subarray(at + key.length, at + key.length + 24).toString('latin1'));
  return match ? BigInt(match[1]!) : undefined;
}

/**
 * Stores a new snapshot (gzip bytes as `anvil_dumpState` answers them) so that a crash at any
 * moment leaves a whole snapshot: the newest is first linked to PREVIOUS_SNAPSHOT_FILE (kept as
 * the fallback), then the new one is written beside, fsynced and renamed over it, and the folder
 * fsynced. The file named SNAPSHOT_FILE is therefore always a complete one.
 */
export async function writeAnvilSnapshot(chainDir: string, gzip: Uint8Array): Promise<void> {
  const current = join(chainDir, SNAPSHOT_FILE);
  if (existsSync(current)) {
    const aside = join(chainDir, `.${PREVIOUS_SNAPSHOT_FILE}.${process.pid}.tmp`);
    try {
      unlinkSync(aside);
    } catch {
      // usually absent
    }
    linkSync(current, aside);
    renameSync(aside, join(chainDir, PREVIOUS_SNAPSHOT_FILE));
  }
  await writeFileAtomic(current, gzip, { mode: 0o600 });
}

/** Removes what an interrupted save left beside the snapshots (temporary files). */
export function removeSnapshotLeftovers(chainDir: string): void {
  let names: string[];
  try {
    names = readdirSync(chainDir);
  } catch {
    return;
  }
  for (const name of names) {
    if (/^\.state\.((previous\.)?json\.gz|load)\..*\.tmp$/.test(name)) {
      try {
        unlinkSync(join(chainDir, name));
      } catch {
        // gone meanwhile
      }
    }
  }
}
