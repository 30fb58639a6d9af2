import { parseEther, type Abi, type Address, type Hex } from 'viem';
import {
  accessLogAbi,
  accessLogBytecode,
  canaryRegistryAbi,
  canaryRegistryBytecode,
  consentRegistryAbi,
  consentRegistryBytecode,
  deletionRequestsAbi,
  deletionRequestsBytecode,
  deviceIdentityAbi,
  deviceIdentityBytecode,
  deviceOwnershipAbi,
  deviceOwnershipBytecode,
  feedMarketAbi,
  feedMarketBytecode,
  firmwareRegistryAbi,
  firmwareRegistryBytecode,
  policyRegistryAbi,
  policyRegistryBytecode,
  pythiaFleetAbi,
  pythiaFleetBytecode,
  pythiaRegistryAbi,
  pythiaRegistryBytecode,
  recipientBondsAbi,
  recipientBondsBytecode,
  sharingLogAbi,
  sharingLogBytecode,
} from '../contracts/abis.js';
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

/** What every deploy step needs: the chain, the role accounts (roles.admin deploys and wires) and progress. */
export type DeployStepParameters = Pick<DeployPythiaParameters, 'rpcUrl' | 'chainId' | 'roles' | 'onProgress'>;

/** What each role key is given on a chain of the node's own (Anvil's setBalance, a geth genesis). */
export const ROLE_FUNDING = parseEther('1000');
const MIN_ROLE_BALANCE = parseEther('10');

/** The admin deploying and wiring contracts: each step waits for its receipt and fails loudly. */
function adminSession(parameters: DeployStepParameters) {
  const { rpcUrl, chainId, roles } = parameters;
  const progress = parameters.onProgress ?? (() => {});
  const { publicClient, walletClient } = createChainClients({ chainId, rpcUrl });
  const admin = walletClient(roles.admin);
  const confirmed = async (what: string, hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`${what} failed in ${hash}`);
    return receipt;
  };
  return {
    publicClient,
    progress,
    async deploy(name: string, abi: Abi, bytecode: string, args: readonly unknown[]): Promise<Address> {
      progress(`deploying ${name}`);
      const hash = await admin.deployContract({ abi, bytecode: bytecode as Hex, args } as never);
      const receipt = await confirmed(`${name} deployment`, hash);
      if (!receipt.contractAddress) throw new Error(`${name} deployment created no contract in ${hash}`);
      return receipt.contractAddress;
    },
    async call(what: string, address: Address, abi: Abi, functionName: string, args: readonly unknown[]): Promise<void> {
      await confirmed(what, await admin.writeContract({ address, abi, functionName, args } as never));
    },
    /** Grants the AccessControl role named by the contract's constant (e.g. 'OPERATOR_ROLE'). */
    async grantRole(address: Address, abi: Abi, roleName: string, account: Address): Promise<void> {
      const role = (await publicClient.readContract({ address, abi, functionName: roleName } as never)) as Hex;
      await confirmed(
        `granting ${roleName} of ${address} to ${account}`,
        await admin.writeContract({ address, abi, functionName: 'grantRole', args: [role, account] } as never),
      );
    },
  };
}

/** Deploys the contracts, grants each role to its own account and returns the deployment record. */
export async function deployPythia(parameters: DeployPythiaParameters): Promise<Deployment> {
  const { rpcUrl, chainId, roles, gatewayUrl, embeddedChain } = parameters;
  const session = adminSession(parameters);
  const actualChainId = await session.publicClient.getChainId();
  if (actualChainId !== chainId) throw new Error(`the node at ${rpcUrl} is chain ${actualChainId}, expected ${chainId}`);

  session.progress('funding role accounts');
  await fundRoles({ rpcUrl, chainId, roles, embeddedChain });
  const deploymentBlock = await session.publicClient.getBlockNumber({ cacheTime: 0 });
  const fleet = await session.deploy('PythiaFleet', pythiaFleetAbi, pythiaFleetBytecode, [roles.admin.address]);
  session.progress('granting roles');
  await session.grantRole(fleet, pythiaFleetAbi, 'OPERATOR_ROLE', roles.operator.address);
  await session.grantRole(fleet, pythiaFleetAbi, 'RELAYER_ROLE', roles.relayer.address);

  const { deviceIdentity, deviceOwnership } = await deployDeviceIdentity({ ...parameters, fleet });
  const pythiaRegistry = await deployPythiaRegistry(parameters);
  const firmwareRegistry = await deployFirmwareRegistry({ ...parameters, fleet, deviceIdentity, deviceOwnership });
  const consent = await deployConsentSuite({ ...parameters, fleet, deviceOwnership });

  return {
    chainId,
    rpcUrl,
    gatewayUrl,
    deploymentBlock: Number(deploymentBlock) + 1,
    contracts: { fleet, pythiaRegistry, deviceIdentity, deviceOwnership, firmwareRegistry, ...consent },
    roles: { admin: roles.admin.address, operator: roles.operator.address, relayer: roles.relayer.address },
    embeddedChain,
  };
}

