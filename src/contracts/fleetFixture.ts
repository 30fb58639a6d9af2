import { parseSignature, type Hex } from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';
import { startTestChain } from '../testing/testChain.js';
import { READING_DOMAIN_NAME, READING_DOMAIN_VERSION, readingTypes, type Reading } from '../protocol/eip712.js';
import { toCompact } from '../protocol/signature.js';
import { pythiaFleetAbi } from './abis.js';

/** The air-quality class profile the contract tests use (contracts/test/utils/FleetBase.sol). */
export const testAirProfile = {
  metricCount: 6,
  maxPayloadBytes: 16,
  minInterval: 60,
  maxClockSkew: 300,
  flagThreshold: 3,
  flagWindow: 3600,
  suspensionsBeforeRevoke: 2,
  minValue: [0, 0, 0, 0, -4000, 0],
  maxValue: [5000, 6000, 4000, 5000, 6000, 10000],
  maxDelta: [500, 500, 500, 500, 500, 2000],
} as const;

export type SignedReadingArg = Reading & { r: Hex; vs: Hex };

/**
 * The shared test chain (src/testing/testChain.ts) with class 1 set to the contract tests'
 * profile, and helpers to sign readings with viem's EIP-712 (an implementation independent of
 * ours) and submit them as the relayer. For the contract-level TypeScript tests.
 */
export async function startFleetFixture() {
  const chain = await startTestChain();
  try {
    await chain.operatorWrite('setClassProfile', [1, testAirProfile]);
    const fleet = chain.fleetAddress;
    const domain = { name: READING_DOMAIN_NAME, version: READING_DOMAIN_VERSION, chainId: chain.chainId, verifyingContract: fleet };

    /** Signs a reading with the device key (viem's EIP-712 implementation) in the contract's compact form. */
    const sign = async (device: PrivateKeyAccount, reading: Omit<Reading, 'device'>): Promise<SignedReadingArg> => {
      const message = { ...reading, device: device.address };
      const signature = await device.signTypedData({ domain, types: readingTypes, primaryType: 'Reading', message });
      const { r, s, yParity } = parseSignature(signature);
      return { ...message, ...toCompact({ r, s, yParity: yParity as 0 | 1 }) };
    };

    const submit = async (readings: SignedReadingArg[]) => {
      const hash = await chain.walletClient(chain.relayer).writeContract({
        address: fleet,
        abi: pythiaFleetAbi,
        functionName: 'submitReadings',
        args: [readings],
        gas: 30_000_000n,
      });
      const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
      return receipt;
    };

    return {
      chainId: chain.chainId,
      publicClient: chain.publicClient,
      fleet,
      domain,
      operatorWrite: chain.operatorWrite,
      sign,
      submit,
      stop: chain.stop,
    };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}
