import {
  parseAbi,
  parseEther,
  zeroHash,
  type Abi,
  type Address,
  type ContractConstructorArgs,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hex,
} from 'viem';
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
  pythiaTimelockAbi,
  pythiaTimelockBytecode,
  recipientBondsAbi,
  recipientBondsBytecode,
  recipientTermsAbi,
  recipientTermsBytecode,
  sharingLogAbi,
  sharingLogBytecode,
} from '../contracts/abis.js';
import { createChainClients } from './clients.js';
import { bindRelayer, readPythia, registerPythiaKey } from './pythiaRegistry.js';
import { governedCalls, timelockCall } from './timelock.js';
import { sendContractTransaction, type WriteFunctionName } from './sendContractTransaction.js';
import { setAnvilBalance } from './setAnvilBalance.js';
import type { Deployment } from './deployment.js';
import { ROLE_NAMES, type RoleAccounts } from './roleKeys.js';

export type DeployPythiaParameters = {
  rpcUrl: string;
  chainId: number;
  roles: RoleAccounts;
  gatewayUrl: string;
  /** Embedded Anvil: role accounts are funded with anvil_setBalance instead of by the admin. */
  embeddedChain: boolean;
  /**
   * Seconds the council's timelock waits between scheduling and executing a change of who may act
   * (granting or revoking a role, the consent revocation hook, an admin handover); also the delay of
   * a two-step admin handover (AccessControlDefaultAdminRules). Default: DEFAULT_TIMELOCK_DELAY_SECONDS
   * on an embedded (local, one-machine) chain, COUNCIL_TIMELOCK_DELAY_SECONDS on any other network.
   */
  timelockDelaySeconds?: bigint;
  onProgress?: (step: string) => void;
};

/**
 * The timelock delay of a local deployment (embedded Anvil): one machine holds every key, so a delay
 * protects no one from anyone, and the demo's and tests' administration happens at once.
 */
export const DEFAULT_TIMELOCK_DELAY_SECONDS = 0n;
/** The timelock delay of a council's network (`pythia up --rpc-url ...`): two days to see a role change coming. */
export const COUNCIL_TIMELOCK_DELAY_SECONDS = 2n * 86_400n;
/** Longest timelock delay accepted (AccessControlDefaultAdminRules takes a uint48; a month is plenty). */
export const MAX_TIMELOCK_DELAY_SECONDS = 30n * 86_400n;

/** What every deploy step needs: the chain, the role accounts (roles.admin deploys), the timelock and progress. */
export type DeployStepParameters = Pick<DeployPythiaParameters, 'rpcUrl' | 'chainId' | 'roles' | 'onProgress'> & {
  /**
   * The council's PythiaTimelock: every contract with roles is deployed with it as DEFAULT_ADMIN_ROLE.
   * Its delay must still be 0 while a step runs (deployTimelock, then finishTimelock): the step wires
   * its roles through it in one scheduled-and-executed batch.
   */
  timelock: Address;
  /** The two-step admin handover delay of the contracts deployed (seconds; default 0). */
  adminDelaySeconds?: bigint;
};

/** A call the timelock makes as the contracts' admin. */
type GovernedCall = { what: string; address: Address; abi: Abi; functionName: string; args: readonly unknown[] };

/** The role constants of an AccessControl contract's ABI (OPERATOR_ROLE, RELAYER_ROLE, ...). */
type RoleConstant<abi extends Abi> = Extract<ContractFunctionName<abi, 'view' | 'pure'>, `${string}_ROLE`>;

/** OpenZeppelin AccessControl's grantRole, which every contract here inherits. */
const accessControlAbi = parseAbi(['function grantRole(bytes32 role, address account)']);

/** The getter of one role constant. */
const roleGetterAbi = <name extends string>(name: name) =>
  [{ type: 'function', name, stateMutability: 'view', inputs: [], outputs: [{ type: 'bytes32', name: 'role' }] }] as const;

/** What each role key is given on a chain of the node's own (Anvil's setBalance, a geth genesis). */
export const ROLE_FUNDING = parseEther('1000');
/** What each role account keeps at least; below it the node tops it up (fundRoles). */
export const MIN_ROLE_BALANCE = parseEther('10');

