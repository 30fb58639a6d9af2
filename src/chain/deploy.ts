import { parseEther, type Address, type Hex } from 'viem';
import {
  accessLogAbi,
  accessLogBytecode,
  consentRegistryAbi,
  consentRegistryBytecode,
  canaryRegistryAbi,
  canaryRegistryBytecode,
  deletionRequestsAbi,
  deletionRequestsBytecode,
  recipientBondsAbi,
  recipientBondsBytecode,
  sharingLogAbi,
  sharingLogBytecode,
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

  const { deviceIdentity, deviceOwnership } = await deployDeviceIdentity({ rpcUrl, chainId, roles, fleet, onProgress: progress });
  const pythiaRegistry = await deployPythiaRegistry({ rpcUrl, chainId, roles, onProgress: progress });
  const firmwareRegistry = await deployFirmwareRegistry({
    rpcUrl,
    chainId,
    roles,
    fleet,
    deviceIdentity,
    deviceOwnership,
    onProgress: progress,
  });
  const consent = await deployConsentSuite({ rpcUrl, chainId, roles, fleet, deviceOwnership, onProgress: progress });

  return {
    chainId,
    rpcUrl,
    gatewayUrl,
    deploymentBlock: Number(receipt.blockNumber),
    contracts: {
      fleet,
      pythiaRegistry,
      deviceIdentity,
      deviceOwnership,
      firmwareRegistry,
      ...consent,
    },
    roles: { admin: roles.admin.address, operator: roles.operator.address, relayer: roles.relayer.address },
    embeddedChain,
  };
}

export type DeployDeviceIdentityParameters = Pick<DeployPythiaParameters, 'rpcUrl' | 'chainId' | 'roles' | 'onProgress'> & {
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
  const { rpcUrl, chainId, roles, fleet } = parameters;
  const progress = parameters.onProgress ?? (() => {});
  const { publicClient, walletClient } = createChainClients({ chainId, rpcUrl });
  const admin = walletClient(roles.admin);
  const deployed = async (name: string, hash: Hex): Promise<Address> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`${name} deployment failed in ${hash}`);
    return receipt.contractAddress;
  };
  const confirmed = async (what: string, hash: Hex): Promise<void> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`${what} failed in ${hash}`);
  };

  progress('deploying DeviceOwnership');
  const deviceOwnership = await deployed(
    'DeviceOwnership',
    await admin.deployContract({ abi: deviceOwnershipAbi, bytecode: deviceOwnershipBytecode as Hex, args: [fleet] }),
  );
  progress('deploying DeviceIdentity');
  const deviceIdentity = await deployed(
    'DeviceIdentity',
    await admin.deployContract({
      abi: deviceIdentityAbi,
      bytecode: deviceIdentityBytecode as Hex,
      args: [roles.admin.address, fleet, deviceOwnership],
    }),
  );

  progress('wiring identity and ownership');
  await confirmed(
    'setDeviceOwnership',
    await admin.writeContract({ address: fleet, abi: pythiaFleetAbi, functionName: 'setDeviceOwnership', args: [deviceOwnership] }),
  );
  const [identityRole, manufacturerRole, identityOperatorRole] = await Promise.all([
    publicClient.readContract({ address: fleet, abi: pythiaFleetAbi, functionName: 'IDENTITY_ROLE' }),
    publicClient.readContract({ address: fleet, abi: pythiaFleetAbi, functionName: 'MANUFACTURER_ROLE' }),
    publicClient.readContract({ address: deviceIdentity, abi: deviceIdentityAbi, functionName: 'OPERATOR_ROLE' }),
  ]);
  for (const role of [identityRole, manufacturerRole]) {
    await confirmed(
      `granting a fleet role to DeviceIdentity`,
      await admin.writeContract({ address: fleet, abi: pythiaFleetAbi, functionName: 'grantRole', args: [role, deviceIdentity] }),
    );
  }
  await confirmed(
    `granting the identity OPERATOR_ROLE to ${roles.operator.address}`,
    await admin.writeContract({
      address: deviceIdentity,
      abi: deviceIdentityAbi,
      functionName: 'grantRole',
      args: [identityOperatorRole, roles.operator.address],
    }),
  );
  return { deviceIdentity, deviceOwnership };
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

