/**
 * Clique lets a signer seal at most one of any ⌊N/2⌋+1 consecutive blocks, so a block and the
 * ⌊N/2⌋ blocks on top of it are sealed by a majority of the N signers; one more block covers a
 * race between out-of-turn signers at the tip. A reorg past that needs a majority signing a
 * competing chain. The gateway's finality on a Clique chain (finalityPolicy), and the depth that
 * `pythia network heal` never rewinds.
 */
export function cliqueConfirmations(signers: number): number {
  return Math.floor(Math.max(1, signers) / 2) + 2;
}