/** The admin deploying and wiring contracts: each step waits for its receipt and fails loudly. */
function adminSession(parameters: Pick<DeployStepParameters, 'rpcUrl' | 'chainId' | 'roles' | 'onProgress'> & { timelock?: Address }) {
  const { rpcUrl, chainId, roles } = parameters;
  const progress = parameters.onProgress ?? (() => {});
  const clients = createChainClients({ chainId, rpcUrl });
  const { publicClient } = clients;
  const admin = clients.walletClient(roles.admin);
  return {
    publicClient,
    progress,
    async deploy<const abi extends Abi>(name: string, abi: abi, bytecode: Hex, args: ContractConstructorArgs<abi>): Promise<Address> {
      progress(`deploying ${name}`);
      // The constructor arguments are checked against the ABI above; viem cannot resolve them again for an open ABI.
      const hash = await admin.deployContract({ abi: abi as Abi, bytecode, args: args as readonly unknown[] });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error(`${name} deployment failed in ${hash}`);
      if (!receipt.contractAddress) throw new Error(`${name} deployment created no contract in ${hash}`);
      return receipt.contractAddress;
    },
    async call<const abi extends Abi, functionName extends WriteFunctionName<abi>>(
      address: Address,
      abi: abi,
      functionName: functionName,
      args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>,
    ): Promise<void> {
      progress(`${functionName} on ${address}`);
      await sendContractTransaction({ clients, account: roles.admin, address, abi, functionName, args });
    },
    /** The call that grants the AccessControl role named by the contract's constant (e.g. 'OPERATOR_ROLE'), read from the contract. */
    async grant<const abi extends Abi>(address: Address, abi: abi, roleName: RoleConstant<abi>, account: Address): Promise<GovernedCall> {
      if (!abi.some((item) => item.type === 'function' && item.name === roleName)) throw new Error(`the ABI has no ${roleName}`);
      const role = await publicClient.readContract({ address, abi: roleGetterAbi(roleName), functionName: roleName });
      return {
        what: `granting ${roleName} of ${address} to ${account}`,
        address,
        abi: accessControlAbi,
        functionName: 'grantRole',
        args: [role, account],
      };
    },
    /**
     * Makes the timelock (the contracts' admin) perform `calls`: one scheduleBatch and one
     * executeBatch by the admin key, the proposer and executor. Needs the timelock's delay to be 0,
     * as it is during a deployment (finishTimelock sets the real one afterwards).
     */
    async governed(all: GovernedCall[]): Promise<void> {
      // A contract deployed before issue #12 still has the admin key as its admin: it acts directly.
      const calls: GovernedCall[] = [];
      for (const call of all) {
        const direct =
          call.address !== parameters.timelock &&
          ((await publicClient.readContract({
            address: call.address,
            abi: pythiaFleetAbi,
            functionName: 'hasRole',
            args: [zeroHash, roles.admin.address],
          })) as boolean);
        const { address, abi, functionName, args } = call;
        if (direct) {
          progress(call.what);
          await sendContractTransaction({ clients, account: roles.admin, address, abi, functionName, args });
        } else calls.push(call);
      }
      if (calls.length === 0) return;
      const timelock = parameters.timelock;
      if (!timelock) throw new Error('no timelock to act through');
      progress(`through the timelock: ${calls.map((c) => c.what).join('; ')}`);
      const done = await governedCalls({ clients, account: roles.admin, address: timelock, calls: calls.map(timelockCall) });
      if (!done.executed) throw new Error(`the timelock ${timelock} has a delay: the deployment cannot wire through it`);
    },
  };
}

/**
 * Deploys the council's timelock (docs/operations.md, "Who holds which role"): the admin key is its
 * proposer, executor and canceller, and nobody administers it but itself. Its delay starts at 0 so
 * that the deployment can wire the contracts through it; finishTimelock sets the real delay.
 */
export async function deployTimelock(
  parameters: Pick<DeployStepParameters, 'rpcUrl' | 'chainId' | 'roles' | 'onProgress'>,
): Promise<Address> {
  const session = adminSession(parameters);
  const council = [parameters.roles.admin.address];
  return session.deploy('PythiaTimelock', pythiaTimelockAbi, pythiaTimelockBytecode, [
    0n,
    council,
    council,
    '0x0000000000000000000000000000000000000000',
  ]);
}

