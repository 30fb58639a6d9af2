/**
 * What a node's refusal of eth_sendRawTransaction means for the relayer, from the error text
 * (geth, Anvil, Besu and Nethermind word them differently):
 * - known: the node has the transaction already (as good as sent);
 * - nonce_too_low: the nonce is used on chain (by this transaction, an earlier signature of the
 *   same batch, or something else: the relayer looks it up);
 * - underpriced: the fees are too low for the next block or to replace the pooled transaction
 *   with the same nonce: sign it again with higher fees.
 */
export type BroadcastRejection = 'known' | 'nonce_too_low' | 'underpriced';

const KNOWN = /already known|known transaction|already imported|already exists|already in (the )?(tx)?pool/;
const NONCE_TOO_LOW = /nonce too low|nonce is too low|nonce has already been used|oldnonce/;
const UNDERPRICED =
  /underpriced|less than block base fee|fee cap less than|feecap too low|fee too low|gas price too low|max fee per gas less than|insufficient (priority )?fee/;

export function broadcastRejectionOf(errorText: string): BroadcastRejection | undefined {
  const text = errorText.toLowerCase();
  if (KNOWN.test(text)) return 'known';
  if (NONCE_TOO_LOW.test(text)) return 'nonce_too_low';
  if (UNDERPRICED.test(text)) return 'underpriced';
  return undefined;
}
