import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../chain/anvil.js';
import { privateKeyOfNativeAccount } from '../../chain/nativeAccount.js';
import { generateDeviceKey } from '../../sdk/generateDeviceKey.js';
import { startTestChain } from '../testChain.js';
import { gatewayProcess } from './gatewayProcess.js';
import { runCrashScenario, type CrashReport } from './runCrashScenario.js';

export type RunGatewayCrashParameters = {
  totalReadings: number;
  kills: number;
  seed?: number;
  devices?: number;
  readingsPerRequest?: number;
  /** Keep the gateway's log here (appended). */
  logPath?: string;
  onProgress?: (line: string) => void;
};

/**
 * kill -9 of the gateway: a test chain (Anvil, contracts, `devices` registered devices), the
 * gateway as a child process on a fixed port and database, and a crash run against it.
 */
export async function runGatewayCrash(parameters: RunGatewayCrashParameters): Promise<CrashReport> {
  const chain = await startTestChain();
  const dir = mkdtempSync(join(tmpdir(), 'pythia-crash-'));
  const devices = Array.from({ length: parameters.devices ?? 20 }, () => generateDeviceKey());
  const gateway = gatewayProcess({
    config: {
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      fleetAddress: chain.fleetAddress,
      relayerPrivateKey: privateKeyOfNativeAccount(chain.relayer)!,
      dbPath: join(dir, 'gateway.sqlite'),
      port: await freePort(),
      batchIntervalMs: 50,
      // The test chain is not killed here: a short delay lets the run see readings become final.
      finalityDelayMs: 1000,
      relayerTiming: { monitorIntervalMs: 200, repairIntervalMs: 500 },
      logLevel: 'warn',
    },
    ...(parameters.logPath && { logPath: parameters.logPath }),
  });
  try {
    for (let i = 0; i < devices.length; i += 100) {
      await chain.operatorWrite('registerDevices', [devices.slice(i, i + 100).map((d) => d.publicKey), 1]);
    }
    await gateway.start();
    return await runCrashScenario({
      client: chain.publicClient,
      fleetAddress: chain.fleetAddress,
      domain: { chainId: chain.chainId, verifyingContract: chain.fleetAddress },
      devices,
      gatewayUrl: () => gateway.url,
      target: gateway,
      totalReadings: parameters.totalReadings,
      kills: parameters.kills,
      seed: parameters.seed ?? Date.now() % 1_000_000,
      // A restart takes one to two seconds: spread the load over the kills (≈ 3 s each).
      readingsPerSecond: Math.max(50, Math.ceil(parameters.totalReadings / (3 * Math.max(1, parameters.kills)))),
      ...(parameters.readingsPerRequest && { readingsPerRequest: parameters.readingsPerRequest }),
      ...(parameters.onProgress && { onProgress: parameters.onProgress }),
    });
  } finally {
    await gateway.stop();
    await chain.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
