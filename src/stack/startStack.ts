import type { Address } from 'viem';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { snapshotFiles } from '../chain/anvilSnapshot.js';
import { chainIsolationCommand } from '../chain/anvil.js';
import { startEmbeddedChain, type EmbeddedChain } from '../chain/embeddedChain.js';
import { answerSignerOf } from '../chain/answerSignerOf.js';
import { privateKeyOfNativeAccount } from '../chain/nativeAccount.js';
import { canarySecretOf } from '../gateway/canaries/canaryIssuer.js';
import { createChainClients } from '../chain/clients.js';
import {
  defaultTimelockDelay,
  deployConsentSuite,
  deployFirmwareRegistry,
  deployPythia,
  deployPythiaRegistry,
  deployTimelock,
  finishTimelock,
  fundRoles,
  registerGatewayPythia,
  ROLE_FUNDING,
} from '../chain/deploy.js';
import { readDeployment, writeDeployment, deploymentPath, type Deployment } from '../chain/deployment.js';
import { deviceMetadataReader } from '../chain/deviceMetadata.js';
import { loadOrCreateRoleKeys, ROLE_NAMES, type RoleAccounts } from '../chain/roleKeys.js';
import { startGateway, type GatewayOptions } from '../gateway/server.js';
import { detectFinalityPolicy } from '../gateway/readings/finalityPolicy.js';
import { IndexChanges } from '../indexer/indexChanges.js';
import { redactDatabaseUrl } from '../indexer/databaseUrl.js';
import { indexSchemaName } from '../indexer/postgresIndexerStore.js';
import { deploymentIdentity, indexDatabasePath, startIndexer } from '../indexer/startIndexer.js';
import { consoleTokenPath, loadOrCreateConsoleToken } from './consoleToken.js';
import { DEFAULT_MQTT_PORT, startMqttChannel } from '../mqtt/channel.js';
import { findGeth, initSingleNodeChain, isNetworkFolder, startSingleNodeChain, type SingleNodeChain } from '../network/index.js';
import { DEFAULT_GATEWAY_PORT } from './defaults.js';
import { lockDataDir } from './lockDataDir.js';
import { checkListenSecurity, secureDataDir, type TlsFiles } from './hostSecurity.js';

export { DEFAULT_GATEWAY_PORT };

/**
 * Which chain the node uses:
 * - `geth`: a chain of its own, run by one geth Clique validator in `<data dir>/chain` (archive
 *   mode: state written every block, so a crash loses nothing acknowledged). For real use.
 * - `anvil`: a chain of its own, run by the embedded Anvil, saved atomically every second: a crash
 *   loses the blocks since the last save (the gateway sends their readings again). For the
 *   demonstration, tests and benchmarks.
 * - `{ rpcUrls }`: nodes of an existing chain (a partners' network, any JSON-RPC node); the
 *   contracts are deployed through the first that answers, and the gateway fails over between them.
 */
export type StackChain = 'geth' | 'anvil' | { rpcUrls: readonly string[] };

export type StartStackParameters = {
  dataDir: string;
  /**
   * The role keys' passphrase, or how to ask for it: asked only once every refusal that needs no
   * key (listen address, chain kind, geth missing) has been checked, and before anything is written.
   */
  passphrase: string | (() => Promise<string>);
  chain: StackChain;
  /** How often the embedded Anvil's state is saved when it moved (ms); default 1,000. */
  chainSaveIntervalMs?: number;
  /** The node's own chain died and could not be restarted: the node cannot go on (stop it). */
  onFatal?: (error: Error) => void;
  /** What holds the data directory, as its lock tells others (default "pythia up"). */
  command?: string;
  gatewayHost?: string;
  /** 0 = any free port. */
  gatewayPort?: number;
  /**
   * Port of the embedded MQTT broker (devices' MQTT channel); 0 = any free port. Default 1883,
   * or any free port when gatewayPort is 0 (so throwaway stacks never collide).
   */
  mqttPort?: number;
  /** Use this external MQTT broker instead of the embedded one (a user name may be in the URL, never a password). */
  mqttUrl?: string;
  /** The gateway's password at the external broker (read from a file or the environment, never argv). */
  mqttPassword?: string;
  /**
   * Index into this PostgreSQL database (checked by parseDatabaseUrl) instead of <data dir>/index.sqlite;
   * shown only without its password.
   */
  databaseUrl?: string;
  /** The PostgreSQL password when the URL carries none (read from a file or the environment, never argv). */
  databasePassword?: string;
  /** Serve HTTPS and mqtts:// with this certificate and key; required for a non-loopback gatewayHost unless behindTlsProxy. */
  tls?: TlsFiles;
  /** A TLS front terminates TLS for a non-loopback gatewayHost (docs/security.md, "Host"). */
  behindTlsProxy?: boolean;
  /** false: no MQTT channel at all. Default true. */
  mqtt?: boolean;
  /**
   * Seconds the council's timelock waits before a role change (deployPythia's timelockDelaySeconds):
   * used when the contracts are deployed; default 0 on the embedded Anvil, 2 days on geth or a network.
   */
  timelockDelaySeconds?: bigint;
  /** About one delivered value in this many is a canary (the gateway's canaryEvery; default 16). */
  canaryEvery?: number;
  /** keystore scrypt cost for newly created role keys (tests and throwaway demos use less). */
  scryptN?: number;
  onProgress?: (message: string) => void;
  /** The gateway's log (pino options; security events are warn lines). Default off. */
  logger?: GatewayOptions['logger'];
  /** Told of every refusal the gateway answers (createNodeEvents' onRefusal). */
  onRefusal?: GatewayOptions['onRefusal'];
};

