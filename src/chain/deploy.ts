import { randomBytes } from 'node:crypto';
import {
  keccak256,
  parseAbi,
  parseEther,
  toBytes,
  toHex,
  zeroAddress,
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
import { pythiaRegistrationArgs, readPythia } from './pythiaRegistry.js';
import { timelockCall } from './timelock.js';
import type { WriteFunctionName } from './sendContractTransaction.js';
import { createTransactionPlan, type TransactionPlan } from './transactionPlan.js';
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
  /**
   * The admin's transaction plan the step queues its transactions in, for the caller to send with
   * the others (deployPythia). Without it the step sends its own and waits for them.
   */
  plan?: TransactionPlan;
};

/** A call the timelock makes as the contracts' admin. */
type GovernedCall = { what: string; address: Address; abi: Abi; functionName: string; args: readonly unknown[] };

/** The role constants of an AccessControl contract's ABI (OPERATOR_ROLE, RELAYER_ROLE, ...). */
type RoleConstant<abi extends Abi> = Extract<ContractFunctionName<abi, 'view' | 'pure'>, `${string}_ROLE`>;

/** OpenZeppelin AccessControl's grantRole, which every contract here inherits. */
const accessControlAbi = parseAbi(['function grantRole(bytes32 role, address account)']);

/** What each role key is given on a chain of the node's own (Anvil's setBalance, a geth genesis). */
export const ROLE_FUNDING = parseEther('1000');
/** What each role account keeps at least; below it the node tops it up (fundRoles). */
export const MIN_ROLE_BALANCE = parseEther('10');

/**
 * The admin's deployment steps, queued in one transaction plan (transactionPlan.ts): nothing is sent
 * until the plan is, then every transaction at once, mined in the order queued.
 */
function adminSession(parameters: Pick<DeployStepParameters, 'onProgress' | 'roles'> & { timelock?: Address }, plan: TransactionPlan) {
  const { roles } = parameters;
  const { publicClient } = plan.clients;
  return {
    plan,
    deploy<const abi extends Abi>(name: string, abi: abi, bytecode: Hex, args: ContractConstructorArgs<abi>): Address {
      return plan.deploy(name, abi, bytecode, args);
    },
    call<const abi extends Abi, functionName extends WriteFunctionName<abi>>(
      address: Address,
      abi: abi,
      functionName: functionName,
      args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>,
    ): void {
      plan.call(`${functionName} on ${address}`, address, abi, functionName, args);
    },
    /**
     * The call that grants the AccessControl role named by the contract's constant (e.g.
     * 'OPERATOR_ROLE'). Every role constant of these contracts is keccak256 of its name: computed
     * here, because a contract of the plan is not on chain yet to be asked.
     */
    grant<const abi extends Abi>(address: Address, abi: abi, roleName: RoleConstant<abi>, account: Address): GovernedCall {
      if (!abi.some((item) => item.type === 'function' && item.name === roleName)) throw new Error(`the ABI has no ${roleName}`);
      return {
        what: `granting ${roleName} of ${address} to ${account}`,
        address,
        abi: accessControlAbi,
        functionName: 'grantRole',
        args: [keccak256(toBytes(roleName)), account],
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
          !plan.creates(call.address) &&
          ((await publicClient.readContract({
            address: call.address,
            abi: pythiaFleetAbi,
            functionName: 'hasRole',
            args: [zeroHash, roles.admin.address],
          })) as boolean);
        if (direct) plan.call(call.what, call.address, call.abi, call.functionName, call.args);
        else calls.push(call);
      }
      if (calls.length === 0) return;
      const timelock = parameters.timelock;
      if (!timelock) throw new Error('no timelock to act through');
      if (
        !plan.creates(timelock) &&
        (await publicClient.readContract({ address: timelock, abi: pythiaTimelockAbi, functionName: 'getMinDelay' })) !== 0n
      ) {
        throw new Error(`the timelock ${timelock} has a delay: the deployment cannot wire through it`);
      }
      const batch = calls.map(timelockCall);
      const operation = [
        batch.map((c) => c.target),
        batch.map((c) => c.value),
        batch.map((c) => c.data),
        zeroHash,
        toHex(randomBytes(32)),
      ] as const;
      const what = calls.map((c) => c.what).join('; ');
      plan.call(`scheduling through the timelock: ${what}`, timelock, pythiaTimelockAbi, 'scheduleBatch', [...operation, 0n]);
      plan.call('executing it', timelock, pythiaTimelockAbi, 'executeBatch', operation);
    },
  };
}