export type DeployDeviceIdentityParameters = DeployStepParameters & {
  /** A freshly deployed fleet whose ownership contract is not set yet (roles.admin is its admin). */
  fleet: Address;
};

/**
 * Deploys DeviceOwnership (tokens of the fleet's devices) and DeviceIdentity (provisioning, key
 * rotation, DID documents) and wires them (docs/contracts.md, "Device identity"): the fleet mints
 * through the ownership contract (setDeviceOwnership, once), the identity contract gets the fleet's
 * IDENTITY_ROLE and MANUFACTURER_ROLE, and the operator gets the identity contract's OPERATOR_ROLE.
 */
export async function deployDeviceIdentity(
  parameters: DeployDeviceIdentityParameters,
): Promise<{ deviceIdentity: Address; deviceOwnership: Address }> {
  const { roles, fleet } = parameters;
  const session = adminSession(parameters);
  const deviceOwnership = await session.deploy('DeviceOwnership', deviceOwnershipAbi, deviceOwnershipBytecode, [fleet]);
  const deviceIdentity = await session.deploy('DeviceIdentity', deviceIdentityAbi, deviceIdentityBytecode, [
    roles.admin.address,
    fleet,
    deviceOwnership,
  ]);
  session.progress('wiring identity and ownership');
  await session.call('setDeviceOwnership', fleet, pythiaFleetAbi, 'setDeviceOwnership', [deviceOwnership]);
  await session.grantRole(fleet, pythiaFleetAbi, 'IDENTITY_ROLE', deviceIdentity);
  await session.grantRole(fleet, pythiaFleetAbi, 'MANUFACTURER_ROLE', deviceIdentity);
  await session.grantRole(deviceIdentity, deviceIdentityAbi, 'OPERATOR_ROLE', roles.operator.address);
  return { deviceIdentity, deviceOwnership };
}

/**
 * Deploys the Pythia registry with roles.admin as its admin, grants GOVERNANCE_ROLE (approves code
 * measurements) to the admin and OPERATOR_ROLE (registers Pythia keys) to the operator, and
 * returns its address. Also used on its own to add the registry to a deployment made before it existed.
 */
export async function deployPythiaRegistry(parameters: DeployStepParameters): Promise<Address> {
  const { roles } = parameters;
  const session = adminSession(parameters);
  const registry = await session.deploy('PythiaRegistry', pythiaRegistryAbi, pythiaRegistryBytecode, [roles.admin.address]);
  await session.grantRole(registry, pythiaRegistryAbi, 'GOVERNANCE_ROLE', roles.admin.address);
  await session.grantRole(registry, pythiaRegistryAbi, 'OPERATOR_ROLE', roles.operator.address);
  return registry;
}

export type DeployFirmwareRegistryParameters = DeployStepParameters & {
  /** The fleet (roles.admin is its admin), and its identity and ownership contracts. */
  fleet: Address;
  deviceIdentity: Address;
  deviceOwnership: Address;
};

/**
 * Deploys the firmware registry (docs/contracts.md, "Firmware registry") over the fleet, identity
 * and ownership contracts and grants it the fleet's INSPECTOR_ROLE, so that a device reporting a
 * revoked or unknown build is flagged. It holds no roles of its own. Also used on its own to add
 * the registry to a deployment made before it existed.
 */
export async function deployFirmwareRegistry(parameters: DeployFirmwareRegistryParameters): Promise<Address> {
  const { fleet, deviceIdentity, deviceOwnership } = parameters;
  const session = adminSession(parameters);
  const registry = await session.deploy('FirmwareRegistry', firmwareRegistryAbi, firmwareRegistryBytecode, [
    fleet,
    deviceOwnership,
    deviceIdentity,
  ]);
  await session.grantRole(fleet, pythiaFleetAbi, 'INSPECTOR_ROLE', registry);
  return registry;
}

