import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '../../gateway/server.js';
import { generateDeviceKey } from '../../sdk/generateDeviceKey.js';
import { startAnvilNode } from '../anvilNode.js';
import { deployTestChain } from '../testChain.js';
import { anvilCrashTarget } from './anvilTarget.js';
import { runCrashScenario, type CrashReport } from './runCrashScenario.js';

export type RunAnvilCrashParameters = {
  totalReadings: number;
  kills: number;
  seed?: number;
  devices?: number;
  /** How often the chain is saved (ms); a kill loses what came after the last save. Default 2,000. */
  saveEveryMs?: number;
  onProgress?: (line: string) => void;
  /** Keep the gateway's log (info and above) here. */
  logPath?: string;
};

/**
 * kill -9 of the chain node: an Anvil saved every `saveEveryMs` the way the embedded chain is
 * (atomically), killed at random moments and started again from its last save on the same port,
 * under a gateway that keeps running (issue #11 measured 554 of 4,000 readings lost this way).
 */
export async function runAnvilCrash(parameters: RunAnvilCrashParameters): Promise<CrashReport> {
  const node = await startAnvilNode();
  const dir = mkdtempSync(join(tmpdir(), 'pythia-anvil-crash-'));
  const target = anvilCrashTarget(node, { statePath: join(dir, 'state.json'), saveEveryMs: parameters.saveEveryMs ?? 2000 });
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  try {
    const chain = await deployTestChain(node);
    const devices = Array.from({ length: parameters.devices ?? 20 }, () => generateDeviceKey());
    for (let i = 0; i < devices.length; i += 100) {
      await chain.operatorWrite('registerDevices', [devices.slice(i, i + 100).map((d) => d.publicKey), 1]);
    }
    await target.saveNow();
    gateway = await startGateway({
      rpcUrl: node.rpcUrl,
      chainId: chain.chainId,
      fleetAddress: chain.fleetAddress,
      relayerAccount: chain.relayer,
      dbPath: join(dir, 'gateway.sqlite'),
      port: 0,
      batchIntervalMs: 50,
      // Final once in a kept save (as `pythia up` tells its gateway).
      savedBlock: () => target.savedBlock,
      relayerTiming: { monitorIntervalMs: 200, repairIntervalMs: 500 },
      ...(parameters.logPath && { logger: { level: 'info', stream: createWriteStream(parameters.logPath, { flags: 'a' }) } }),
    });
    const url = gateway.url;
    const report = await runCrashScenario({
      client: chain.publicClient,
      fleetAddress: chain.fleetAddress,
      domain: { chainId: chain.chainId, verifyingContract: chain.fleetAddress },
      devices,
      gatewayUrl: () => url,
      target,
      totalReadings: parameters.totalReadings,
      kills: parameters.kills,
      seed: parameters.seed ?? Date.now() % 1_000_000,
      downtimeMs: [200, 1500],
      // A restart takes about a second: spread the load over the kills (≈ 3 s each).
      readingsPerSecond: Math.max(50, Math.ceil(parameters.totalReadings / (3 * Math.max(1, parameters.kills)))),
      ...(parameters.onProgress && { onProgress: parameters.onProgress }),
    });
    parameters.onProgress?.(`  anvil saves kept ${target.saves}, inconsistent dumps discarded ${target.discardedDumps}`);
    return report;
  } finally {
    await gateway?.close();
    await target.stop();
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
