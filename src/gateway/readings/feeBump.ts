/** EIP-1559 fees of a transaction. */
export type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

/**
 * Fees for a replacement of a transaction at the same nonce: at least 12.5 % (and 1 wei) above
 * the previous signature's on both fields (geth's pool wants 10 % on both to replace), and at
 * least what the chain asks now (`floor`), so that one bump is enough after the base fee rose.
 */
export function bumpedFees(previous: Fees, floor: Fees): Fees {
  const maxPriorityFeePerGas = max(raise(previous.maxPriorityFeePerGas), floor.maxPriorityFeePerGas);
  const maxFeePerGas = max(max(raise(previous.maxFeePerGas), floor.maxFeePerGas), maxPriorityFeePerGas);
  return { maxFeePerGas, maxPriorityFeePerGas };
}

const raise = (fee: bigint) => fee + (fee / 8n > 0n ? fee / 8n : 1n);
const max = (a: bigint, b: bigint) => (a > b ? a : b);
