/**
 * A gateway as its own process, for crash tests: reads its configuration (JSON) from the
 * PYTHIA_CRASH_GATEWAY environment variable, starts, prints `ready <url>` and runs until killed.
 * The relayer key in the configuration is a test key made by the test (never a real one).
 */
import type { Hex } from 'viem';
import { nativeAccount } from '../../chain/nativeAccount.js';
import { startGateway, type GatewayOptions } from '../../gateway/server.js';

export type CrashGatewayConfig = Omit<GatewayOptions, 'relayerAccount' | 'logger'> & { relayerPrivateKey: Hex; logLevel?: string };

const raw = process.env.PYTHIA_CRASH_GATEWAY;
if (!raw) {
  process.stderr.write('PYTHIA_CRASH_GATEWAY is not set\n');
  process.exit(2);
}
const { relayerPrivateKey, logLevel, ...options } = JSON.parse(raw) as CrashGatewayConfig;
const gateway = await startGateway({
  ...options,
  relayerAccount: nativeAccount(relayerPrivateKey),
  ...(logLevel && { logger: { level: logLevel } }),
});
process.stdout.write(`ready ${gateway.url}\n`);
const stop = () => {
  gateway.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