/** Sets the timelock's real delay (a call the timelock makes on itself, while its delay is still 0). */
export async function finishTimelock(parameters: DeployStepParameters & { delaySeconds: bigint }): Promise<void> {
  const { timelock, delaySeconds } = parameters;
  if (delaySeconds < 0n || delaySeconds > MAX_TIMELOCK_DELAY_SECONDS) {
    throw new RangeError(`the timelock delay must be 0 to ${MAX_TIMELOCK_DELAY_SECONDS} seconds, not ${delaySeconds}`);
  }
  if (delaySeconds === 0n) return;
  const session = adminSession(parameters);
  await session.governed([
    {
      what: `setting the timelock delay to ${delaySeconds} s`,
      address: timelock,
      abi: pythiaTimelockAbi as Abi,
      functionName: 'updateDelay',
      args: [delaySeconds],
    },
  ]);
}

/** The timelock delay a deployment gets when none is given. */
export function defaultTimelockDelay(embeddedChain: boolean): bigint {
  return embeddedChain ? DEFAULT_TIMELOCK_DELAY_SECONDS : COUNCIL_TIMELOCK_DELAY_SECONDS;
}

/**
 * Deploys the contracts with the council's timelock as their admin, grants each role to its own
 * account through it, registers the gateway's Pythia key with its relayer bound to it, sets the
 * timelock's delay, and returns the deployment record.
 */
export async function deployPythia(parameters: DeployPythiaParameters): Promise<Deployment> {
  const { rpcUrl, chainId, roles, gatewayUrl, embeddedChain } = parameters;
  const delay = parameters.timelockDelaySeconds ?? defaultTimelockDelay(embeddedChain);
  if (delay < 0n || delay > MAX_TIMELOCK_DELAY_SECONDS) {
    throw new RangeError(`the timelock delay must be 0 to ${MAX_TIMELOCK_DELAY_SECONDS} seconds, not ${delay}`);
  }
  const bootstrap = adminSession(parameters);
  const actualChainId = await bootstrap.publicClient.getChainId();
  if (actualChainId !== chainId) throw new Error(`the node at ${rpcUrl} is chain ${actualChainId}, expected ${chainId}`);

  bootstrap.progress('funding role accounts');
  await fundRoles({ rpcUrl, chainId, roles, embeddedChain });
  const deploymentBlock = await bootstrap.publicClient.getBlockNumber({ cacheTime: 0 });
  const timelock = await deployTimelock(parameters);
  const step: DeployStepParameters = {
    rpcUrl,
    chainId,
    roles,
    timelock,
    adminDelaySeconds: delay,
    ...(parameters.onProgress && { onProgress: parameters.onProgress }),
  };
  const session = adminSession(step);

  const pythiaRegistry = await deployPythiaRegistry(step);
  const fleet = await session.deploy('PythiaFleet', pythiaFleetAbi, pythiaFleetBytecode, [timelock, Number(delay), pythiaRegistry]);
  await session.governed([
    await session.grant(fleet, pythiaFleetAbi, 'OPERATOR_ROLE', roles.operator.address),
    await session.grant(fleet, pythiaFleetAbi, 'RELAYER_ROLE', roles.relayer.address),
  ]);
  await registerGatewayPythia({ ...step, pythiaRegistry });

  const { deviceIdentity, deviceOwnership } = await deployDeviceIdentity({ ...step, fleet });
  const firmwareRegistry = await deployFirmwareRegistry({ ...step, fleet, deviceIdentity, deviceOwnership });
  const consent = await deployConsentSuite({ ...step, fleet, deviceOwnership, pythiaRegistry });
  await finishTimelock({ ...step, delaySeconds: delay });

  return {
    chainId,
    rpcUrl,
    gatewayUrl,
    deploymentBlock: Number(deploymentBlock) + 1,
    contracts: { timelock, fleet, pythiaRegistry, deviceIdentity, deviceOwnership, firmwareRegistry, ...consent },
    roles: { admin: roles.admin.address, operator: roles.operator.address, relayer: roles.relayer.address },
    embeddedChain,
  };
}