export type DeployConsentContractsParameters = Pick<DeployPythiaParameters, 'rpcUrl' | 'chainId' | 'roles' | 'onProgress'> & {
  fleet: Address;
  deviceOwnership: Address;
  policyRegistry: Address;
};

/**
 * Deploys the consent registry (docs/contracts.md, "Consent") over the fleet, ownership and policy
 * contracts, and the access log over the registry; both have roles.admin as admin, and the relayer
 * gets the access log's LOGGER_ROLE (the gateway logs deliveries and commands in batches). Also used
 * on its own to add them to a deployment made before they existed.
 */
export async function deployConsentContracts(
  parameters: DeployConsentContractsParameters,
): Promise<{ consentRegistry: Address; accessLog: Address }> {
  const { rpcUrl, chainId, roles, fleet, deviceOwnership, policyRegistry } = parameters;
  const progress = parameters.onProgress ?? (() => {});
  const { publicClient, walletClient } = createChainClients({ chainId, rpcUrl });
  const admin = walletClient(roles.admin);
  const deployed = async (name: string, hash: Hex): Promise<Address> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`${name} deployment failed in ${hash}`);
    return receipt.contractAddress;
  };
  progress('deploying ConsentRegistry');
  const consentRegistry = await deployed(
    'ConsentRegistry',
    await admin.deployContract({
      abi: consentRegistryAbi,
      bytecode: consentRegistryBytecode as Hex,
      args: [roles.admin.address, fleet, deviceOwnership, policyRegistry],
    }),
  );
  progress('deploying AccessLog');
  const accessLog = await deployed(
    'AccessLog',
    await admin.deployContract({ abi: accessLogAbi, bytecode: accessLogBytecode as Hex, args: [roles.admin.address, consentRegistry] }),
  );
  const loggerRole = await publicClient.readContract({ address: accessLog, abi: accessLogAbi, functionName: 'LOGGER_ROLE' });
  const hash = await admin.writeContract({
    address: accessLog,
    abi: accessLogAbi,
    functionName: 'grantRole',
    args: [loggerRole, roles.relayer.address],
  });
  const granted = await publicClient.waitForTransactionReceipt({ hash });
  if (granted.status !== 'success') throw new Error(`granting LOGGER_ROLE to the relayer failed in ${hash}`);
  return { consentRegistry, accessLog };
}

export type DeployFirmwareRegistryParameters = Pick<DeployPythiaParameters, 'rpcUrl' | 'chainId' | 'roles' | 'onProgress'> & {
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
  const { rpcUrl, chainId, roles, fleet, deviceIdentity, deviceOwnership } = parameters;
  const progress = parameters.onProgress ?? (() => {});
  const { publicClient, walletClient } = createChainClients({ chainId, rpcUrl });
  const admin = walletClient(roles.admin);
  progress('deploying FirmwareRegistry');
  const deployHash = await admin.deployContract({
    abi: firmwareRegistryAbi,
    bytecode: firmwareRegistryBytecode as Hex,
    args: [fleet, deviceOwnership, deviceIdentity],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash: deployHash });
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`FirmwareRegistry deployment failed in ${deployHash}`);
  const registry = receipt.contractAddress;
  const inspectorRole = await publicClient.readContract({ address: fleet, abi: pythiaFleetAbi, functionName: 'INSPECTOR_ROLE' });
  const hash = await admin.writeContract({
    address: fleet,
    abi: pythiaFleetAbi,
    functionName: 'grantRole',
    args: [inspectorRole, registry],
  });
  const granted = await publicClient.waitForTransactionReceipt({ hash });
  if (granted.status !== 'success') throw new Error(`granting INSPECTOR_ROLE to the firmware registry failed in ${hash}`);
  return registry;
}

export type DeployFeedMarketParameters = Pick<DeployPythiaParameters, 'rpcUrl' | 'chainId' | 'roles' | 'onProgress'> & {
  /** The consent registry (IConsentRegistry) the market grants through. */
  consentRegistry: Address;
  /** The device ownership token the market checks offers against. */
  deviceOwnership: Address;
};

