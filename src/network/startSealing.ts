import { setTimeout as sleep } from 'node:timers/promises';
import { getAddress, type Address, type Hex } from 'viem';
import { createIpcClient, type IpcClient } from './ipcClient.js';

/** A validator geth runs without sealing yet (started with sealAtStart false). */
export type IdleValidator = {
  name: string;
  ipcPath: string;
  /** Its Clique signer, unlocked by geth at start. */
  signer: Address;
};

export type StartSealingParameters = {
  validators: readonly IdleValidator[];
  /** How many peers each should have: every other node of the network that runs. */
  peers: number;
  /** How long to wait for the peers before sealing with whoever is there. Default 10 s. */
  joinGraceMs?: number;
  /** Fails after this long. Default 60 s. */
  timeoutMs?: number;
  onProgress?: (message: string) => void;
};

export type StartSealingReturnType = {
  /** Every validator had all its peers before sealing (false: the grace ran out). */
  joined: boolean;
  /** The validator whose turn the next block is, started last (undefined: none of those started). */
  inTurn?: string;
  waitedMs: number;
};

/**
 * The order in which validators start sealing: every one out of turn for the next block first,
 * then the one in turn. Clique's in-turn validator seals at once; a geth node that is not
 * sealing yet counts itself as still syncing and throws away the blocks its peers propagate,
 * keeping the parent's total difficulty as theirs, so it never syncs to them and goes on to seal
 * its own block at the same height. Three validators once stood each on its own block 1 that
 * way, for over a minute (a validator may not seal twice in a row). Started in this order, every
 * block the in-turn validator seals reaches validators that take it, and its total difficulty
 * (in turn: 2) wins over any out-of-turn block (1) sealed meanwhile.
 */
export function sealingOrder(validators: readonly IdleValidator[], signers: readonly Address[], nextBlock: bigint): IdleValidator[] {
  const inTurn = inTurnSigner(signers, nextBlock);
  const isInTurn = (v: IdleValidator) => getAddress(v.signer) === inTurn;
  return [...validators.filter((v) => !isInTurn(v)), ...validators.filter(isInTurn)];
}

/** Clique's turn: the signers sorted by address, the block number modulo their count. */
export function inTurnSigner(signers: readonly Address[], block: bigint): Address | undefined {
  const sorted = signers.map((s) => getAddress(s)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  return sorted.length > 0 ? sorted[Number(block % BigInt(sorted.length))] : undefined;
}

async function unlocked(client: IpcClient, signer: Address): Promise<boolean> {
  // eth_sign answers (on IPC only) once geth has unlocked the key.
  return client.request<Hex>('eth_sign', [signer, '0x']).then(
    () => true,
    () => false,
  );
}

/**
 * Starts sealing on validators that geth started without `--mine` (several at once: `pythia
 * network up`): waits until each has unlocked its key and is connected to every other running
 * node (or the grace ran out), then starts them in sealingOrder, each confirmed sealing before the next.
 */
export async function startSealing(parameters: StartSealingParameters): Promise<StartSealingReturnType> {
  const started = Date.now();
  const joinGraceMs = parameters.joinGraceMs ?? 10_000;
  const deadline = started + (parameters.timeoutMs ?? 60_000);
  const clients = await Promise.all(parameters.validators.map((v) => createIpcClient(v.ipcPath, { timeoutMs: 5_000 })));
  try {
    let joined = false;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`the validators did not unlock their keys within ${parameters.timeoutMs ?? 60_000} ms`);
      const states = await Promise.all(
        clients.map(async (c, i) => ({
          unlocked: await unlocked(c, parameters.validators[i]!.signer),
          peers: (await c.request<unknown[]>('admin_peers')).length,
        })),
      );
      joined = states.every((s) => s.peers >= parameters.peers);
      if (states.every((s) => s.unlocked) && (joined || Date.now() - started >= joinGraceMs)) break;
      await sleep(100);
    }
    if (!joined) parameters.onProgress?.(`not every peer connected within ${joinGraceMs} ms: sealing with those that are`);
    const head = await clients[0]!.request<{ number: Hex }>('eth_getBlockByNumber', ['latest', false]);
    const signers = await clients[0]!.request<Address[]>('clique_getSigners');
    const nextBlock = BigInt(head.number) + 1n;
    const inTurn = parameters.validators.find((v) => getAddress(v.signer) === inTurnSigner(signers, nextBlock));
    const startOne = async (validator: IdleValidator) => {
      const client = clients[parameters.validators.indexOf(validator)]!;
      await client.request('miner_start');
      while (!(await client.request<boolean>('eth_mining'))) {
        if (Date.now() > deadline) throw new Error(`${validator.name} did not start sealing`);
        await sleep(50);
      }
    };
    if (inTurn) {
      for (const validator of sealingOrder(parameters.validators, signers, nextBlock)) await startOne(validator);
    } else {
      // Nobody here seals the next block in turn: they all race out of turn, each after a random delay
      // (up to ⌊N/2⌋+1 × 500 ms). Started at once, each seals already when the first block comes, and
      // takes it rather than sealing its own at that height (two such blocks deadlock Clique:
      // healNetworkFork).
      await Promise.all(parameters.validators.map(startOne));
    }
    return { joined, ...(inTurn && { inTurn: inTurn.name }), waitedMs: Date.now() - started };
  } finally {
    for (const c of clients) c.close();
  }
}