export type Stack = {
  deployment: Deployment;
  roles: RoleAccounts;
  gatewayUrl: string;
  /** The MQTT broker devices connect to, when the MQTT channel runs. */
  mqttUrl?: string;
  /** true when the contracts were deployed by this start (not found from an earlier one). */
  deployed: boolean;
  /** The embedded Anvil (chain 'anvil'): its pid and the last block saved to disk. */
  embeddedChain?: EmbeddedChain;
  /** The file holding the council console's token (the bearer token of GET /v1/index/...). */
  consoleTokenPath: string;
  /**
   * The council console's address with its token in the fragment (`<gateway>/console/#token=...`),
   * as notebook servers print theirs: a browser never sends the fragment to a server.
   */
  consoleUrl: string;
  /** The node's own geth validator (chain 'geth'): its pid and block period. */
  gethNode?: SingleNodeChain;
  /** The newest block final at a head, by the gateway's finality (and on Anvil, the last save). */
  finalBlockAt: (head: number) => number;
  stop: () => Promise<void>;
};

/**
 * Brings up a whole Pythia node: the chain (its own geth validator or Anvil, or the nodes it is
 * given), the contracts (deployed once, then found again from deployment.json), and the gateway.
 * The data directory is locked first (lockDataDir): a second node on it is refused. A data
 * directory whose chain is of another kind than the one asked for is refused (checkChainChoice).
 * Everything that can be refused without a key is refused here, in this one place, before the
 * passphrase is asked and before anything is written: a listen address beyond loopback without
 * TLS (ListenSecurityError), a chain of the other kind (ChainChoiceError), geth missing
 * (GethNotFoundError), no network namespace to shut the embedded Anvil in (ChainIsolationError).
 */
