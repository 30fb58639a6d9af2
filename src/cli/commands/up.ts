import { Option, type Command } from 'commander';
import { DEFAULT_CHAIN_SAVE_INTERVAL_MS } from '../../chain/embeddedChain.js';
import { COUNCIL_TIMELOCK_DELAY_SECONDS, MAX_TIMELOCK_DELAY_SECONDS } from '../../chain/deploy.js';
import { DEFAULT_MQTT_PORT } from '../../mqtt/channel.js';
import { startStack, DEFAULT_GATEWAY_PORT } from '../../stack/startStack.js';
import { formatDuration, parseChainEndpointArg, parseDurationArg, parseIntegerArg, parseUrlArg } from '../args/index.js';
import { resolveDataDir } from '../context.js';
import { type CommonOptions, withCommon } from '../options.js';
import { CliError, printResult, progress, UsageError } from '../output.js';
import { resolvePassphrase } from '../passphrase.js';
import { MQTT_PASSWORD_ENV, readSecret } from '../secrets.js';
import { checkListenSecurity, readTlsFiles } from '../../stack/hostSecurity.js';

type UpOptions = CommonOptions & {
  rpcUrl?: string;
  chainSaveInterval: number;
  port: number;
  host: string;
  mqttUrl?: string;
  mqttPasswordFile?: string;
  mqttPort?: number;
  mqtt: boolean;
  timelockDelay?: bigint;
  tlsCert?: string;
  tlsKey?: string;
  behindTlsProxy?: boolean;
  logLevel: GatewayLogLevel;
};

/** The gateway log's levels: `warn` carries every security event (docs/security.md, "Security log"). */
const GATEWAY_LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
type GatewayLogLevel = (typeof GATEWAY_LOG_LEVELS)[number];

