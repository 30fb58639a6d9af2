import { formatEther } from 'viem';

/** An amount of the chain's currency, with its unit: 1500000000000000000n → "1.5 ETH". */
export function formatEth(wei: bigint): string {
  return `${formatEther(wei)} ETH`;
}
