import secp256k1 from 'secp256k1';
import { bytesToHex, encodeFunctionData, type Address, type Hash, type Hex, type LocalAccount } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { pythiaFleetAbi } from '../contracts/abis.js';
import { deviceIdFromPublicKey } from '../protocol/deviceId.js';
import { readingDigest, readingDomainSeparator } from '../protocol/eip712.js';
import { encodeMetrics } from '../protocol/payload.js';
import type { Profile } from '../protocol/profile.js';
import { SECP256K1_N } from '../protocol/signature.js';
import type { TestChain } from '../testing/testChain.js';
import type { CalldataReading } from './types.js';
import { anvilTestClient } from '../testing/anvilTestClient.js';

/** Tests only: a device key made here, never a well-known one. */
export type TestKey = { privateKey: Hex; publicKey: Hex; address: Address };

export function newTestKey(): TestKey {
  const privateKey = generatePrivateKey();
  const publicKey = bytesToHex(secp256k1.publicKeyCreate(Buffer.from(privateKey.slice(2), 'hex'), false).subarray(1));
  return { privateKey, publicKey, address: deviceIdFromPublicKey(publicKey) };
}

export const typicalValues = [120, 250, 300, 450, 2150, 5500];

/** The air-quality class profile of the test chain (src/protocol/airQuality.ts), written out for tests of the rules. */
export const testProfile: Profile = {
  metricCount: 6,
  maxPayloadBytes: 12,
  minInterval: 5,
  maxClockSkew: 120,
  flagThreshold: 3,
  flagWindow: 3600,
  suspensionsBeforeRevoke: 2,
  minValue: [0, 0, 0, 0, -4000, 0],
  maxValue: [5000, 6000, 4000, 4000, 6000, 10000],
  maxDelta: [600, 1000, 1500, 1500, 1000, 3000],
};

export type ReadingFields = { device: Address; sequence: bigint | number; timestamp: bigint | number; values?: number[]; payload?: Hex };

/**
 * A batch item signed by `key` for the chain's fleet: low s (libsecp256k1's), or its high-s twin
 * (same signer, refused by the protocol) with `highS`.
 */
export function signItem(
  chain: Pick<TestChain, 'chainId' | 'fleetAddress'>,
  key: TestKey,
  fields: ReadingFields,
  highS = false,
): CalldataReading {
  const reading = {
    device: fields.device,
    sequence: BigInt(fields.sequence),
    timestamp: BigInt(fields.timestamp),
    payload: fields.payload ?? encodeMetrics(fields.values ?? typicalValues),
  };
  const digest = readingDigest(readingDomainSeparator({ chainId: chain.chainId, verifyingContract: chain.fleetAddress }), reading);
  const { signature, recid } = secp256k1.ecdsaSign(digest, Buffer.from(key.privateKey.slice(2), 'hex'));
  let s = BigInt(bytesToHex(signature.subarray(32)));
  let parity = BigInt(recid);
  if (highS) {
    s = SECP256K1_N - s;
    parity ^= 1n;
  }
  return {
    ...reading,
    r: bytesToHex(signature.subarray(0, 32)),
    vs: `0x${(s | (parity << 255n)).toString(16).padStart(64, '0')}`,
  };
}

export const submitReadingsData = (items: readonly CalldataReading[]): Hex =>
  encodeFunctionData({ abi: pythiaFleetAbi, functionName: 'submitReadings', args: [items] });

export type SentTransaction = { hash: Hash; blockNumber: bigint; status: 'success' | 'reverted' };

/** Sends raw calldata to `to` with a fixed gas limit (so that a reverting call is mined, not refused by estimation). */
export async function sendRaw(chain: TestChain, account: LocalAccount, to: Address, data: Hex, gas = 5_000_000n): Promise<SentTransaction> {
  const hash = await chain.walletClient(account).sendTransaction({ to, data, gas });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  return { hash, blockNumber: receipt.blockNumber, status: receipt.status };
}

/** Sends a batch as the relayer and waits for it. */
export const submitBatch = (chain: TestChain, items: readonly CalldataReading[], gas?: bigint) =>
  sendRaw(chain, chain.relayer, chain.fleetAddress, submitReadingsData(items), gas);

/**
 * Puts every transaction `send` makes into one block, in the order sent (Anvil: automine off, then
 * evm_mine). `send` gets the fees of its i-th transaction: decreasing tips, since Anvil orders a block
 * by tip.
 */
export async function inOneBlock(
  chain: TestChain,
  send: (fees: (i: number) => { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }) => Promise<Hash[]>,
): Promise<{ blockNumber: bigint; hashes: Hash[] }> {
  const anvil = anvilTestClient(chain.publicClient);
  await anvil.setAutomine(false);
  let hashes: Hash[];
  try {
    hashes = await send((i) => ({ maxFeePerGas: 50_000_000_000n, maxPriorityFeePerGas: BigInt(40 - i) * 1_000_000_000n }));
    await anvil.mine({ blocks: 1 });
  } finally {
    await anvil.setAutomine(true);
  }
  const receipts = await Promise.all(hashes.map((hash) => chain.publicClient.waitForTransactionReceipt({ hash })));
  const blocks = new Set(receipts.map((r) => r.blockNumber));
  if (blocks.size !== 1) throw new Error(`expected one block, got ${[...blocks].join(', ')}`);
  const order = receipts.map((r) => r.transactionIndex);
  if (order.some((index, i) => index !== i)) throw new Error(`the block holds the transactions in another order: ${order.join(', ')}`);
  return { blockNumber: receipts[0]!.blockNumber, hashes };
}

export const latestBlockNumber = async (chain: TestChain) => BigInt(await chain.publicClient.request({ method: 'eth_blockNumber' }));

/**
 * Replaces the fleet's runtime code by a patched copy (tests only: Anvil's anvil_setCode) and returns
 * a function that puts the original back. `from` must occur exactly once in the code.
 */
export async function patchFleetCode(chain: TestChain, from: Hex, to: Hex): Promise<() => Promise<void>> {
  const original = await chain.publicClient.getCode({ address: chain.fleetAddress });
  if (!original) throw new Error('no fleet code');
  const needle = from.slice(2).toLowerCase();
  const at = original.toLowerCase().indexOf(needle);
  if (at < 0 || original.toLowerCase().indexOf(needle, at + 1) >= 0) throw new Error(`${from} is not in the fleet code exactly once`);
  if (to.length !== from.length) throw new Error('a patch must keep the code length');
  const patched = `${original.slice(0, at)}${to.slice(2)}${original.slice(at + needle.length)}` as Hex;
  const anvil = anvilTestClient(chain.publicClient);
  await anvil.setCode({ address: chain.fleetAddress, bytecode: patched });
  return async () => {
    await anvil.setCode({ address: chain.fleetAddress, bytecode: original });
  };
}
