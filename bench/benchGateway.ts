import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type GatewayOptions, type RunningGateway } from '../src/gateway/server.js';
import type { TestChain } from '../src/testing/testChain.js';
import { testChainGatewayOptions } from '../src/testing/testGateway.js';

/**
 * The gateway as every benchmark starts it: on the test chain with its relayer role account, the
 * queue in a fresh temporary directory, a free loopback port, and no rate limits (a bench's clients
 * post as fast as the machine allows: it measures the pipeline, not the limits). Options add to or
 * override these. `close()` stops it and removes the directory.
 */
export async function startBenchGateway(chain: TestChain, options: Partial<GatewayOptions> = {}): Promise<RunningGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-bench-gateway-'));
  try {
    const gateway = await startGateway({
      ...testChainGatewayOptions(chain, join(dir, 'queue.sqlite')),
      rateLimit: false,
      ...options,
    });
    return {
      ...gateway,
      close: async () => {
        try {
          await gateway.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