export type DeployConsentSuiteParameters = DeployStepParameters & {
  fleet: Address;
  deviceOwnership: Address;
  /** RecipientBonds' unbonding delay, seconds (default 30 days: longer than any deletion period it must cover). */
  unbondingDelaySeconds?: bigint;
  /** Shortest deadline an owner may give for a deletion request, seconds (default 1 day). */
  minimumDeletionPeriodSeconds?: bigint;
  /** Penalty for a violation under a consent without a policy, wei (default 0.1 ETH). */
  defaultPenaltyWei?: bigint;
};

export type ConsentSuiteAddresses = {
  policyRegistry: Address;
  consentRegistry: Address;
  accessLog: Address;
  feedMarket: Address;
  recipientBonds: Address;
  sharingLog: Address;
  canaryRegistry: Address;
  deletionRequests: Address;
};

/**
 * Everything of issue #5, wired (docs/contracts.md, "Policy registry" to "Accountability";
 * docs/operations.md, "Consent and data sharing"):
 * - PolicyRegistry (no roles: anyone publishes under their own address);
 * - ConsentRegistry over the fleet, ownership and policies, and the AccessLog over it, whose
 *   LOGGER_ROLE the relayer holds (the gateway logs deliveries and commands in batches);
 * - FeedMarket (no roles: each owner approves it as grant agent, `pythia feed offer` does);
 * - RecipientBonds, SharingLog, CanaryRegistry and DeletionRequests: the bonds' PENALTY_ROLE to the
 *   canary registry and deletion requests, the canary registry's COMMITTER_ROLE to the relayer,
 *   and DeletionRequests as the consent registry's revocation hook (deleteOnRevoke policies).
 * Also used on its own to add them to a deployment made before they existed.
 */
export async function deployConsentSuite(parameters: DeployConsentSuiteParameters): Promise<ConsentSuiteAddresses> {
  const { roles, fleet, deviceOwnership } = parameters;
  const admin = roles.admin.address;
  const defaultPenalty = parameters.defaultPenaltyWei ?? parseEther('0.1');
  const session = adminSession(parameters);

  const policyRegistry = await session.deploy('PolicyRegistry', policyRegistryAbi, policyRegistryBytecode, []);
  const consentRegistry = await session.deploy('ConsentRegistry', consentRegistryAbi, consentRegistryBytecode, [
    admin,
    fleet,
    deviceOwnership,
    policyRegistry,
  ]);
  const accessLog = await session.deploy('AccessLog', accessLogAbi, accessLogBytecode, [admin, consentRegistry]);
  const feedMarket = await session.deploy('FeedMarket', feedMarketAbi, feedMarketBytecode, [consentRegistry, deviceOwnership]);
  const recipientBonds = await session.deploy('RecipientBonds', recipientBondsAbi, recipientBondsBytecode, [
    admin,
    parameters.unbondingDelaySeconds ?? 30n * 86_400n,
  ]);
  const sharingLog = await session.deploy('SharingLog', sharingLogAbi, sharingLogBytecode, [consentRegistry, policyRegistry]);
  const canaryRegistry = await session.deploy('CanaryRegistry', canaryRegistryAbi, canaryRegistryBytecode, [
    admin,
    consentRegistry,
    policyRegistry,
    sharingLog,
    recipientBonds,
    defaultPenalty,
  ]);
  const deletionRequests = await session.deploy('DeletionRequests', deletionRequestsAbi, deletionRequestsBytecode, [
    consentRegistry,
    policyRegistry,
    recipientBonds,
    parameters.minimumDeletionPeriodSeconds ?? 86_400n,
    defaultPenalty,
  ]);

  session.progress('wiring consent and accountability roles');
  // The gateway logs and commits with the account that relays its transactions.
  await session.grantRole(accessLog, accessLogAbi, 'LOGGER_ROLE', roles.relayer.address);
  await session.grantRole(canaryRegistry, canaryRegistryAbi, 'COMMITTER_ROLE', roles.relayer.address);
  await session.grantRole(recipientBonds, recipientBondsAbi, 'PENALTY_ROLE', canaryRegistry);
  await session.grantRole(recipientBonds, recipientBondsAbi, 'PENALTY_ROLE', deletionRequests);
  await session.call('setRevocationHook', consentRegistry, consentRegistryAbi, 'setRevocationHook', [deletionRequests]);
  return { policyRegistry, consentRegistry, accessLog, feedMarket, recipientBonds, sharingLog, canaryRegistry, deletionRequests };
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
