import { bytesToHex, type Address, type PublicClient } from 'viem';
import { pythiaFleetAbi } from '../contracts/abis.js';
import { READING_TYPEHASH, readingDomainSeparator } from '../protocol/eip712.js';
import { addCounts, emptyCounts } from './addCounts.js';
import { CannotVerifyError } from './errors.js';
import { findDeploymentBlock } from './findDeploymentBlock.js';
import type { Discrepancy, RevertedBatch, VerifyCounts } from './types.js';
import { verifyBlock } from './verifyBlock.js';

export type VerifyChainParameters = {
  client: PublicClient;
  fleet: Address;
  /** First block to verify; default the fleet's deployment block. The rules' state comes from the block before. */
  fromBlock?: bigint | undefined;
  /** Last block to verify; default the head (less `confirmations`) when the run starts. */
  toBlock?: bigint | undefined;
  /** After `toBlock`, go on verifying new blocks until `signal` aborts. */
  follow?: boolean | undefined;
  /** Blocks to stay behind the head (the chain's finality depth). Default 0. */
  confirmations?: number | undefined;
  pollIntervalMs?: number | undefined;
  /** Blocks verified at the same time (they are independent). Default 4. */
  concurrency?: number | undefined;
  /** Discrepancies kept in the report (all are counted). Default 10,000. */
  maxDiscrepancies?: number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: VerifyProgress) => void) | undefined;
  onDiscrepancy?: ((discrepancy: Discrepancy) => void) | undefined;
};

export type VerifyProgress = { fromBlock: bigint; verifiedTo: bigint; toBlock: bigint; counts: VerifyCounts; elapsedSeconds: number };

export type VerifyChainReturnType = {
  chainId: number;
  fleet: Address;
  fromBlock: bigint;
  /** The last block verified. */
  toBlock: bigint;
  /** false when the run was interrupted before the requested last block (a followed run always ends so). */
  complete: boolean;
  /** No discrepancy was found. */
  agreed: boolean;
  counts: VerifyCounts;
  discrepancies: Discrepancy[];
  /** Discrepancies found but not listed (over maxDiscrepancies). */
  discrepanciesOmitted: number;
  /** Batches that reverted for a reason the verifier accepts (the rules reject them, or they ran out of gas). */
  revertedBatches: RevertedBatch[];
  elapsedSeconds: number;
};

/**
 * `pythia verify`: the local transaction verification interface of the smart-city paper (Figure 3).
 * Checks every reading the fleet recorded in a block range against the rules of docs/protocol.md, on
 * its own, and reports agreement or each discrepancy (docs/verify.md). Needs only an RPC URL of a node
 * that keeps past states (an archive node, e.g. an observer that syncs but does not seal).
 */
export async function verifyChain(parameters: VerifyChainParameters): Promise<VerifyChainReturnType> {
  const { client, fleet, follow = false, signal } = parameters;
  const confirmations = BigInt(parameters.confirmations ?? 0);
  const concurrency = parameters.concurrency ?? 4;
  const maxDiscrepancies = parameters.maxDiscrepancies ?? 10_000;
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;

  const chainId = await client.getChainId().catch((error: Error) => {
    throw new CannotVerifyError(`cannot reach the node: ${error.message.split('\n')[0]}`);
  });
  const head = await latestBlock(client);
  const safeHead = head > confirmations ? head - confirmations : 0n;
  const toBlock = parameters.toBlock ?? safeHead;
  if (toBlock > head) throw new CannotVerifyError(`block ${toBlock} is past the node's head (${head})`);
  await requireFleet(client, fleet, toBlock);
  const deployment = await findDeploymentBlock({ client, address: fleet, toBlock, fromBlock: parameters.fromBlock });
  const fromBlock = parameters.fromBlock ?? deployment;
  if (!follow && fromBlock > toBlock) throw new CannotVerifyError(`the first block (${fromBlock}) is after the last one (${toBlock})`);
  const domainSeparator = readingDomainSeparator({ chainId, verifyingContract: fleet });

  const counts = emptyCounts();
  const discrepancies: Discrepancy[] = [];
  const revertedBatches: RevertedBatch[] = [];
  // Before its deployment block the fleet holds nothing to verify.
  let verifiedTo = fromBlock - 1n;
  if (verifiedTo < deployment - 1n) verifiedTo = deployment - 1n;
  let target = toBlock;

  const verifyUpTo = async (last: bigint) => {
    while (verifiedTo < last && !signal?.aborted) {
      const window: bigint[] = [];
      for (let n = verifiedTo + 1n; n <= last && window.length < concurrency; n++) window.push(n);
      const blocks = await Promise.all(
        window.map((blockNumber) =>
          verifyBlock({ client, fleet, domainSeparator, blockNumber, deployedBefore: blockNumber - 1n >= deployment }).catch(
            (error: Error) => {
              if (error instanceof CannotVerifyError) throw error;
              throw new CannotVerifyError(`cannot verify block ${blockNumber}: ${error.message.split('\n')[0]}`);
            },
          ),
        ),
      );
      for (const block of blocks) {
        addCounts(counts, block.counts);
        revertedBatches.push(...block.revertedBatches);
        for (const discrepancy of block.discrepancies) {
          if (discrepancies.length < maxDiscrepancies) discrepancies.push(discrepancy);
          parameters.onDiscrepancy?.(discrepancy);
        }
      }
      verifiedTo = window[window.length - 1]!;
      parameters.onProgress?.({ fromBlock, verifiedTo, toBlock: target, counts, elapsedSeconds: elapsed() });
    }
  };

  await verifyUpTo(toBlock);
  if (follow) {
    while (!signal?.aborted) {
      const now = await latestBlock(client);
      target = now > confirmations ? now - confirmations : 0n;
      if (target > verifiedTo) await verifyUpTo(target);
      else await sleep(parameters.pollIntervalMs ?? 1000, signal);
    }
  }
  return {
    chainId,
    fleet,
    fromBlock,
    toBlock: verifiedTo,
    complete: !follow && verifiedTo >= toBlock,
    agreed: counts.discrepancies === 0,
    counts,
    discrepancies,
    discrepanciesOmitted: counts.discrepancies - discrepancies.length,
    revertedBatches,
    elapsedSeconds: elapsed(),
  };
}

async function latestBlock(client: PublicClient): Promise<bigint> {
  // getBlockNumber caches for the polling interval; a follower needs the node's answer now.
  return BigInt(await client.request({ method: 'eth_blockNumber' }));
}

/** The address holds a Pythia fleet at `blockNumber`: its reading type hash is the protocol's. */
async function requireFleet(client: PublicClient, fleet: Address, blockNumber: bigint): Promise<void> {
  let typeHash: string;
  try {
    typeHash = await client.readContract({ address: fleet, abi: pythiaFleetAbi, functionName: 'READING_TYPEHASH', blockNumber });
  } catch (error) {
    throw new CannotVerifyError(
      `${fleet} is not a Pythia fleet contract at block ${blockNumber}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  if (typeHash.toLowerCase() !== bytesToHex(READING_TYPEHASH)) {
    throw new CannotVerifyError(`${fleet} signs readings with another type (${typeHash}): not this protocol's fleet contract`);
  }
}

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