export function registerUpCommand(program: Command): void {
  withCommon(
    program
      .command('up')
      .description('Start the chain (embedded Anvil unless --rpc-url), deploy the contracts once, and run the gateway until stopped')
      .option(
        '--rpc-url <url>',
        "use this Ethereum JSON-RPC node instead of the embedded chain: an http(s) URL, or the path of a local node's IPC socket",
        parseChainEndpointArg('--rpc-url'),
      )
      .option(
        '--chain-save-interval <ms>',
        'how often the embedded chain saves its state when it moved (blocks since the last save are lost if the machine dies)',
        parseIntegerArg('chain save interval', 100, 3_600_000),
        DEFAULT_CHAIN_SAVE_INTERVAL_MS,
      )
      .option('--port <port>', 'gateway port', parseIntegerArg('port', 0, 65535), DEFAULT_GATEWAY_PORT)
      .option(
        '--host <host>',
        'listen address of the gateway and the embedded MQTT broker; an address other than loopback needs --tls-cert/--tls-key or --behind-tls-proxy',
        '127.0.0.1',
      )
      .option('--tls-cert <file>', 'serve HTTPS and mqtts:// with this PEM certificate (chain) ...')
      .option('--tls-key <file>', '... and this PEM private key (keep it 0600)')
      .option(
        '--behind-tls-proxy',
        'a TLS front (nginx, Caddy, ...) terminates TLS for a non-loopback --host: serve plain HTTP and MQTT to it',
      )
      .option(
        '--mqtt-url <url>',
        'use this MQTT broker (e.g. mqtt://pythia-gateway@host:1883) instead of the embedded one; no password in the URL',
        parseUrlArg('--mqtt-url', ['mqtt:', 'mqtts:', 'ws:', 'wss:']),
      )
      .option(
        '--mqtt-password-file <file>',
        `the gateway's password at the --mqtt-url broker: the first line of this file (mode 0600), else $${MQTT_PASSWORD_ENV}`,
      )
      .option(
        '--mqtt-port <port>',
        `port of the embedded MQTT broker (default ${DEFAULT_MQTT_PORT}; any free port when --port is 0)`,
        parseIntegerArg('mqtt port', 0, 65535),
      )
      .option('--no-mqtt', 'do not run the MQTT device channel')
      .addOption(
        new Option('--log-level <level>', 'gateway log on stderr, one JSON line per event (warn: every security event)')
          .choices(GATEWAY_LOG_LEVELS)
          .default('warn'),
      )
      .option(
        '--timelock-delay <duration>',
        'how long the council timelock makes every role change wait, when the contracts are deployed: <n>s|m|h|d|w, 0 to ' +
          `${formatDuration(MAX_TIMELOCK_DELAY_SECONDS)} (default 0 on the embedded chain, ${formatDuration(COUNCIL_TIMELOCK_DELAY_SECONDS)} ` +
          'with --rpc-url; docs/operations.md, "Who holds which role")',
        parseDurationArg('--timelock-delay', { min: 0n, max: MAX_TIMELOCK_DELAY_SECONDS }),
      ),
    { dataDir: 'where keys, chain state and deployment.json live (default ./.pythia)', json: 'print the deployment as JSON once up' },
  ).action(async (options: UpOptions) => {
    const dataDir = resolveDataDir(options.dataDir);
    if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
      throw new UsageError('--tls-cert and --tls-key go together');
    }
    const tls = options.tlsCert && options.tlsKey ? readTlsFiles({ certPath: options.tlsCert, keyPath: options.tlsKey }) : undefined;
    const mqttPassword = readSecret({
      what: 'the MQTT password',
      env: MQTT_PASSWORD_ENV,
      ...(options.mqttPasswordFile !== undefined && { file: options.mqttPasswordFile }),
    });
    if (options.mqttPasswordFile !== undefined && !options.mqttUrl) {
      throw new UsageError('--mqtt-password-file is the password at an external broker: give --mqtt-url too');
    }
    try {
      checkListenSecurity({ host: options.host, ...(tls && { tls }), ...(options.behindTlsProxy && { behindTlsProxy: true }) });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const passphrase = await resolvePassphrase('role keys');
    let fatal: ((error: Error) => void) | undefined;
    let fatalError: Error | undefined;
    const stack = await startStack({
      dataDir,
      passphrase,
      ...(options.rpcUrl ? { rpcUrl: options.rpcUrl } : {}),
      chainSaveIntervalMs: options.chainSaveInterval,
      onFatal: (error) => {
        fatalError = error;
        fatal?.(error);
      },
      gatewayPort: options.port,
      gatewayHost: options.host,
      ...(options.mqttUrl ? { mqttUrl: options.mqttUrl } : {}),
      ...(options.mqttUrl && mqttPassword !== undefined && { mqttPassword }),
      ...(tls && { tls }),
      ...(options.behindTlsProxy && { behindTlsProxy: true }),
      ...(options.mqttPort !== undefined ? { mqttPort: options.mqttPort } : {}),
      mqtt: options.mqtt,
      logger: { level: options.logLevel, stream: process.stderr },
      ...(options.timelockDelay !== undefined ? { timelockDelaySeconds: options.timelockDelay } : {}),
      onProgress: (m) => progress(options, m),
    });
    printResult(options, stack.deployment, () =>
      [
        `Pythia is up (${stack.deployed ? 'contracts deployed' : 'existing deployment'})`,
        `  chain     ${stack.deployment.rpcUrl} (chain id ${stack.deployment.chainId}${stack.embeddedChain ? `, embedded Anvil pid ${stack.embeddedChain.pid()}, saved every ${options.chainSaveInterval} ms` : ''})`,
        `  gateway   ${stack.gatewayUrl}`,
        `  mqtt      ${stack.deployment.mqttUrl ?? '(off)'}`,
        `  fleet     ${stack.deployment.contracts.fleet}`,
        `  timelock  ${stack.deployment.contracts.timelock ?? '(none)'}`,
        `  registry  ${stack.deployment.contracts.pythiaRegistry ?? '(none)'}`,
        `  identity  ${stack.deployment.contracts.deviceIdentity ?? '(none)'}`,
        `  ownership ${stack.deployment.contracts.deviceOwnership ?? '(none)'}`,
        `  operator  ${stack.deployment.roles.operator}`,
        `  data dir  ${dataDir}`,
        'Press Ctrl-C to stop.',
      ].join('\n'),
    );
    const failure = await new Promise<Error | undefined>((resolve) => {
      const shutdown = () => resolve(undefined);
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      fatal = resolve;
      if (fatalError) resolve(fatalError);
    });
    progress(options, 'stopping...');
    await stack.stop();
    if (failure) throw new CliError(`the node stopped: ${failure.message}`);
  });
}