/**
 * Registers the gateway's own Pythia key (roles.pythia; unattested: no TEE here) and binds the relayer
 * account to it (operator), so that the fleet, the access log and the canary registry accept the
 * relayer's transactions (issue #12, "roles follow trust"). Does what is missing, nothing else.
 */
export async function registerGatewayPythia(
  parameters: Pick<DeployStepParameters, 'rpcUrl' | 'chainId' | 'roles' | 'onProgress'> & { pythiaRegistry: Address },
): Promise<void> {
  const { roles, pythiaRegistry: registry } = parameters;
  const clients = createChainClients(parameters);
  const progress = parameters.onProgress ?? (() => {});
  const key = roles.pythia.address;
  const record = await readPythia({ publicClient: clients.publicClient, registry }, key);
  if (record.status === 'revoked') return; // the operator decides what replaces it (pythia pythia rotate)
  if (record.status === 'none') {
    progress(`registering this gateway's Pythia key ${key} (unattested: no TEE here)`);
    await registerPythiaKey({ clients, account: roles.operator, address: registry, publicKey: roles.pythia.publicKey });
  }
  if (record.relayer?.toLowerCase() === roles.relayer.address.toLowerCase()) return;
  progress(`binding the relayer ${roles.relayer.address} to the Pythia key ${key}`);
  await bindRelayer({ clients, account: roles.operator, address: registry, key, relayer: roles.relayer.address });
}

export type DeployDeviceIdentityParameters = DeployStepParameters & {
  /** A freshly deployed fleet whose ownership contract is not set yet (the timelock is its admin). */
  fleet: Address;
};

/**
 * Deploys DeviceOwnership (tokens of the fleet's devices) and DeviceIdentity (provisioning, key
 * rotation, DID documents) and wires them through the timelock (docs/contracts.md, "Device
 * identity"): the fleet mints through the ownership contract (setDeviceOwnership, once), the
 * identity contract gets the fleet's IDENTITY_ROLE and MANUFACTURER_ROLE, and the operator gets the
 * identity contract's OPERATOR_ROLE.
 */
export async function deployDeviceIdentity(
  parameters: DeployDeviceIdentityParameters,
): Promise<{ deviceIdentity: Address; deviceOwnership: Address }> {
  const { roles, fleet, timelock } = parameters;
  const session = adminSession(parameters);
  const deviceOwnership = await session.deploy('DeviceOwnership', deviceOwnershipAbi, deviceOwnershipBytecode, [fleet]);
  const deviceIdentity = await session.deploy('DeviceIdentity', deviceIdentityAbi, deviceIdentityBytecode, [
    timelock,
    Number(parameters.adminDelaySeconds ?? 0n),
    fleet,
    deviceOwnership,
  ]);
  session.progress('wiring identity and ownership');
  await session.governed([
    { what: 'setDeviceOwnership', address: fleet, abi: pythiaFleetAbi as Abi, functionName: 'setDeviceOwnership', args: [deviceOwnership] },
    await session.grant(fleet, pythiaFleetAbi, 'IDENTITY_ROLE', deviceIdentity),
    await session.grant(fleet, pythiaFleetAbi, 'MANUFACTURER_ROLE', deviceIdentity),
    await session.grant(deviceIdentity, deviceIdentityAbi, 'OPERATOR_ROLE', roles.operator.address),
  ]);
  return { deviceIdentity, deviceOwnership };
}

/**
 * Deploys the Pythia registry with the timelock as its admin, grants GOVERNANCE_ROLE (approves code
 * measurements) to the admin key and OPERATOR_ROLE (registers Pythia keys, binds relayers) to the
 * operator, and returns its address. Also used on its own to add the registry to a deployment made
 * before it existed.
 */
export async function deployPythiaRegistry(parameters: DeployStepParameters): Promise<Address> {
  const { roles, timelock } = parameters;
  const session = adminSession(parameters);
  const registry = await session.deploy('PythiaRegistry', pythiaRegistryAbi, pythiaRegistryBytecode, [
    timelock,
    Number(parameters.adminDelaySeconds ?? 0n),
  ]);
  await session.governed([
    await session.grant(registry, pythiaRegistryAbi, 'GOVERNANCE_ROLE', roles.admin.address),
    await session.grant(registry, pythiaRegistryAbi, 'OPERATOR_ROLE', roles.operator.address),
  ]);
  return registry;
}

