import { createPublicClient, createWalletClient, defineChain, http, parseEther, parseSignature, type Address, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { startAnvil } from '../chain/anvil.js';
import { READING_DOMAIN_NAME, READING_DOMAIN_VERSION, readingTypes, type Reading } from '../protocol/eip712.js';
import { toCompact } from '../protocol/signature.js';
import { pythiaFleetAbi, pythiaFleetBytecode } from './abis.js';

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
 * A real Anvil with PythiaFleet deployed from src/contracts/abis.ts, the roles granted to fresh
 * random keys and class 1 profiled. For the contract-level TypeScript tests.
 */
export async function startFleetFixture() {
  const anvil = await startAnvil();
  try {
    const chain = defineChain({
      id: anvil.chainId,
      name: 'pythia-test',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [anvil.rpcUrl] } },
    });
    const transport = http(anvil.rpcUrl, { timeout: 60_000 });
    const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 });
    const admin = privateKeyToAccount(generatePrivateKey());
    const relayer = privateKeyToAccount(generatePrivateKey());
    for (const a of [admin, relayer]) {
      await publicClient.request({ method: 'anvil_setBalance' as never, params: [a.address, `0x${parseEther('1000').toString(16)}`] as never });
    }
    const wallet = (account: PrivateKeyAccount) => createWalletClient({ account, chain, transport });
    const wait = async (hash: Hex) => {
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
      return receipt;
    };

    const deployed = await wait(
      await wallet(admin).deployContract({ abi: pythiaFleetAbi, bytecode: pythiaFleetBytecode, args: [admin.address] }),
    );
    const fleet = deployed.contractAddress as Address;
    const adminWrite = async (functionName: string, args: readonly unknown[]) =>
      wait(await wallet(admin).writeContract({ address: fleet, abi: pythiaFleetAbi, functionName, args } as never));
    const role = (name: 'OPERATOR_ROLE' | 'RELAYER_ROLE') =>
      publicClient.readContract({ address: fleet, abi: pythiaFleetAbi, functionName: name });
    await adminWrite('grantRole', [await role('OPERATOR_ROLE'), admin.address]);
    await adminWrite('grantRole', [await role('RELAYER_ROLE'), relayer.address]);
    await adminWrite('setClassProfile', [1, testAirProfile]);

    const domain = { name: READING_DOMAIN_NAME, version: READING_DOMAIN_VERSION, chainId: anvil.chainId, verifyingContract: fleet };

    /** Signs a reading with the device key (viem's EIP-712 implementation) in the contract's compact form. */
    const sign = async (device: PrivateKeyAccount, reading: Omit<Reading, 'device'>): Promise<SignedReadingArg> => {
      const message = { ...reading, device: device.address };
      const signature = await device.signTypedData({ domain, types: readingTypes, primaryType: 'Reading', message });
      const { r, s, yParity } = parseSignature(signature);
      return { ...message, ...toCompact({ r, s, yParity: yParity as 0 | 1 }) };
    };

    const submit = async (readings: SignedReadingArg[]) =>
      wait(
        await wallet(relayer).writeContract({
          address: fleet,
          abi: pythiaFleetAbi,
          functionName: 'submitReadings',
          args: [readings],
          gas: 30_000_000n,
        }),
      );

    return { anvil, chainId: anvil.chainId, publicClient, fleet, domain, adminWrite, sign, submit, stop: anvil.stop };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}