type StepWithPlan = Pick<DeployStepParameters, 'rpcUrl' | 'chainId' | 'roles' | 'onProgress' | 'plan'> & { timelock?: Address };

/**
 * Runs `build` on the caller's plan (it sends it), or on a plan of its own that it sends and waits
 * for: a step used on its own (`pythia up` completing an older deployment) is done when it returns.
 */
async function inAdminPlan<T>(parameters: StepWithPlan, build: (session: ReturnType<typeof adminSession>) => Promise<T>): Promise<T> {
  if (parameters.plan) return build(adminSession(parameters, parameters.plan));
  const plan = await createTransactionPlan({
    clients: createChainClients(parameters),
    account: parameters.roles.admin,
    ...(parameters.onProgress && { onProgress: parameters.onProgress }),
  });
  const result = await build(adminSession(parameters, plan));
  await (await plan.send()).done();
  return result;
}

/**
 * Deploys the council's timelock (docs/operations.md, "Who holds which role"): the admin key is its
 * proposer, executor and canceller, and nobody administers it but itself. Its delay starts at 0 so
 * that the deployment can wire the contracts through it; finishTimelock sets the real delay.
 */
export async function deployTimelock(
  parameters: Pick<DeployStepParameters, 'rpcUrl' | 'chainId' | 'roles' | 'onProgress' | 'plan'>,
): Promise<Address> {
  const council = [parameters.roles.admin.address];
  return inAdminPlan(parameters, async (session) =>
    session.deploy('PythiaTimelock', pythiaTimelockAbi, pythiaTimelockBytecode, [0n, council, council, zeroAddress]),
  );
}