export type DeployFirmwareRegistryParameters = DeployStepParameters & {
  /** The fleet (the timelock is its admin), and its identity and ownership contracts. */
  fleet: Address;
  deviceIdentity: Address;
  deviceOwnership: Address;
};

/**
 * Deploys the firmware registry (docs/contracts.md, "Firmware registry") over the fleet, identity
 * and ownership contracts and grants it the fleet's INSPECTOR_ROLE (through the timelock), so that a
 * device reporting a revoked or unknown build is flagged. It holds no roles of its own. Also used on
 * its own to add the registry to a deployment made before it existed.
 */
export async function deployFirmwareRegistry(parameters: DeployFirmwareRegistryParameters): Promise<Address> {
  const { fleet, deviceIdentity, deviceOwnership } = parameters;
  const session = adminSession(parameters);
  const registry = await session.deploy('FirmwareRegistry', firmwareRegistryAbi, firmwareRegistryBytecode, [
    fleet,
    deviceOwnership,
    deviceIdentity,
  ]);
  await session.governed([await session.grant(fleet, pythiaFleetAbi, 'INSPECTOR_ROLE', registry)]);
  return registry;
}

export type DeployConsentSuiteParameters = DeployStepParameters & {
  fleet: Address;
  deviceOwnership: Address;
  /** The Pythia registry: the access log and the canary registry accept a relayer bound to a trusted key only. */
  pythiaRegistry: Address;
  /** Shortest time a recipient is given for any deletion request, seconds (default 1 day). */
  minimumDeletionPeriodSeconds?: bigint;
  /** After a consent's expiry, how long leaks can be claimed and deletion requested, seconds (default 90 days). */
  claimWindowSeconds?: bigint;
  /** How long a recipient has to dispute a leak claim, seconds (default 14 days). */
  disputeWindowSeconds?: bigint;
  /** Penalty per violation under a consent without a policy, once accepted, wei (default 0.1 ETH). */
  defaultPenaltyWei?: bigint;
};

export type ConsentSuiteAddresses = {
  policyRegistry: Address;
  consentRegistry: Address;
  accessLog: Address;
  feedMarket: Address;
  recipientTerms: Address;
  recipientBonds: Address;
  sharingLog: Address;
  canaryRegistry: Address;
  deletionRequests: Address;
};

/** Defaults of the accountability parameters (docs/contracts.md, "Recipient terms"). */
export const CONSENT_SUITE_DEFAULTS = {
  minimumDeletionPeriodSeconds: 86_400n,
  claimWindowSeconds: 90n * 86_400n,
  disputeWindowSeconds: 14n * 86_400n,
  defaultPenaltyWei: parseEther('0.1'),
} as const;

/**
 * Everything of issues #5 and #12, wired (docs/contracts.md, "Policy registry" to "Accountability";
 * docs/operations.md, "Consent and data sharing" and "Who holds which role"):
 * - PolicyRegistry (no roles: anyone publishes under their own address);
 * - ConsentRegistry over the fleet, ownership and policies, and the AccessLog over it, whose
 *   LOGGER_ROLE the relayer holds (the gateway logs deliveries and commands in batches);
 * - RecipientTerms (what each recipient accepted; no roles), the FeedMarket over it, named once in it
 *   by the admin key (a purchase is the buyer's acceptance);
 * - RecipientBonds (no roles: its two slashers, CanaryRegistry and DeletionRequests, are named once by
 *   the admin key), SharingLog, CanaryRegistry (COMMITTER_ROLE: the relayer; ARBITER_ROLE: the admin
 *   key, the council) and DeletionRequests, the consent registry's revocation hook.
 * Roles and the hook are set through the timelock. Also used on its own to add the suite to a
 * deployment made before it existed.
 */