/**
 * Deploys the feed market (docs/contracts.md, "Data feeds") over the consent registry and the
 * ownership token. It holds no roles: each owner approves it as grant agent on the consent registry
 * (`pythia feed offer` does so).
 */
export async function deployFeedMarket(parameters: DeployFeedMarketParameters): Promise<Address> {
  const { rpcUrl, chainId, roles, consentRegistry, deviceOwnership } = parameters;
  const progress = parameters.onProgress ?? (() => {});
  const { publicClient, walletClient } = createChainClients({ chainId, rpcUrl });
  progress('deploying FeedMarket');
  const deployHash = await walletClient(roles.admin).deployContract({
    abi: feedMarketAbi,
    bytecode: feedMarketBytecode as Hex,
    args: [consentRegistry, deviceOwnership],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash: deployHash });
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`FeedMarket deployment failed in ${deployHash}`);
  return receipt.contractAddress;
}

export type DeployAccountabilityParameters = Pick<DeployPythiaParameters, 'rpcUrl' | 'chainId' | 'roles' | 'onProgress'> & {
  /** The consent and policy registries (issue #5) the accountability contracts read. */
  consentRegistry: Address;
  policyRegistry: Address;
  /** RecipientBonds' unbonding delay, seconds (default 30 days: longer than any deletion period it must cover). */
  unbondingDelaySeconds?: bigint;
  /** Shortest deadline an owner may give for a deletion request, seconds (default 1 day). */
  minimumDeletionPeriodSeconds?: bigint;
  /** Penalty for a violation under a consent without a policy, wei (default 0.1 ETH). */
  defaultPenaltyWei?: bigint;
};

export type AccountabilityAddresses = { recipientBonds: Address; sharingLog: Address; canaryRegistry: Address; deletionRequests: Address };

/**
 * Deploys the accountability contracts (docs/contracts.md, "Recipient bonds" to "Deletion
 * requests") with roles.admin as admin, grants RecipientBonds' PENALTY_ROLE to CanaryRegistry and
 * DeletionRequests, CanaryRegistry's COMMITTER_ROLE to the gateway's relayer account, and makes
 * DeletionRequests the ConsentRegistry's revocation hook (roles.admin must be its admin).
 */
