import { parseEther, type Address, type Hex } from 'viem';
import { pythiaFleetAbi, pythiaFleetBytecode, pythiaRegistryAbi, pythiaRegistryBytecode } from '../contracts/abis.js';
import { createChainClients } from './clients.js';
import type { Deployment } from './deployment.js';
import { ROLE_NAMES, type RoleAccounts } from './roleKeys.js';

export type DeployPythiaParameters = {
  rpcUrl: string;
  chainId: number;
  roles: RoleAccounts;
  gatewayUrl: string;
  /** Embedded Anvil: role accounts are funded with anvil_setBalance instead of by the admin. */
  embeddedChain: boolean;
  onProgress?: (step: string) => void;
};

const ROLE_FUNDING = parseEther('1000');
const MIN_ROLE_BALANCE = parseEther('10');

/** Deploys the contracts, grants each role to its own account and returns the deployment record. */
export async function deployPythia(parameters: DeployPythiaParameters): Promise<Deployment> {
  const { rpcUrl, chainId, roles, gatewayUrl, embeddedChain } = parameters;
  const progress = parameters.onProgress ?? (() => {});
  const { publicClient, walletClient } = createChainClients({ chainId, rpcUrl });
  const actualChainId = await publicClient.getChainId();
  if (actualChainId !== chainId) throw new Error(`the node at ${rpcUrl} is chain ${actualChainId}, expected ${chainId}`);

  progress('funding role accounts');
  await fundRoles({ rpcUrl, chainId, roles, embeddedChain });

  const admin = walletClient(roles.admin);
  progress('deploying PythiaFleet');
  const deployHash = await admin.deployContract({ abi: pythiaFleetAbi, bytecode: pythiaFleetBytecode as Hex, args: [roles.admin.address] });
  const receipt = await publicClient.waitForTransactionReceipt({ hash: deployHash });
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`PythiaFleet deployment failed in ${deployHash}`);
  const fleet = receipt.contractAddress;

  progress('granting roles');
  const [operatorRole, relayerRole] = await Promise.all([
    publicClient.readContract({ address: fleet, abi: pythiaFleetAbi, functionName: 'OPERATOR_ROLE' }),
    publicClient.readContract({ address: fleet, abi: pythiaFleetAbi, functionName: 'RELAYER_ROLE' }),
  ]);
  for (const [role, account] of [
    [operatorRole, roles.operator.address],
    [relayerRole, roles.relayer.address],
  ] as const) {
    const hash = await admin.writeContract({ address: fleet, abi: pythiaFleetAbi, functionName: 'grantRole', args: [role, account] });
    const granted = await publicClient.waitForTransactionReceipt({ hash });
    if (granted.status !== 'success') throw new Error(`granting a role to ${account} failed in ${hash}`);
  }

  const pythiaRegistry = await deployPythiaRegistry({ rpcUrl, chainId, roles, onProgress: progress });

  return {
    chainId,
    rpcUrl,
    gatewayUrl,
    deploymentBlock: Number(receipt.blockNumber),
    contracts: { fleet, pythiaRegistry },
    roles: { admin: roles.admin.address, operator: roles.operator.address, relayer: roles.relayer.address },
    embeddedChain,
  };
}

export type DeployPythiaRegistryParameters = Pick<DeployPythiaParameters, 'rpcUrl' | 'chainId' | 'roles' | 'onProgress'>;

/**
 * Deploys the Pythia registry with roles.admin as its admin, grants GOVERNANCE_ROLE (approves code
 * measurements) to the admin and OPERATOR_ROLE (registers Pythia keys) to the operator, and
 * returns its address. Also used on its own to add the registry to a deployment made before it existed.
 */
export async function deployPythiaRegistry(parameters: DeployPythiaRegistryParameters): Promise<Address> {
  const { rpcUrl, chainId, roles } = parameters;
  const progress = parameters.onProgress ?? (() => {});
  const { publicClient, walletClient } = createChainClients({ chainId, rpcUrl });
  const admin = walletClient(roles.admin);
  progress('deploying PythiaRegistry');
  const deployHash = await admin.deployContract({
    abi: pythiaRegistryAbi,
    bytecode: pythiaRegistryBytecode as Hex,
    args: [roles.admin.address],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash: deployHash });
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`PythiaRegistry deployment failed in ${deployHash}`);
  const registry = receipt.contractAddress;
  const [governanceRole, operatorRole] = await Promise.all([
    publicClient.readContract({ address: registry, abi: pythiaRegistryAbi, functionName: 'GOVERNANCE_ROLE' }),
    publicClient.readContract({ address: registry, abi: pythiaRegistryAbi, functionName: 'OPERATOR_ROLE' }),
  ]);
  for (const [role, account] of [
    [governanceRole, roles.admin.address],
    [operatorRole, roles.operator.address],
  ] as const) {
    const hash = await admin.writeContract({ address: registry, abi: pythiaRegistryAbi, functionName: 'grantRole', args: [role, account] });
    const granted = await publicClient.waitForTransactionReceipt({ hash });
    if (granted.status !== 'success') throw new Error(`granting a registry role to ${account} failed in ${hash}`);
  }
  return registry;
}

/** Makes sure every role account can pay for gas. */
export async function fundRoles(parameters: Pick<DeployPythiaParameters, 'rpcUrl' | 'chainId' | 'roles' | 'embeddedChain'>): Promise<void> {
  const { publicClient, walletClient } = createChainClients(parameters);
  const accounts: Address[] = ROLE_NAMES.map((role) => parameters.roles[role].address);
  if (parameters.embeddedChain) {
    for (const address of accounts) {
      const balance = await publicClient.getBalance({ address });
      if (balance < MIN_ROLE_BALANCE) {
        await publicClient.request({ method: 'anvil_setBalance' as never, params: [address, `0x${ROLE_FUNDING.toString(16)}`] as never });
      }
    }
    return;
  }
  const adminBalance = await publicClient.getBalance({ address: parameters.roles.admin.address });
  if (adminBalance < MIN_ROLE_BALANCE) {
    throw new Error(
      `the admin account ${parameters.roles.admin.address} holds ${adminBalance} wei on this chain: fund it (at least 10 ETH) and run again`,
    );
  }
  const admin = walletClient(parameters.roles.admin);
  for (const account of [parameters.roles.operator, parameters.roles.relayer]) {
    const balance = await publicClient.getBalance({ address: account.address });
    if (balance >= MIN_ROLE_BALANCE) continue;
    const hash = await admin.sendTransaction({ to: account.address, value: MIN_ROLE_BALANCE - balance + parseEther('1') });
    await publicClient.waitForTransactionReceipt({ hash });
  }
}