export async function startStack(parameters: StartStackParameters): Promise<Stack> {
  const progress = parameters.onProgress ?? (() => {});
  checkListenSecurity({
    host: parameters.gatewayHost ?? '127.0.0.1',
    ...(parameters.tls && { tls: parameters.tls }),
    ...(parameters.behindTlsProxy && { behindTlsProxy: true }),
  });
  const { chain } = parameters;
  const chainDir = join(parameters.dataDir, 'chain');
  if (typeof chain === 'string') checkChainChoice(parameters.dataDir, chain);
  if (chain === 'geth') findGeth();
  if (chain === 'anvil') chainIsolationCommand();
  const passphrase = typeof parameters.passphrase === 'string' ? parameters.passphrase : await parameters.passphrase();
  const { narrowed } = secureDataDir(parameters.dataDir);
  if (narrowed.length > 0) progress(`made private to this user (0700/0600): ${narrowed.join(', ')}`);
  const lock = lockDataDir({ dataDir: parameters.dataDir, command: parameters.command ?? 'pythia up', onProgress: progress });
  const roles = await loadOrCreateRoleKeys({
    dataDir: parameters.dataDir,
    passphrase,
    ...(parameters.scryptN ? { scryptN: parameters.scryptN } : {}),
  }).catch((error: unknown) => {
    lock.release();
    throw error;
  });
  if (roles.created.length > 0) progress(`created encrypted keys for ${roles.created.join(', ')} in ${join(parameters.dataDir, 'keys')}`);

  let embeddedChain: EmbeddedChain | undefined;
  let gethNode: SingleNodeChain | undefined;
  let rpcUrls: readonly string[];
  const stops: Array<() => Promise<void>> = [async () => lock.release()];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
    stops.length = 0;
  };
  try {
    if (chain === 'anvil') {
      progress('starting the embedded chain (Anvil: for the demonstration, tests and benchmarks; a crash loses its latest blocks)');
      embeddedChain = await startEmbeddedChain({
        chainDir,
        ...(parameters.chainSaveIntervalMs !== undefined && { saveIntervalMs: parameters.chainSaveIntervalMs }),
        onProgress: progress,
        ...(parameters.onFatal && { onFatal: parameters.onFatal }),
      });
      stops.push(embeddedChain.stop);
      rpcUrls = [embeddedChain.rpcUrl];
    } else if (chain === 'geth') {
      if (!isNetworkFolder(chainDir)) {
        progress(`creating the node's chain in ${chainDir}: one geth Clique validator, its key encrypted, the role keys funded at genesis`);
        await initSingleNodeChain({
          chainDir,
          passphrase,
          fund: Object.fromEntries(ROLE_NAMES.map((role) => [roles[role].address, ROLE_FUNDING])),
          ...(parameters.scryptN !== undefined && { scryptN: parameters.scryptN }),
          onProgress: progress,
        });
      }
      progress('starting the chain node (geth Clique validator, crash-safe archive storage)');
      gethNode = await startSingleNodeChain({
        chainDir,
        passphrase,
        onProgress: progress,
        ...(parameters.onFatal && { onFatal: parameters.onFatal }),
      });
      stops.push(gethNode.stop);
      rpcUrls = [gethNode.rpcUrl];
    } else {
      if (chain.rpcUrls.length === 0) throw new Error('no RPC URL given');
      rpcUrls = chain.rpcUrls;
    }
    const { rpcUrl, chainId } = await firstAnsweringNode(rpcUrls);
    const embedded = embeddedChain !== undefined;

    const previous = existsSync(deploymentPath(parameters.dataDir)) ? readDeployment(parameters.dataDir) : undefined;
    let deployment: Deployment;
    let deployed = false;
    const clients = createChainClients({ chainId, rpcUrl });
    const stillThere =
      previous &&
      previous.chainId === chainId &&
      previous.roles.admin === roles.admin.address &&
      ((await clients.publicClient.getCode({ address: previous.contracts.fleet })) ?? '0x') !== '0x';
    if (stillThere) {
      progress(`contracts found from an earlier start (fleet ${previous.contracts.fleet})`);
      await fundRoles({ rpcUrl, chainId, roles, embeddedChain: embedded });
      deployment = { ...previous, rpcUrl, embeddedChain: embedded };
      deployment = await upgradeDeployment({
        clients,
        rpcUrl,
        chainId,
        roles,
        deployment,
        progress,
        delaySeconds: parameters.timelockDelaySeconds ?? defaultTimelockDelay(embedded),
      });
    } else {
      deployment = await deployPythia({
        rpcUrl,
        chainId,
        roles,
        gatewayUrl: 'http://127.0.0.1:0',
        embeddedChain: embedded,
        ...(parameters.timelockDelaySeconds !== undefined && { timelockDelaySeconds: parameters.timelockDelaySeconds }),
        onProgress: progress,
      });
      deployed = true;
    }

    if (deployment.contracts.pythiaRegistry) {
      await registerGatewayPythia({ rpcUrl, chainId, roles, pythiaRegistry: deployment.contracts.pythiaRegistry, onProgress: progress });
    }
    if (embeddedChain) {
      // Contracts and funding (anvil_setBalance mines no block) on disk before anything is acknowledged.
      const saved = await embeddedChain.save();
      progress(`chain state saved up to block ${saved.number} (${join(parameters.dataDir, 'chain')})`);
    }

    // The indexer follows every contract into <data dir>/index.sqlite (or PostgreSQL) with the gateway's finality:
    // its confirmations, and on Anvil no block above the last durable save is final.
    const saver = embeddedChain;
    const finality = await detectFinalityPolicy(clients.publicClient, { savedBlockKnown: saver !== undefined });
    const finalBlockAt = (head: number) =>
      saver ? Math.min(head - finality.confirmations + 1, savedBlockNumber(saver) ?? -1) : head - finality.confirmations + 1;
    const indexChanges = new IndexChanges();
    const indexer = await startIndexer({
      deployment: { ...deployment, rpcUrl },
      databasePath: indexDatabasePath(parameters.dataDir),
      ...(parameters.databaseUrl !== undefined && { databaseUrl: parameters.databaseUrl }),
      ...(parameters.databasePassword !== undefined && { databasePassword: parameters.databasePassword }),
      confirmations: finality.confirmations,
      finalBlockAt,
      onChange: indexChanges.publish,
      onError: (error) => progress(`indexer: ${(error as Error).message.split('\n')[0]} (trying again)`),
    });
    stops.push(indexer.stop);
    const consoleToken = loadOrCreateConsoleToken(parameters.dataDir);
    const indexedInto =
      parameters.databaseUrl === undefined
        ? indexDatabasePath(parameters.dataDir)
        : `${redactDatabaseUrl(parameters.databaseUrl)} (schema ${indexSchemaName(deploymentIdentity(deployment))})`;
    progress(`indexing the chain into ${indexedInto}; console token in ${consoleTokenPath(parameters.dataDir)}`);

    progress('starting the gateway');
    // The canary secret derives from the Pythia's key, which is encrypted at rest with the others.
    const pythiaKey = privateKeyOfNativeAccount(roles.pythia);
    const gateway = await startGateway({
      rpcUrls,
      chainId,
      // On Anvil an outcome is final only once a save holds its block (docs/operations.md).
      ...(saver && { savedBlock: () => savedBlockNumber(saver) }),
      fleetAddress: deployment.contracts.fleet,
      ...(deployment.contracts.deviceOwnership && {
        answerContracts: {
          deviceOwnership: deployment.contracts.deviceOwnership,
          ...(deployment.contracts.firmwareRegistry && { firmwareRegistry: deployment.contracts.firmwareRegistry }),
          ...(deployment.contracts.policyRegistry && { policyRegistry: deployment.contracts.policyRegistry }),
          // Question 4 (consent) and recipients' commands: checked against the registry, logged to the AccessLog.
          ...(deployment.contracts.consentRegistry && { consentRegistry: deployment.contracts.consentRegistry }),
          ...(deployment.contracts.accessLog && { accessLog: deployment.contracts.accessLog }),
          ...(deployment.contracts.canaryRegistry && {
            canaryRegistry: deployment.contracts.canaryRegistry,
            recipientBonds: deployment.contracts.recipientBonds!,
            sharingLog: deployment.contracts.sharingLog!,
          }),
          ...(deployment.contracts.recipientTerms && { recipientTerms: deployment.contracts.recipientTerms }),
        },
      }),
      relayerAccount: roles.relayer,
      answerSigner: answerSignerOf(roles.pythia),
      ...(pythiaKey && { canarySecret: canarySecretOf(pythiaKey) }),
      ...(parameters.canaryEvery !== undefined && { canaryEvery: parameters.canaryEvery }),
      dbPath: join(parameters.dataDir, 'gateway.sqlite'),
      host: parameters.gatewayHost ?? '127.0.0.1',
      port: parameters.gatewayPort ?? DEFAULT_GATEWAY_PORT,
      ...(parameters.tls && { tls: parameters.tls }),
      ...(parameters.logger !== undefined && { logger: parameters.logger }),
      ...(parameters.onRefusal && { onRefusal: parameters.onRefusal }),
      index: { store: indexer.store, token: consoleToken, changes: indexChanges, deviceMetadata: deviceMetadataReader(parameters.dataDir) },
      consoleActions: { operator: roles.operator },
    });
    stops.push(() => gateway.close());
    deployment = { ...deployment, gatewayUrl: gateway.url };
    if (parameters.mqtt !== false) {
      progress(parameters.mqttUrl ? 'connecting the MQTT channel to the external broker' : 'starting the embedded MQTT broker');
      const channel = await startMqttChannel({
        services: gateway.app.pythia,
        host: parameters.gatewayHost ?? '127.0.0.1',
        port: parameters.mqttPort ?? (parameters.gatewayPort === 0 ? 0 : DEFAULT_MQTT_PORT),
        ...(parameters.mqttUrl ? { brokerUrl: parameters.mqttUrl } : {}),
        ...(parameters.mqttPassword !== undefined && { password: parameters.mqttPassword }),
        ...(parameters.tls && !parameters.mqttUrl && { tls: parameters.tls }),
        logger: gateway.app.log,
      });
      stops.push(() => channel.close());
      deployment = { ...deployment, mqttUrl: withoutCredentials(channel.url) };
    } else {
      const { mqttUrl: _previous, ...rest } = deployment;
      deployment = rest;
    }
    writeDeployment(parameters.dataDir, deployment);
    lock.setEndpoints({ chain: rpcUrls.join(' '), gateway: gateway.url, ...(deployment.mqttUrl && { mqtt: deployment.mqttUrl }) });
    return {
      deployment,
      roles,
      gatewayUrl: gateway.url,
      ...(deployment.mqttUrl ? { mqttUrl: deployment.mqttUrl } : {}),
      deployed,
      consoleTokenPath: consoleTokenPath(parameters.dataDir),
      consoleUrl: `${gateway.url}/console/#token=${consoleToken}`,
      ...(embeddedChain && { embeddedChain }),
      ...(gethNode && { gethNode }),
      finalBlockAt,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

const savedBlockNumber = (chain: EmbeddedChain): number | undefined => {
  const saved = chain.lastSavedBlock();
  return saved === undefined ? undefined : Number(saved.number);
};

/** The first of the nodes that answers, and its chain id: contracts are deployed through it. */
async function firstAnsweringNode(rpcUrls: readonly string[]): Promise<{ rpcUrl: string; chainId: number }> {
  const failures: string[] = [];
  for (const rpcUrl of rpcUrls) {
    try {
      const chainId = await createChainClients({ chainId: 1, rpcUrl }).publicClient.getChainId();
      return { rpcUrl, chainId };
    } catch (error) {
      failures.push(`${rpcUrl}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no chain node answers:\n  ${failures.join('\n  ')}`);
}

/** The data directory's chain is of another kind than the one asked for. */
export class ChainChoiceError extends Error {
  override readonly name = 'ChainChoiceError';
}

/**
 * What `<data dir>/chain` holds: the node's own geth validator (a network folder), the embedded
 * Anvil's snapshots, or nothing yet.
 */
export function chainKindOf(dataDir: string): 'geth' | 'anvil' | 'none' {
  const chainDir = join(dataDir, 'chain');
  if (isNetworkFolder(chainDir)) return 'geth';
  if (snapshotFiles(chainDir).length > 0) return 'anvil';
  return 'none';
}

/**
 * Refuses to start a chain of one kind over a data directory whose chain is of the other: its
 * contracts, devices and readings are on that chain, and the other would start empty beside it.
 */
export function checkChainChoice(dataDir: string, chain: 'geth' | 'anvil'): void {
  const found = chainKindOf(dataDir);
  if (found === 'none' || found === chain) return;
  const chainDir = join(dataDir, 'chain');
  if (found === 'anvil') {
    throw new ChainChoiceError(
      `the chain of ${dataDir} is an embedded Anvil (made by \`pythia demo\`, \`pythia up --chain anvil\` or Pythia 0.1.0), not a geth node. ` +
        'Go on with it knowingly with `--chain anvil` (a crash loses the blocks since its last save, about a second), ' +
        `or use a new --data-dir for a durable geth chain (Anvil's state stays in ${chainDir}).`,
    );
  }
  throw new ChainChoiceError(
    `the chain of ${dataDir} is the node's own geth validator (${chainDir}): start it with \`pythia up\` (without \`--chain anvil\`); Anvil (\`--chain anvil\`, \`pythia demo\`) needs another --data-dir`,
  );
}

/** A broker URL as devices should see it: no user or password (those are the gateway's). */
function withoutCredentials(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString().replace(/\/$/, '');
}

type UpgradeInput = {
  clients: ReturnType<typeof createChainClients>;
  rpcUrl: string;
  chainId: number;
  roles: RoleAccounts;
  deployment: Deployment;
  progress: (message: string) => void;
  /** The timelock every contract added here is administered by. */
  timelock: Address;
};

/**
 * Brings a deployment made by an earlier version up to date, keeping its fleet (and devices): a
 * deployment from before issue #12 gets a timelock (delay 0 while the missing contracts are added and
 * wired through it, then `delaySeconds`); then the Pythia registry, the firmware registry and the
 * consent suite are added where missing.
 */
async function upgradeDeployment(input: Omit<UpgradeInput, 'timelock'> & { delaySeconds: bigint }): Promise<Deployment> {
  const { rpcUrl, chainId, roles, progress, delaySeconds } = input;
  let deployment = input.deployment;
  let timelock = deployment.contracts.timelock;
  const freshTimelock = !timelock;
  if (!timelock) {
    progress('this deployment predates the council timelock: deploying one');
    timelock = await deployTimelock({ rpcUrl, chainId, roles, onProgress: progress });
    deployment = { ...deployment, contracts: { ...deployment.contracts, timelock } };
  }
  const step = { ...input, deployment, timelock };
  const registry = deployment.contracts.pythiaRegistry;
  if (!(await isDeployed(step, registry))) {
    // A deployment from before the Pythia registry existed: add the registry, keep the fleet.
    const pythiaRegistry = await deployPythiaRegistry({ rpcUrl, chainId, roles, timelock, onProgress: progress });
    deployment = { ...deployment, contracts: { ...deployment.contracts, pythiaRegistry } };
  }
  deployment = await ensureFirmwareRegistry({ ...step, deployment });
  deployment = await ensureConsentSuite({ ...step, deployment });
  if (freshTimelock) await finishTimelock({ rpcUrl, chainId, roles, timelock, delaySeconds, onProgress: progress });
  return deployment;
}

/** Whether the deployment names `address` and the chain has code there. */
async function isDeployed(input: UpgradeInput, address: Address | undefined): Promise<boolean> {
  return address !== undefined && ((await input.clients.publicClient.getCode({ address })) ?? '0x') !== '0x';
}

/**
 * A deployment from before the firmware registry existed: add it (the fleet, identity and
 * ownership are kept), so that `pythia up` on an older data directory gains `pythia firmware`.
 * A fleet deployed before device identity and ownership existed cannot have one: the registry
 * reads class manufacturers and owners from them, so such a deployment runs without firmware.
 */
async function ensureFirmwareRegistry(input: UpgradeInput): Promise<Deployment> {
  const { rpcUrl, chainId, roles, deployment, progress, timelock } = input;
  const { fleet, deviceIdentity, deviceOwnership, firmwareRegistry } = deployment.contracts;
  if (!deviceIdentity || !deviceOwnership) {
    if (!firmwareRegistry) progress('no firmware registry: this fleet predates device identity and ownership, which it needs');
    return deployment;
  }
  if (await isDeployed(input, firmwareRegistry)) return deployment;
  const added = await deployFirmwareRegistry({
    rpcUrl,
    chainId,
    roles,
    timelock,
    fleet,
    deviceIdentity,
    deviceOwnership,
    onProgress: progress,
  });
  return { ...deployment, contracts: { ...deployment.contracts, firmwareRegistry: added } };
}

/**
 * A deployment from before consent and accountability existed (issue #5), or from before two-sided
 * terms (issue #12, no recipientTerms): add a new suite, so that `pythia up` on an older data
 * directory gains consents, policies, feeds and trap streets with the recipient's side of every
 * consent. An older suite is left on the chain as it is (its consents and bonds stay there, readable
 * with the tools of that version); the deployment names the new one. The suite needs device
 * ownership, so a fleet deployed before it runs without one.
 */
async function ensureConsentSuite(input: UpgradeInput): Promise<Deployment> {
  const { rpcUrl, chainId, roles, deployment, progress, timelock } = input;
  const { fleet, deviceOwnership, consentRegistry, recipientTerms, pythiaRegistry } = deployment.contracts;
  if (!deviceOwnership || !pythiaRegistry) {
    if (!consentRegistry) progress('no consent registry: this fleet predates device ownership, which it needs');
    return deployment;
  }
  if ((await isDeployed(input, consentRegistry)) && (await isDeployed(input, recipientTerms))) return deployment;
  if (consentRegistry) progress(`the consent suite at ${consentRegistry} predates two-sided terms: deploying a new one beside it`);
  const added = await deployConsentSuite({
    rpcUrl,
    chainId,
    roles,
    timelock,
    fleet,
    deviceOwnership,
    pythiaRegistry,
    onProgress: progress,
  });
  return { ...deployment, contracts: { ...deployment.contracts, ...added } };
}
