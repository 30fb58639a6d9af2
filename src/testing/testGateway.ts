import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type GatewayOptions, type RunningGateway } from '../gateway/server.js';
import type { TestChain } from './testChain.js';

/** What puts a gateway on a test chain: its node, chain id, fleet and relayer role account, the queue at `dbPath`, a free loopback port. */
export function testChainGatewayOptions(
  chain: TestChain,
  dbPath: string,
): Pick<GatewayOptions, 'rpcUrl' | 'chainId' | 'fleetAddress' | 'relayerAccount' | 'dbPath' | 'port'> {
  return { rpcUrl: chain.rpcUrl, chainId: chain.chainId, fleetAddress: chain.fleetAddress, relayerAccount: chain.relayer, dbPath, port: 0 };
}

/**
 * A real gateway on a test chain, as `pythia up` wires it: every contract of the deployment, the
 * relayer role account, its queue in a fresh temporary directory, fast batching for tests.
 * `close()` stops it and removes the directory. Options override the defaults.
 */
export async function startTestGateway(
  chain: TestChain,
  options: Partial<GatewayOptions> = {},
): Promise<RunningGateway & { dbPath: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-gateway-'));
  const { contracts } = chain.deployment;
  const dbPath = join(dir, 'gateway.sqlite');
  const gateway = await startGateway({
    ...testChainGatewayOptions(chain, dbPath),
    answerContracts: {
      deviceOwnership: contracts.deviceOwnership!,
      firmwareRegistry: contracts.firmwareRegistry!,
      policyRegistry: contracts.policyRegistry!,
      consentRegistry: contracts.consentRegistry!,
      accessLog: contracts.accessLog!,
      canaryRegistry: contracts.canaryRegistry!,
      recipientBonds: contracts.recipientBonds!,
      sharingLog: contracts.sharingLog!,
    },
    eventPollIntervalMs: 100,
    batchIntervalMs: 20,
    accessLogIntervalMs: 200,
    ...options,
  });
  return {
    ...gateway,
    dbPath,
    close: async () => {
      await gateway.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