export async function deployAccountability(parameters: DeployAccountabilityParameters): Promise<AccountabilityAddresses> {
  const { rpcUrl, chainId, roles, consentRegistry, policyRegistry } = parameters;
  const progress = parameters.onProgress ?? (() => {});
  const { publicClient, walletClient } = createChainClients({ chainId, rpcUrl });
  const admin = walletClient(roles.admin);
  const deployed = async (name: string, hash: Hex): Promise<Address> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`${name} deployment failed in ${hash}`);
    return receipt.contractAddress;
  };
  const confirmed = async (what: string, hash: Hex): Promise<void> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`${what} failed in ${hash}`);
  };
  const defaultPenalty = parameters.defaultPenaltyWei ?? parseEther('0.1');

  progress('deploying RecipientBonds');
  const recipientBonds = await deployed(
    'RecipientBonds',
    await admin.deployContract({
      abi: recipientBondsAbi,
      bytecode: recipientBondsBytecode as Hex,
      args: [roles.admin.address, parameters.unbondingDelaySeconds ?? 30n * 86_400n],
    }),
  );
  progress('deploying SharingLog');
  const sharingLog = await deployed(
    'SharingLog',
    await admin.deployContract({ abi: sharingLogAbi, bytecode: sharingLogBytecode as Hex, args: [consentRegistry, policyRegistry] }),
  );
  progress('deploying CanaryRegistry');
  const canaryRegistry = await deployed(
    'CanaryRegistry',
    await admin.deployContract({
      abi: canaryRegistryAbi,
      bytecode: canaryRegistryBytecode as Hex,
      args: [roles.admin.address, consentRegistry, policyRegistry, sharingLog, recipientBonds, defaultPenalty],
    }),
  );
  progress('deploying DeletionRequests');
  const deletionRequests = await deployed(
    'DeletionRequests',
    await admin.deployContract({
      abi: deletionRequestsAbi,
      bytecode: deletionRequestsBytecode as Hex,
      args: [consentRegistry, policyRegistry, recipientBonds, parameters.minimumDeletionPeriodSeconds ?? 86_400n, defaultPenalty],
    }),
  );

  progress('wiring accountability roles');
  const [penaltyRole, committerRole] = await Promise.all([
    publicClient.readContract({ address: recipientBonds, abi: recipientBondsAbi, functionName: 'PENALTY_ROLE' }),
    publicClient.readContract({ address: canaryRegistry, abi: canaryRegistryAbi, functionName: 'COMMITTER_ROLE' }),
  ]);
  for (const holder of [canaryRegistry, deletionRequests]) {
    await confirmed(
      `granting PENALTY_ROLE to ${holder}`,
      await admin.writeContract({
        address: recipientBonds,
        abi: recipientBondsAbi,
        functionName: 'grantRole',
        args: [penaltyRole, holder],
      }),
    );
  }
  // The gateway commits canaries with the account that relays its transactions.
  await confirmed(
    `granting COMMITTER_ROLE to ${roles.relayer.address}`,
    await admin.writeContract({
      address: canaryRegistry,
      abi: canaryRegistryAbi,
      functionName: 'grantRole',
      args: [committerRole, roles.relayer.address],
    }),
  );
  // Revoking a consent whose policy says deleteOnRevoke raises a deletion request at once.
  await confirmed(
    'registering DeletionRequests as the consent revocation hook',
    await admin.writeContract({
      address: consentRegistry,
      abi: consentRegistryAbi,
      functionName: 'setRevocationHook',
      args: [deletionRequests],
    }),
  );
  return { recipientBonds, sharingLog, canaryRegistry, deletionRequests };
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

export type DeployConsentSuiteParameters = Pick<DeployPythiaParameters, 'rpcUrl' | 'chainId' | 'roles' | 'onProgress'> & {
  fleet: Address;
  deviceOwnership: Address;
};

export type ConsentSuiteAddresses = AccountabilityAddresses & {
  policyRegistry: Address;
  consentRegistry: Address;
  accessLog: Address;
  feedMarket: Address;
};

/**
 * Everything of issue #5 (docs/contracts.md, "Consent" to "Data feeds"), wired: policies, consents,
 * the access log, the feed market and the accountability contracts. Also used on its own to add
 * them to a deployment made before they existed.
 */
export async function deployConsentSuite(parameters: DeployConsentSuiteParameters): Promise<ConsentSuiteAddresses> {
  const { fleet, deviceOwnership, ...common } = parameters;
  const policyRegistry = await deployPolicyRegistry(common);
  const { consentRegistry, accessLog } = await deployConsentContracts({ ...common, fleet, deviceOwnership, policyRegistry });
  const feedMarket = await deployFeedMarket({ ...common, consentRegistry, deviceOwnership });
  const accountability = await deployAccountability({ ...common, consentRegistry, policyRegistry });
  return { policyRegistry, consentRegistry, accessLog, feedMarket, ...accountability };
}

export type DeployPolicyRegistryParameters = Pick<DeployPythiaParameters, 'rpcUrl' | 'chainId' | 'roles' | 'onProgress'>;

/** Deploys the policy registry (no roles: anyone publishes versions under their own address). */
export async function deployPolicyRegistry(parameters: DeployPolicyRegistryParameters): Promise<Address> {
  const { rpcUrl, chainId, roles } = parameters;
  (parameters.onProgress ?? (() => {}))('deploying PolicyRegistry');
  const { publicClient, walletClient } = createChainClients({ chainId, rpcUrl });
  const hash = await walletClient(roles.admin).deployContract({
    abi: policyRegistryAbi,
    bytecode: policyRegistryBytecode as Hex,
    args: [],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`PolicyRegistry deployment failed in ${hash}`);
  return receipt.contractAddress;
}
