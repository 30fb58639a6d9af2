import { generatePrivateKey } from 'viem/accounts';
import { nativeAccount } from '../chain/nativeAccount.js';
import type { Address, Hex, LocalAccount } from 'viem';
import { pythiaFleetAbi } from '../contracts/abis.js';
import { startAnvil } from '../chain/anvil.js';
import { createChainClients } from '../chain/clients.js';
import { contractWriter } from '../chain/sendContractTransaction.js';
import { deployPythia } from '../chain/deploy.js';
import { governedCalls, timelockCall } from '../chain/timelock.js';
import type { Abi } from 'viem';
import { AIR_QUALITY_CLASS_ID, airQualityProfile } from '../protocol/airQuality.js';

export type TestChain = Awaited<ReturnType<typeof deployTestChain>>;

/**
 * A real Anvil with the contracts deployed, fresh random role keys (tests only: nothing here
 * is a well-known key) and the air-quality class profile set. For tests and benchmarks.
 */
export async function startTestChain(options: { blockTime?: number } = {}) {
  const anvil = await startAnvil(options.blockTime ? { blockTime: options.blockTime } : {});
  return deployTestChain(anvil);
}

/**
 * The contracts, fresh role keys and the air-quality profile on a running Anvil (`node.stop`
 * stops it; called if the deployment fails). For tests that run the node themselves (restarts,
 * several nodes).
 */
export async function deployTestChain(anvil: { rpcUrl: string; chainId: number; stop: () => Promise<void> }) {
  try {
    const roles = {
      admin: nativeAccount(generatePrivateKey()),
      operator: nativeAccount(generatePrivateKey()),
      relayer: nativeAccount(generatePrivateKey()),
      pythia: nativeAccount(generatePrivateKey()),
    };
    const deployment = await deployPythia({
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      roles,
      gatewayUrl: 'http://127.0.0.1:0',
      embeddedChain: true,
    });
    const clients = createChainClients({ chainId: anvil.chainId, rpcUrl: anvil.rpcUrl });
    const { publicClient } = clients;
    const fleetAddress = deployment.contracts.fleet;

    /** Sends a fleet transaction as the operator and waits for it to succeed. */
    const operatorWrite = contractWriter({ clients, account: roles.operator, address: fleetAddress }, pythiaFleetAbi);

    await operatorWrite('setClassProfile', [AIR_QUALITY_CLASS_ID, airQualityProfile]);
    const timelock = deployment.contracts.timelock!;

    return {
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      fleetAddress,
      /** DeviceIdentity and DeviceOwnership, wired to the fleet as `pythia up` wires them. */
      identityAddress: deployment.contracts.deviceIdentity!,
      ownershipAddress: deployment.contracts.deviceOwnership!,
      /** FirmwareRegistry, holding the fleet's INSPECTOR_ROLE as `pythia up` grants it. */
      firmwareAddress: deployment.contracts.firmwareRegistry!,
      /** PolicyRegistry, ConsentRegistry and AccessLog (the relayer holds LOGGER_ROLE). */
      policyAddress: deployment.contracts.policyRegistry!,
      consentAddress: deployment.contracts.consentRegistry!,
      accessLogAddress: deployment.contracts.accessLog!,
      /** FeedMarket, granting through the consent registry. */
      feedMarketAddress: deployment.contracts.feedMarket!,
      /** RecipientBonds, SharingLog, CanaryRegistry (the relayer commits) and DeletionRequests (the consent revocation hook). */
      bondsAddress: deployment.contracts.recipientBonds!,
      sharingLogAddress: deployment.contracts.sharingLog!,
      canaryAddress: deployment.contracts.canaryRegistry!,
      deletionAddress: deployment.contracts.deletionRequests!,
      deployment,
      /** The council's timelock: DEFAULT_ADMIN_ROLE of every contract with roles (delay 0 here). */
      timelock,
      /**
       * The admin makes the timelock call `functionName` on a contract (schedule and execute at once:
       * a test chain's timelock has no delay), e.g. grantRole on the fleet.
       */
      govern: async (address: Address, abi: unknown, functionName: string, args: readonly unknown[]) => {
        const done = await governedCalls({
          clients,
          account: roles.admin,
          address: timelock,
          calls: [timelockCall({ address, abi: abi as Abi, functionName, args })],
        });
        return done.executed!.hash;
      },
      admin: roles.admin,
      operator: roles.operator,
      relayer: roles.relayer,
      /** Signs the gateway's answers to devices (no role on chain). */
      pythia: roles.pythia,
      publicClient,
      walletClient: (account: LocalAccount) => clients.walletClient(account),
      /** Sends a fleet transaction as the operator and waits for it to succeed. */
      operatorWrite,
      registerDevice: (publicKey: Hex, classId: number = AIR_QUALITY_CLASS_ID) => operatorWrite('registerDevice', [publicKey, classId]),
      suspendDevice: (device: Address, reason = 'test') => operatorWrite('suspendDevice', [device, reason]),
      revokeDevice: (device: Address, reason = 'test') => operatorWrite('revokeDevice', [device, reason]),
      stop: anvil.stop,
    };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}
