import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChainClients } from '../../chain/clients.js';
import { startGateway } from '../../gateway/server.js';
import { networkRpcUrls, readNetworkConfig } from '../../network/index.js';
import { generateDeviceKey } from '../../sdk/generateDeviceKey.js';
import { registerAirQualityDevices, startDeployedNetwork, type CrashNetwork } from '../deployedNetwork.js';
import { runCrashScenario, type CrashReport } from './runCrashScenario.js';
import { validatorCrashTarget } from './validatorTarget.js';

export type { CrashNetwork };

export type RunValidatorCrashParameters = {
  totalReadings: number;
  kills: number;
  seed?: number;
  devices?: number;
  /** The network to run on (left running); default: a new one of 3 validators, deployed, stopped and removed at the end. */
  network?: CrashNetwork;
  /** Seconds between blocks of a new network. Default 1. */
  period?: number;
  /** Where the gateway writes its warnings and errors (JSON lines: walks back, switches, security events); default nowhere. */
  gatewayLogFile?: string;
  onProgress?: (line: string) => void;
};

/**
 * kill -9 of one validator of a network: the gateway (in this process) on failover RPC URLs over
 * every node, devices sending readings through it, and a validator chosen at random killed with
 * SIGKILL at random moments and started again from its own disk. The others keep sealing; the
 * gateway moves off a dead node and checks the next one's chain as after a rollback.
 */
export async function runValidatorCrash(parameters: RunValidatorCrashParameters): Promise<CrashReport> {
  if (parameters.network) return runOnNetwork(parameters.network, parameters);
  const network = await startDeployedNetwork({
    validators: 3,
    period: parameters.period ?? 1,
    ...(parameters.onProgress && { onProgress: parameters.onProgress }),
  });
  try {
    return await runOnNetwork(network, parameters);
  } finally {
    await network.stop();
  }
}

async function runOnNetwork(network: CrashNetwork, parameters: RunValidatorCrashParameters): Promise<CrashReport> {
  const rpcUrls = networkRpcUrls(network.dir, readNetworkConfig(network.dir));
  const clients = createChainClients({ chainId: network.chainId, rpcUrl: rpcUrls[0]! });
  const devices = Array.from({ length: parameters.devices ?? 10 }, () => generateDeviceKey());
  await registerAirQualityDevices(network, devices);
  const seed = parameters.seed ?? Date.now() % 1_000_000;
  const target = validatorCrashTarget({ dir: network.dir, passphrase: network.passphrase, seed });
  const dbDir = mkdtempSync(join(tmpdir(), 'pythia-validator-crash-gateway-'));
  const gateway = await startGateway({
    rpcUrls,
    chainId: network.chainId,
    fleetAddress: network.fleetAddress,
    relayerAccount: network.relayer,
    dbPath: join(dbDir, 'gateway.sqlite'),
    port: 0,
    batchIntervalMs: 50,
    relayerTiming: { monitorIntervalMs: 200, repairIntervalMs: 500 },
    // One client plays every device and then asks for every reading's finality (10,000 requests):
    // the per-client and per-device limits would measure the drain check, not the gateway (they
    // are not reset here by restarts, as with the gateway and node targets).
    rateLimit: false,
    ...(parameters.gatewayLogFile && { logger: { level: 'warn', file: parameters.gatewayLogFile } }),
  });
  try {
    // The network may have carried readings before (the test suite's): the audit reads from here.
    const auditFromBlock = (await clients.publicClient.getBlockNumber({ cacheTime: 0 })) + 1n;
    const report = await runCrashScenario({
      auditFromBlock,
      client: clients.publicClient,
      fleetAddress: network.fleetAddress,
      domain: { chainId: network.chainId, verifyingContract: network.fleetAddress },
      devices,
      gatewayUrl: () => gateway.url,
      target,
      totalReadings: parameters.totalReadings,
      kills: parameters.kills,
      seed,
      downtimeMs: [0, 1500],
      // A validator's restart (geth started, its key unlocked, the blocks it missed imported) takes
      // 5–8 s on this machine: spread the load over the kills so that they land while readings flow.
      readingsPerSecond: Math.max(50, Math.ceil(parameters.totalReadings / (8 * Math.max(1, parameters.kills)))),
      drainTimeoutMs: 180_000,
      ...(parameters.onProgress && { onProgress: parameters.onProgress }),
    });
    return { ...report, target: `validator (${target.victims.join(', ')})` };
  } finally {
    await gateway.close();
    rmSync(dbDir, { recursive: true, force: true });
  }
}
