import type { Address } from 'viem';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
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
} from '../chain/deploy.js';
import { readDeployment, writeDeployment, deploymentPath, type Deployment } from '../chain/deployment.js';
import { loadOrCreateRoleKeys, type RoleAccounts } from '../chain/roleKeys.js';
import { startGateway, type GatewayOptions } from '../gateway/server.js';
import { DEFAULT_MQTT_PORT, startMqttChannel } from '../mqtt/channel.js';
import { lockDataDir } from './lockDataDir.js';
import { checkListenSecurity, secureDataDir, type TlsFiles } from './hostSecurity.js';

export const DEFAULT_GATEWAY_PORT = 8780;

export type StartStackParameters = {
  dataDir: string;
  passphrase: string;
  /** Use this JSON-RPC node instead of starting the embedded Anvil. */
  rpcUrl?: string;
  /** How often the embedded chain's state is saved when it moved (ms); default 1,000. */
  chainSaveIntervalMs?: number;
  /** The embedded chain died and could not be restarted: the node cannot go on (stop it). */
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
  /** Serve HTTPS and mqtts:// with this certificate and key; required for a non-loopback gatewayHost unless behindTlsProxy. */
  tls?: TlsFiles;
  /** A TLS front terminates TLS for a non-loopback gatewayHost (docs/security.md, "Host"). */
  behindTlsProxy?: boolean;
  /** false: no MQTT channel at all. Default true. */
  mqtt?: boolean;
  /**
   * Seconds the council's timelock waits before a role change (deployPythia's timelockDelaySeconds):
   * used when the contracts are deployed; default 0 on the embedded chain, 2 days on a network.
   */
  timelockDelaySeconds?: bigint;
  /** keystore scrypt cost for newly created role keys (tests and throwaway demos use less). */
  scryptN?: number;
  onProgress?: (message: string) => void;
  /** The gateway's log (pino options; security events are warn lines). Default off. */
  logger?: GatewayOptions['logger'];
};

export type Stack = {
  deployment: Deployment;
  roles: RoleAccounts;
  gatewayUrl: string;
  /** The MQTT broker devices connect to, when the MQTT channel runs. */
  mqttUrl?: string;
  /** true when the contracts were deployed by this start (not found from an earlier one). */
  deployed: boolean;
  /** The embedded Anvil (not with rpcUrl): its pid and the last block saved to disk. */
  embeddedChain?: EmbeddedChain;
  stop: () => Promise<void>;
};

/**
 * Brings up a whole Pythia node: the chain (embedded Anvil unless rpcUrl is given), the
 * contracts (deployed once, then found again from deployment.json), and the gateway. The data
 * directory is locked first (lockDataDir): a second node on it is refused.
 */
export async function startStack(parameters: StartStackParameters): Promise<Stack> {
  const progress = parameters.onProgress ?? (() => {});
  checkListenSecurity({
    host: parameters.gatewayHost ?? '127.0.0.1',
    ...(parameters.tls && { tls: parameters.tls }),
    ...(parameters.behindTlsProxy && { behindTlsProxy: true }),
  });
  const { narrowed } = secureDataDir(parameters.dataDir);
  if (narrowed.length > 0) progress(`made private to this user (0700/0600): ${narrowed.join(', ')}`);
  const lock = lockDataDir({ dataDir: parameters.dataDir, command: parameters.command ?? 'pythia up', onProgress: progress });
  const roles = await loadOrCreateRoleKeys({
    dataDir: parameters.dataDir,
    passphrase: parameters.passphrase,
    ...(parameters.scryptN ? { scryptN: parameters.scryptN } : {}),
  }).catch((error: unknown) => {
    lock.release();
    throw error;
  });
  if (roles.created.length > 0) progress(`created encrypted keys for ${roles.created.join(', ')} in ${join(parameters.dataDir, 'keys')}`);

  let embeddedChain: EmbeddedChain | undefined;
  let rpcUrl = parameters.rpcUrl;
  const stops: Array<() => Promise<void>> = [async () => lock.release()];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
    stops.length = 0;
  };
  try {
    if (!rpcUrl) {
      progress('starting the embedded chain (Anvil)');
      embeddedChain = await startEmbeddedChain({
        chainDir: join(parameters.dataDir, 'chain'),
        ...(parameters.chainSaveIntervalMs !== undefined && { saveIntervalMs: parameters.chainSaveIntervalMs }),
        onProgress: progress,
        ...(parameters.onFatal && { onFatal: parameters.onFatal }),
      });
      stops.push(embeddedChain.stop);
      rpcUrl = embeddedChain.rpcUrl;
    }
    const probe = createChainClients({ chainId: 1, rpcUrl });
    const chainId = await probe.publicClient.getChainId();

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
      await fundRoles({ rpcUrl, chainId, roles, embeddedChain: !parameters.rpcUrl });
      deployment = { ...previous, rpcUrl, embeddedChain: !parameters.rpcUrl };
      deployment = await upgradeDeployment({
        clients,
        rpcUrl,
        chainId,
        roles,
        deployment,
        progress,
        delaySeconds: parameters.timelockDelaySeconds ?? defaultTimelockDelay(!parameters.rpcUrl),
      });
    } else {
      deployment = await deployPythia({
        rpcUrl,
        chainId,
        roles,
        gatewayUrl: 'http://127.0.0.1:0',
        embeddedChain: !parameters.rpcUrl,
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

    progress('starting the gateway');
    // The canary secret derives from the Pythia's key, which is encrypted at rest with the others.
    const pythiaKey = privateKeyOfNativeAccount(roles.pythia);
    const gateway = await startGateway({
      rpcUrl,
      chainId,
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
      dbPath: join(parameters.dataDir, 'gateway.sqlite'),
      host: parameters.gatewayHost ?? '127.0.0.1',
      port: parameters.gatewayPort ?? DEFAULT_GATEWAY_PORT,
      ...(parameters.tls && { tls: parameters.tls }),
      ...(parameters.logger !== undefined && { logger: parameters.logger }),
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
    lock.setEndpoints({ chain: rpcUrl, gateway: gateway.url, ...(deployment.mqttUrl && { mqtt: deployment.mqttUrl }) });
    return {
      deployment,
      roles,
      gatewayUrl: gateway.url,
      ...(deployment.mqttUrl ? { mqttUrl: deployment.mqttUrl } : {}),
      deployed,
      ...(embeddedChain && { embeddedChain }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
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