/** Sets the timelock's real delay (a call the timelock makes on itself, while its delay is still 0). */
export async function finishTimelock(parameters: DeployStepParameters & { delaySeconds: bigint }): Promise<void> {
  const { timelock, delaySeconds } = parameters;
  if (delaySeconds < 0n || delaySeconds > MAX_TIMELOCK_DELAY_SECONDS) {
    throw new RangeError(`the timelock delay must be 0 to ${MAX_TIMELOCK_DELAY_SECONDS} seconds, not ${delaySeconds}`);
  }
  if (delaySeconds === 0n) return;
  await inAdminPlan(parameters, (session) =>
    session.governed([
      {
        what: `setting the timelock delay to ${delaySeconds} s`,
        address: timelock,
        abi: pythiaTimelockAbi as Abi,
        functionName: 'updateDelay',
        args: [delaySeconds],
      },
    ]),
  );
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
  const progress = parameters.onProgress ?? (() => {});
  const clients = createChainClients({ chainId, rpcUrl });
  const actualChainId = await clients.publicClient.getChainId();
  if (actualChainId !== chainId) throw new Error(`the node at ${rpcUrl} is chain ${actualChainId}, expected ${chainId}`);

  progress('funding role accounts');
  await fundRoles({ rpcUrl, chainId, roles, embeddedChain });
  const deploymentBlock = await clients.publicClient.getBlockNumber({ cacheTime: 0 });
  // Every admin transaction in one plan, sent at once: the chain mines them in the order queued.
  const plan = await createTransactionPlan({ clients, account: roles.admin, onProgress: progress });
  const timelock = await deployTimelock({ ...parameters, plan });
  const step: DeployStepParameters = {
    rpcUrl,
    chainId,
    roles,
    timelock,
    adminDelaySeconds: delay,
    plan,
    ...(parameters.onProgress && { onProgress: parameters.onProgress }),
  };
  const session = adminSession(step, plan);

  const pythiaRegistry = await deployPythiaRegistry(step);
  const registryWired = plan.size - 1;
  const fleet = session.deploy('PythiaFleet', pythiaFleetAbi, pythiaFleetBytecode, [timelock, Number(delay), pythiaRegistry]);
  await session.governed([
    session.grant(fleet, pythiaFleetAbi, 'OPERATOR_ROLE', roles.operator.address),
    session.grant(fleet, pythiaFleetAbi, 'RELAYER_ROLE', roles.relayer.address),
  ]);
  const { deviceIdentity, deviceOwnership } = await deployDeviceIdentity({ ...step, fleet });
  const firmwareRegistry = await deployFirmwareRegistry({ ...step, fleet, deviceIdentity, deviceOwnership });
  const consent = await deployConsentSuite({ ...step, fleet, deviceOwnership, pythiaRegistry });
  await finishTimelock({ ...step, delaySeconds: delay });

  const sent = await plan.send();
  // The operator registers the gateway's key once the registry has granted it OPERATOR_ROLE: its
  // transactions come from another account, which a block does not order after the admin's.
  const gatewayRegistered = sent.mined(registryWired).then(() =>
    registerGatewayPythia({
      rpcUrl,
      chainId,
      roles,
      pythiaRegistry,
      ...(parameters.onProgress && { onProgress: parameters.onProgress }),
    }),
  );
  await Promise.all([sent.done(), gatewayRegistered]);

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
 * relayer's transactions (issue #12, "roles follow trust"). Does what is missing, nothing else; both
 * transactions are sent at once.
 */
export async function registerGatewayPythia(
  parameters: Pick<DeployStepParameters, 'rpcUrl' | 'chainId' | 'roles' | 'onProgress'> & { pythiaRegistry: Address },
): Promise<void> {
  const { roles, pythiaRegistry: registry } = parameters;
  const clients = createChainClients(parameters);
  const key = roles.pythia.address;
  const record = await readPythia({ publicClient: clients.publicClient, registry }, key);
  if (record.status === 'revoked') return; // the operator decides what replaces it (pythia pythia rotate)
  const plan = await createTransactionPlan({
    clients,
    account: roles.operator,
    ...(parameters.onProgress && { onProgress: parameters.onProgress }),
  });
  if (record.status === 'none') {
    const { publicKey, fields } = pythiaRegistrationArgs({ publicKey: roles.pythia.publicKey });
    plan.call(`registering this gateway's Pythia key ${key} (unattested: no TEE here)`, registry, pythiaRegistryAbi, 'registerPythia', [
      key,
      publicKey,
      fields.teeType,
      fields.measurement,
      fields.evidenceHash,
      fields.evidenceUri,
    ]);
  }
  if (record.relayer?.toLowerCase() !== roles.relayer.address.toLowerCase()) {
    plan.call(`binding the relayer ${roles.relayer.address} to the Pythia key ${key}`, registry, pythiaRegistryAbi, 'bindRelayer', [
      key,
      roles.relayer.address,
    ]);
  }
  await (await plan.send()).done();
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
  return inAdminPlan(parameters, async (session) => {
    const deviceOwnership = session.deploy('DeviceOwnership', deviceOwnershipAbi, deviceOwnershipBytecode, [fleet]);
    const deviceIdentity = session.deploy('DeviceIdentity', deviceIdentityAbi, deviceIdentityBytecode, [
      timelock,
      Number(parameters.adminDelaySeconds ?? 0n),
      fleet,
      deviceOwnership,
    ]);
    await session.governed([
      {
        what: 'setDeviceOwnership',
        address: fleet,
        abi: pythiaFleetAbi as Abi,
        functionName: 'setDeviceOwnership',
        args: [deviceOwnership],
      },
      session.grant(fleet, pythiaFleetAbi, 'IDENTITY_ROLE', deviceIdentity),
      session.grant(fleet, pythiaFleetAbi, 'MANUFACTURER_ROLE', deviceIdentity),
      session.grant(deviceIdentity, deviceIdentityAbi, 'OPERATOR_ROLE', roles.operator.address),
    ]);
    return { deviceIdentity, deviceOwnership };
  });
}

/**
 * Deploys the Pythia registry with the timelock as its admin, grants GOVERNANCE_ROLE (approves code
 * measurements) to the admin key and OPERATOR_ROLE (registers Pythia keys, binds relayers) to the
 * operator, and returns its address. Also used on its own to add the registry to a deployment made
 * before it existed.
 */
export async function deployPythiaRegistry(parameters: DeployStepParameters): Promise<Address> {
  const { roles, timelock } = parameters;
  return inAdminPlan(parameters, async (session) => {
    const registry = session.deploy('PythiaRegistry', pythiaRegistryAbi, pythiaRegistryBytecode, [
      timelock,
      Number(parameters.adminDelaySeconds ?? 0n),
    ]);
    await session.governed([
      session.grant(registry, pythiaRegistryAbi, 'GOVERNANCE_ROLE', roles.admin.address),
      session.grant(registry, pythiaRegistryAbi, 'OPERATOR_ROLE', roles.operator.address),
    ]);
    return registry;
  });
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
  return inAdminPlan(parameters, async (session) => {
    const registry = session.deploy('FirmwareRegistry', firmwareRegistryAbi, firmwareRegistryBytecode, [
      fleet,
      deviceOwnership,
      deviceIdentity,
    ]);
    await session.governed([session.grant(fleet, pythiaFleetAbi, 'INSPECTOR_ROLE', registry)]);
    return registry;
  });
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
  return inAdminPlan(parameters, async (session) => {
    const policyRegistry = session.deploy('PolicyRegistry', policyRegistryAbi, policyRegistryBytecode, []);
    const consentRegistry = session.deploy('ConsentRegistry', consentRegistryAbi, consentRegistryBytecode, [
      timelock,
      adminDelay,
      fleet,
      deviceOwnership,
      policyRegistry,
    ]);
    const accessLog = session.deploy('AccessLog', accessLogAbi, accessLogBytecode, [timelock, adminDelay, consentRegistry, pythiaRegistry]);
    const recipientTerms = session.deploy('RecipientTerms', recipientTermsAbi, recipientTermsBytecode, [
      consentRegistry,
      policyRegistry,
      parameters.minimumDeletionPeriodSeconds ?? CONSENT_SUITE_DEFAULTS.minimumDeletionPeriodSeconds,
      parameters.claimWindowSeconds ?? CONSENT_SUITE_DEFAULTS.claimWindowSeconds,
      parameters.disputeWindowSeconds ?? CONSENT_SUITE_DEFAULTS.disputeWindowSeconds,
      parameters.defaultPenaltyWei ?? CONSENT_SUITE_DEFAULTS.defaultPenaltyWei,
    ]);
    const feedMarket = session.deploy('FeedMarket', feedMarketAbi, feedMarketBytecode, [consentRegistry, deviceOwnership, recipientTerms]);
    session.call(recipientTerms, recipientTermsAbi, 'setFeedMarket', [feedMarket]);
    const recipientBonds = session.deploy('RecipientBonds', recipientBondsAbi, recipientBondsBytecode, [recipientTerms]);
    const sharingLog = session.deploy('SharingLog', sharingLogAbi, sharingLogBytecode, [consentRegistry, policyRegistry]);
    const canaryRegistry = session.deploy('CanaryRegistry', canaryRegistryAbi, canaryRegistryBytecode, [
      timelock,
      adminDelay,
      { consents: consentRegistry, accessLog, sharingLog, terms: recipientTerms, bonds: recipientBonds, relayerTrust: pythiaRegistry },
    ]);
    const deletionRequests = session.deploy('DeletionRequests', deletionRequestsAbi, deletionRequestsBytecode, [
      consentRegistry,
      policyRegistry,
      recipientTerms,
      recipientBonds,
    ]);

    session.call(recipientBonds, recipientBondsAbi, 'setSlashers', [[canaryRegistry, deletionRequests]]);
    // The gateway logs and commits with the account that relays its transactions.
    await session.governed([
      session.grant(accessLog, accessLogAbi, 'LOGGER_ROLE', roles.relayer.address),
      session.grant(canaryRegistry, canaryRegistryAbi, 'COMMITTER_ROLE', roles.relayer.address),
      session.grant(canaryRegistry, canaryRegistryAbi, 'ARBITER_ROLE', roles.admin.address),
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
  });
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
