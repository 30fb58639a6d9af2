import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../chain/anvil.js';
import { createChainClients } from '../../chain/clients.js';
import { loadOrCreateRoleKeys } from '../../chain/roleKeys.js';
import { contractWriter } from '../../chain/sendContractTransaction.js';
import { pythiaFleetAbi } from '../../contracts/abis.js';
import { AIR_QUALITY_CLASS_ID, airQualityProfile } from '../../protocol/airQuality.js';
import { generateDeviceKey } from '../../sdk/generateDeviceKey.js';
import { pythiaUpProcess } from './pythiaUpProcess.js';
import { runCrashScenario, type CrashReport } from './runCrashScenario.js';

export type RunSingleNodeCrashParameters = {
  totalReadings: number;
  kills: number;
  seed?: number;
  devices?: number;
  /** Extra arguments of `pythia up` (default: its own geth validator, the default chain). */
  upArgs?: readonly string[];
  onProgress?: (line: string) => void;
  /** Keep the nodes' stderr (progress, errors) here. */
  logPath?: string;
};

/**
 * kill -9 of a whole single node: `pythia up` with its default chain (one geth Clique validator,
 * archive storage) killed with its chain node at random moments — the process group at once, as
 * when the machine dies — and started again on the same data directory and ports, while devices
 * send readings through its gateway.
 */
export async function runSingleNodeCrash(parameters: RunSingleNodeCrashParameters): Promise<CrashReport> {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-node-crash-'));
  const dataDir = join(dir, 'node');
  const passphrase = randomBytes(16).toString('hex');
  const gatewayPort = await freePort();
  const target = pythiaUpProcess({
    args: ['--data-dir', dataDir, '--port', String(gatewayPort), '--no-mqtt', ...(parameters.upArgs ?? [])],
    passphrase,
    ...(parameters.logPath && { logPath: parameters.logPath }),
  });
  try {
    parameters.onProgress?.('starting pythia up (first start: creates the chain and deploys the contracts)');
    await target.start();
    const deployment = target.deployment!;
    const clients = createChainClients({ chainId: deployment.chainId, rpcUrl: deployment.rpcUrl });
    const roles = await loadOrCreateRoleKeys({ dataDir, passphrase });
    const operatorWrite = contractWriter({ clients, account: roles.operator, address: deployment.contracts.fleet }, pythiaFleetAbi);
    await operatorWrite('setClassProfile', [AIR_QUALITY_CLASS_ID, airQualityProfile]);
    const devices = Array.from({ length: parameters.devices ?? 10 }, () => generateDeviceKey());
    for (let i = 0; i < devices.length; i += 100) {
      await operatorWrite('registerDevices', [devices.slice(i, i + 100).map((d) => d.publicKey), AIR_QUALITY_CLASS_ID]);
    }
    const gatewayUrl = deployment.gatewayUrl;
    return await runCrashScenario({
      client: clients.publicClient,
      fleetAddress: deployment.contracts.fleet,
      domain: { chainId: deployment.chainId, verifyingContract: deployment.contracts.fleet },
      devices,
      gatewayUrl: () => gatewayUrl,
      target,
      totalReadings: parameters.totalReadings,
      kills: parameters.kills,
      seed: parameters.seed ?? Date.now() % 1_000_000,
      downtimeMs: [0, 1000],
      // A restart (keys decrypted, geth started and unlocked, contracts found) takes several seconds:
      // spread the load so that kills land while readings flow.
      readingsPerSecond: Math.max(50, Math.ceil(parameters.totalReadings / (6 * Math.max(1, parameters.kills)))),
      drainTimeoutMs: 180_000,
      ...(parameters.onProgress && { onProgress: parameters.onProgress }),
    });
  } finally {
    await target.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
