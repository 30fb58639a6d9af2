import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address, LocalAccount } from 'viem';
import { createChainClients } from '../chain/clients.js';
import { deployPythia, ROLE_FUNDING } from '../chain/deploy.js';
import { loadOrCreateRoleKeys, ROLE_NAMES, type RoleAccounts } from '../chain/roleKeys.js';
import { contractWriter } from '../chain/sendContractTransaction.js';
import { pythiaFleetAbi } from '../contracts/abis.js';
import { LIGHT_SCRYPT } from '../keystore/index.js';
import {
  initNetwork,
  networkRpcUrls,
  readNetworkConfig,
  startNetwork,
  stopNetwork,
  waitForNetworkReady,
  type NetworkConfig,
} from '../network/index.js';
import { AIR_QUALITY_CLASS_ID, airQualityProfile } from '../protocol/airQuality.js';
import type { DeviceKey } from '../sdk/types.js';
import { freePortBlock } from './freePortBlock.js';

/** A running network with the contracts deployed on it. */
export type CrashNetwork = {
  /** The network folder (`pythia network init`). */
  dir: string;
  /** Of the validators' signer keys. */
  passphrase: string;
  chainId: number;
  fleetAddress: Address;
  operator: LocalAccount;
  relayer: LocalAccount;
};

export type DeployedNetwork = CrashNetwork & {
  network: NetworkConfig;
  /** Every node's endpoint, validators first (a validator's IPC socket). */
  rpcUrls: string[];
  roles: RoleAccounts;
  /** A temporary folder for the caller's files (a gateway's database); removed by stop(). */
  workDir: string;
  /** Stops every node and removes every file. */
  stop(): Promise<void>;
};

export type StartDeployedNetworkParameters = {
  /** Default 3. */
  validators?: number;
  /** Seconds between blocks. Default 1. */
  period?: number;
  onProgress?: (line: string) => void;
};

/**
 * A new network of geth Clique validators on this machine (`pythia network init` and `up` as
 * functions), fresh role keys funded at genesis, and every contract of `pythia up` deployed on it. For tests and benchmarks on real nodes; stop() removes it all.
 */
export async function startDeployedNetwork(parameters: StartDeployedNetworkParameters = {}): Promise<DeployedNetwork> {
  const { validators = 3, period = 1, onProgress } = parameters;
  const root = mkdtempSync(join(tmpdir(), 'pythia-network-'));
  const dir = join(root, 'net');
  const passphrase = randomBytes(16).toString('hex');
  const stop = async () => {
    await stopNetwork({ dir }).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const roles = await loadOrCreateRoleKeys({ dataDir: join(root, 'pythia'), passphrase, scryptN: LIGHT_SCRYPT.n });
    const network = await initNetwork({
      dir,
      validators,
      period,
      fund: Object.fromEntries(ROLE_NAMES.map((role) => [roles[role].address, ROLE_FUNDING])),
      passphrase,
      scryptN: LIGHT_SCRYPT.n,
      basePort: await freePortBlock(validators),
    });
    await startNetwork({ dir, passphrase });
    await waitForNetworkReady({ dir, timeoutMs: 60_000 });
    const rpcUrls = networkRpcUrls(dir, network);
    onProgress?.(`${validators} validators up (period ${period} s); deploying the contracts (sent at once, mined in a few blocks)`);
    const deployment = await deployPythia({
      rpcUrl: rpcUrls[0]!,
      chainId: network.chainId,
      roles,
      gatewayUrl: 'http://127.0.0.1:0',
      embeddedChain: false,
      timelockDelaySeconds: 0n,
    });
    return {
      dir,
      passphrase,
      chainId: network.chainId,
      fleetAddress: deployment.contracts.fleet,
      operator: roles.operator,
      relayer: roles.relayer,
      network,
      rpcUrls,
      roles,
      workDir: mkdtempSync(join(root, 'work-')),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Sets the air-quality class profile on a network's fleet and registers the devices in that class, as its operator (100 a transaction). */
export async function registerAirQualityDevices(network: CrashNetwork, devices: readonly DeviceKey[]): Promise<void> {
  const write = writeFleet(network);
  await write('setClassProfile', [AIR_QUALITY_CLASS_ID, airQualityProfile]);
  for (let i = 0; i < devices.length; i += 100) {
    await write('registerDevices', [devices.slice(i, i + 100).map((d) => d.publicKey), AIR_QUALITY_CLASS_ID]);
  }
}

function writeFleet(network: CrashNetwork) {
  const rpcUrl = networkRpcUrls(network.dir, readNetworkConfig(network.dir))[0]!;
  const clients = createChainClients({ chainId: network.chainId, rpcUrl });
  return contractWriter({ clients, account: network.operator, address: network.fleetAddress }, pythiaFleetAbi);
}
