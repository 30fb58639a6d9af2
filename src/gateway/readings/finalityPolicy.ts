import { hexToBytes, type Hex, type PublicClient } from 'viem';
import { cliqueConfirmations } from '../../chain/cliqueConfirmations.js';

/**
 * When a reading's on-chain outcome is final: its block has `confirmations` blocks counting
 * itself (head − block + 1 ≥ confirmations), the gateway saw it included at least `delayMs`
 * ago, and the block is still the canonical one at its height when checked. Until then the
 * outcome is only included.
 */
export type FinalityPolicy = {
  confirmations: number;
  delayMs: number;
  /** What the defaults were derived from. */
  chain: 'anvil' | 'clique' | 'other';
  /** Clique: the number of signers the confirmations were derived from. */
  signers?: number;
  /** default: derived from the chain; configured: given by the operator (either field). */
  source: 'default' | 'configured';
  /** Whether the process running the node reports the last block it saved durably (nothing above it is final). */
  savedBlock: boolean;
  /**
   * The chain's block period (ms), measured over its last blocks (not on Anvil: it seals on
   * demand). The thresholds for leaving a node that lags behind the others derive from it.
   */
  blockPeriodMs?: number;
};

export type FinalityOverrides = {
  confirmations?: number;
  finalityDelayMs?: number;
  /** The process that runs the node reports which block its last durable save holds (savedBlock option). */
  savedBlockKnown?: boolean;
};

/**
 * Anvil keeps its chain in memory and writes it to disk every few seconds (`pythia up` saves it
 * atomically); a kill -9 loses the blocks since the last save whatever their depth, and with
 * automining no further block may ever come. So on Anvil finality is a matter of saves, not
 * depth: one confirmation, and the block in a completed save. When the process that saves the
 * chain says which block its last save holds (savedBlock), that is the rule; otherwise a delay
 * long enough for the block to be in a completed save, including the first save after a restart
 * (seen 23–29 s after start in issue #11).
 */
export const ANVIL_FINALITY = { confirmations: 1, delayMs: 30_000 } as const;

/** A chain the gateway cannot identify: deep enough for any proof-of-authority engine we know. */
export const UNKNOWN_CHAIN_FINALITY = { confirmations: 12, delayMs: 0 } as const;

export { cliqueConfirmations };

/** Clique checkpoint interval (blocks) of geth's default genesis; checkpoint headers list the signers. */
const CLIQUE_EPOCH = 30_000n;
const EXTRA_VANITY = 32;
const EXTRA_SEAL = 65;

/** Signers listed in a Clique checkpoint header's extraData, or undefined if it is not one. */
export function cliqueSignersInExtraData(extraData: Hex): number | undefined {
  const length = hexToBytes(extraData).length - EXTRA_VANITY - EXTRA_SEAL;
  if (length <= 0 || length % 20 !== 0) return undefined;
  return length / 20;
}

/** The finality rule for the chain behind `client`: configured values win, the rest are derived. */
export async function detectFinalityPolicy(client: PublicClient, overrides: FinalityOverrides = {}): Promise<FinalityPolicy> {
  const detected = await detectChain(client);
  const defaults =
    detected.chain === 'anvil'
      ? { confirmations: ANVIL_FINALITY.confirmations, delayMs: overrides.savedBlockKnown ? 0 : ANVIL_FINALITY.delayMs }
      : detected.chain === 'clique'
        ? { confirmations: cliqueConfirmations(detected.signers!), delayMs: 0 }
        : UNKNOWN_CHAIN_FINALITY;
  const configured = overrides.confirmations !== undefined || overrides.finalityDelayMs !== undefined;
  const blockPeriodMs = detected.chain === 'anvil' ? undefined : await measureBlockPeriodMs(client);
  return {
    confirmations: overrides.confirmations ?? defaults.confirmations,
    delayMs: overrides.finalityDelayMs ?? defaults.delayMs,
    chain: detected.chain,
    ...(detected.signers !== undefined && { signers: detected.signers }),
    source: configured ? 'configured' : 'default',
    savedBlock: overrides.savedBlockKnown ?? false,
    ...(blockPeriodMs !== undefined && { blockPeriodMs }),
  };
}

/** Blocks the block period is measured over (back from the head). */
const PERIOD_SAMPLE_BLOCKS = 16n;

/**
 * The mean time between the chain's last blocks (ms; block timestamps are whole seconds, so at
 * least 1,000), or undefined on a chain of fewer than 3 blocks (the genesis's time says nothing).
 */
export async function measureBlockPeriodMs(client: PublicClient): Promise<number | undefined> {
  const head = await client.getBlock({ blockTag: 'latest' });
  const span = head.number - 1n < PERIOD_SAMPLE_BLOCKS ? head.number - 1n : PERIOD_SAMPLE_BLOCKS;
  if (span < 1n) return undefined;
  const earlier = await client.getBlock({ blockNumber: head.number - span });
  return Math.max(1000, Math.round((Number(head.timestamp - earlier.timestamp) * 1000) / Number(span)));
}

async function detectChain(client: PublicClient): Promise<{ chain: FinalityPolicy['chain']; signers?: number }> {
  const version = await client.request({ method: 'web3_clientVersion' }).catch(() => '');
  if (typeof version === 'string' && version.toLowerCase().startsWith('anvil/')) return { chain: 'anvil' };
  try {
    const signers = (await client.request({ method: 'clique_getSigners' } as never)) as unknown;
    if (Array.isArray(signers) && signers.length > 0) return { chain: 'clique', signers: signers.length };
  } catch {
    // The clique API is not exposed over this endpoint: read the signers from a checkpoint header.
  }
  const head = await client.getBlock({ blockTag: 'latest' });
  // A Clique header: difficulty 2 (in turn) or 1 (out of turn), extraData = vanity ‖ [signers] ‖ seal.
  const sealedByClique =
    (head.difficulty === 1n || head.difficulty === 2n) && hexToBytes(head.extraData).length >= EXTRA_VANITY + EXTRA_SEAL;
  if (!sealedByClique) return { chain: 'other' };
  const checkpoint = await client.getBlock({ blockNumber: (head.number / CLIQUE_EPOCH) * CLIQUE_EPOCH });
  const signers = cliqueSignersInExtraData(checkpoint.extraData);
  return signers === undefined ? { chain: 'other' } : { chain: 'clique', signers };
}

/**
 * The newest block whose outcomes may be final at `head` (and, when known, at most the last block
 * saved durably), and the latest moment (ms) a batch may have been seen included to be final `now`.
 */
export function finalityHorizon(policy: Pick<FinalityPolicy, 'confirmations' | 'delayMs'>, head: number, now: number, savedBlock?: number) {
  const byDepth = head - Math.max(1, policy.confirmations) + 1;
  return { maxBlock: savedBlock === undefined ? byDepth : Math.min(byDepth, savedBlock), includedBefore: now - policy.delayMs };
}
