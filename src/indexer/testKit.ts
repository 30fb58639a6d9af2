import { parseSignature, toHex, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { pythiaFleetAbi } from '../contracts/abis.js';
import { READING_DOMAIN_NAME, READING_DOMAIN_VERSION, readingTypes } from '../protocol/eip712.js';
import { encodeMetrics } from '../protocol/payload.js';
import { toCompact } from '../protocol/signature.js';
import { startTestChain, type TestChain } from '../testing/testChain.js';

/** Air-quality values inside the class profile. */
export const cleanValues = [120, 250, 300, 450, 2150, 5500];
/** PM2.5 above the profile's maximum: the contract flags the reading. */
export const pollutedValues = [9000, 250, 300, 450, 2150, 5500];

/**
 * A test chain with `deviceCount` registered air-quality devices and a helper that signs and
 * submits one reading per device as the relayer (tests of the indexer only).
 */
export async function startIndexerChain(options: { deviceCount: number; chain?: TestChain }) {
  const chain = options.chain ?? (await startTestChain());
  const devices: PrivateKeyAccount[] = Array.from({ length: options.deviceCount }, () => privateKeyToAccount(generatePrivateKey()));
  if (devices.length > 0) {
    await chain.operatorWrite('registerDevices', [devices.map((d) => toHex(Buffer.from(d.publicKey.slice(4), 'hex'))), 1]);
  }
  const domain = {
    name: READING_DOMAIN_NAME,
    version: READING_DOMAIN_VERSION,
    chainId: chain.chainId,
    verifyingContract: chain.fleetAddress,
  };

  /** Signs one reading per device (same sequence, timestamp and values) and submits them in one transaction. */
  const submitReadings = async (sequence: number, timestamp: number, values: number[] = cleanValues, only = devices) => {
    const readings = await Promise.all(
      only.map(async (device) => {
        const message = {
          device: device.address,
          sequence: BigInt(sequence),
          timestamp: BigInt(timestamp),
          payload: encodeMetrics(values),
        };
        const signature = await device.signTypedData({ domain, types: readingTypes, primaryType: 'Reading', message });
        const { r, s, yParity } = parseSignature(signature);
        return { ...message, ...toCompact({ r, s, yParity: yParity as 0 | 1 }) };
      }),
    );
    const hash = await chain.walletClient(chain.relayer).writeContract({
      address: chain.fleetAddress,
      abi: pythiaFleetAbi,
      functionName: 'submitReadings',
      args: [readings],
      gas: 30_000_000n,
    });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
    return receipt;
  };

  /** The chain's latest block timestamp (readings must not run ahead of it by more than the profile's skew). */
  const now = async () => Number((await chain.publicClient.getBlock()).timestamp);

  return { chain, devices, submitReadings, now, identity: `${chain.chainId}:${chain.fleetAddress}` as string };
}

export type IndexerChain = Awaited<ReturnType<typeof startIndexerChain>>;

/** Every log the followed contracts emitted in [from, to], as (block, logIndex) keys: what a complete index holds. */
export async function chainLogKeys(chain: TestChain, addresses: readonly Hex[], from: number, to: number): Promise<string[]> {
  const logs = await chain.publicClient.getLogs({ address: [...addresses], fromBlock: BigInt(from), toBlock: BigInt(to) });
  return logs.map((log) => `${log.blockNumber}:${log.logIndex}`);
}