export async function deployConsentSuite(parameters: DeployConsentSuiteParameters): Promise<ConsentSuiteAddresses> {
  const { roles, fleet, deviceOwnership, pythiaRegistry, timelock } = parameters;
  const adminDelay = Number(parameters.adminDelaySeconds ?? 0n);
  const session = adminSession(parameters);

  const policyRegistry = await session.deploy('PolicyRegistry', policyRegistryAbi, policyRegistryBytecode, []);
  const consentRegistry = await session.deploy('ConsentRegistry', consentRegistryAbi, consentRegistryBytecode, [
    timelock,
    adminDelay,
    fleet,
    deviceOwnership,
    policyRegistry,
  ]);
  const accessLog = await session.deploy('AccessLog', accessLogAbi, accessLogBytecode, [
    timelock,
    adminDelay,
    consentRegistry,
    pythiaRegistry,
  ]);
  const recipientTerms = await session.deploy('RecipientTerms', recipientTermsAbi, recipientTermsBytecode, [
    consentRegistry,
    policyRegistry,
    parameters.minimumDeletionPeriodSeconds ?? CONSENT_SUITE_DEFAULTS.minimumDeletionPeriodSeconds,
    parameters.claimWindowSeconds ?? CONSENT_SUITE_DEFAULTS.claimWindowSeconds,
    parameters.disputeWindowSeconds ?? CONSENT_SUITE_DEFAULTS.disputeWindowSeconds,
    parameters.defaultPenaltyWei ?? CONSENT_SUITE_DEFAULTS.defaultPenaltyWei,
  ]);
  const feedMarket = await session.deploy('FeedMarket', feedMarketAbi, feedMarketBytecode, [
    consentRegistry,
    deviceOwnership,
    recipientTerms,
  ]);
  await session.call(recipientTerms, recipientTermsAbi, 'setFeedMarket', [feedMarket]);
  const recipientBonds = await session.deploy('RecipientBonds', recipientBondsAbi, recipientBondsBytecode, [recipientTerms]);
  const sharingLog = await session.deploy('SharingLog', sharingLogAbi, sharingLogBytecode, [consentRegistry, policyRegistry]);
  const canaryRegistry = await session.deploy('CanaryRegistry', canaryRegistryAbi, canaryRegistryBytecode, [
    timelock,
    adminDelay,
    { consents: consentRegistry, accessLog, sharingLog, terms: recipientTerms, bonds: recipientBonds, relayerTrust: pythiaRegistry },
  ]);
  const deletionRequests = await session.deploy('DeletionRequests', deletionRequestsAbi, deletionRequestsBytecode, [
    consentRegistry,
    policyRegistry,
    recipientTerms,
    recipientBonds,
  ]);

  session.progress('wiring consent and accountability roles');
  await session.call(recipientBonds, recipientBondsAbi, 'setSlashers', [[canaryRegistry, deletionRequests]]);
  // The gateway logs and commits with the account that relays its transactions.
  await session.governed([
    await session.grant(accessLog, accessLogAbi, 'LOGGER_ROLE', roles.relayer.address),
    await session.grant(canaryRegistry, canaryRegistryAbi, 'COMMITTER_ROLE', roles.relayer.address),
    await session.grant(canaryRegistry, canaryRegistryAbi, 'ARBITER_ROLE', roles.admin.address),
    {
      what: 'setRevocationHook',
      address: consentRegistry,
      abi: consentRegistryAbi as Abi,
      functionName: 'setRevocationHook',
      args: [deletionRequests],
    },
  ]);
  return {
    policyRegistry,
    consentRegistry,
    accessLog,
    feedMarket,
    recipientTerms,
    recipientBonds,
    sharingLog,
    canaryRegistry,
    deletionRequests,
  };
}

/** Makes sure every role account can pay for gas. */
export async function fundRoles(parameters: Pick<DeployPythiaParameters, 'rpcUrl' | 'chainId' | 'roles' | 'embeddedChain'>): Promise<void> {
  const { publicClient, walletClient } = createChainClients(parameters);
  const accounts: Address[] = ROLE_NAMES.map((role) => parameters.roles[role].address);
  if (parameters.embeddedChain) {
    for (const address of accounts) {
      const balance = await publicClient.getBalance({ address });
      if (balance < MIN_ROLE_BALANCE) {
        await setAnvilBalance({ rpcUrl: parameters.rpcUrl, chainId: parameters.chainId, address, value: ROLE_FUNDING });
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
