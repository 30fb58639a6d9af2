import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULT_CHAIN_SAVE_INTERVAL_MS } from '../../chain/embeddedChain.js';
import { COUNCIL_TIMELOCK_DELAY_SECONDS, MAX_TIMELOCK_DELAY_SECONDS } from '../../chain/deploy.js';
import { DEFAULT_MQTT_PORT } from '../../mqtt/defaults.js';
import { GethNotFoundError, networkRpcUrls, readNetworkConfig, SINGLE_NODE_PERIOD } from '../../network/index.js';
import { DEFAULT_GATEWAY_PORT } from '../../stack/defaults.js';
import type { StackChain } from '../../stack/startStack.js';
import {
  collect,
  formatDuration,
  parseChainEndpoint,
  parseChoiceArg,
  parseDurationArg,
  parseIntegerArg,
  parseUrlArg,
} from '../args/index.js';
import { resolveDataDir } from '../context.js';
import { type CommonOptions, withCommon } from '../options.js';
import { CliError, printResult, progress, UsageError } from '../output.js';
import { resolvePassphrase } from '../passphrase.js';
import { MQTT_PASSWORD_ENV, readSecret } from '../secrets.js';
import { ListenSecurityError, readTlsFiles } from '../../stack/hostSecurity.js';
import { createNodeEvents } from '../../stack/events/nodeEvents.js';
import { watchChainEvents } from '../../stack/events/chainEvents.js';
import { pinoLevelNumbers } from '../../stack/events/gatewayLogTap.js';
import { EVENT_FORMATS, eventPrinter, type EventFormat } from '../eventOutput.js';
import { databasePasswordFileOption, databaseUrlOption, resolveDatabaseOptions } from '../databaseOptions.js';

const CHAIN_KINDS = ['geth', 'anvil'] as const;

type UpOptions = CommonOptions & {
  chain?: (typeof CHAIN_KINDS)[number];
  rpcUrl?: string[];
  network?: string;
  chainSaveInterval: number;
  port: number;
  host: string;
  mqttUrl?: string;
  mqttPasswordFile?: string;
  mqttPort?: number;
  mqtt: boolean;
  databaseUrl?: string;
  databasePasswordFile?: string;
  timelockDelay?: bigint;
  tlsCert?: string;
  tlsKey?: string;
  behindTlsProxy?: boolean;
  logLevel: GatewayLogLevel;
  logFormat?: EventFormat;
  quiet?: boolean;
};

/** The gateway log's levels: `warn` carries every security event (docs/security.md, "Security log"). */
const GATEWAY_LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
type GatewayLogLevel = (typeof GATEWAY_LOG_LEVELS)[number];

export function registerUpCommand(program: Command): void {
  withCommon(
    program
      .command('up')
      .description(
        'Start the chain (a geth Clique validator of its own, or the nodes given), deploy the contracts once, and run the gateway until stopped',
      )
      .option(
        '--chain <kind>',
        `the node's own chain: geth (default; one Clique validator in <data-dir>/chain, crash-safe storage, a block every ${SINGLE_NODE_PERIOD} s; needs \`npm run install:geth\`) or anvil (for development, tests and benchmarks: a crash loses the blocks since its last save)`,
        parseChoiceArg('--chain', CHAIN_KINDS),
      )
      .option(
        '--rpc-url <url>',
        "use this Ethereum JSON-RPC node instead of a chain of its own: an http(s) URL or a local node's IPC socket path (repeatable: nodes of one chain, the gateway fails over between them)",
        collect((value: string) => parseChainEndpoint('--rpc-url', value)),
      )
      .option(
        '--network <dir>',
        'run against the nodes of a network folder made by `pythia network init` (its admin funded with --fund-admin-of; start it with `pythia network up`)',
      )
      .option(
        '--chain-save-interval <ms>',
        'with --chain anvil: how often its state is saved when it moved (blocks since the last save are lost if the machine dies)',
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
      .addOption(databaseUrlOption())
      .addOption(databasePasswordFileOption())
      .addOption(
        new Option(
          '--log-level <level>',
          "the gateway's own log: its warnings and errors are event lines; with info or debug its other lines too, as pino JSON on stderr",
        )
          .choices(GATEWAY_LOG_LEVELS)
          .default('warn'),
      )
      .addOption(
        new Option(
          '--log-format <format>',
          'event lines once up (flags, suspensions, revocations, refusals by reason, relayer retries): text, or json (pino JSON lines with an `event` field); default text, json with --json',
        ).choices(EVENT_FORMATS),
      )
      .option('--quiet', 'no progress lines, and once up only warnings and errors: security refusals, suspensions, revocations, failures')
      .option(
        '--timelock-delay <duration>',
        'how long the council timelock makes every role change wait, when the contracts are deployed: <n>s|m|h|d|w, 0 to ' +
          `${formatDuration(MAX_TIMELOCK_DELAY_SECONDS)} (default 0 with --chain anvil, ${formatDuration(COUNCIL_TIMELOCK_DELAY_SECONDS)} ` +
          'on geth, --rpc-url or --network; docs/operations.md, "Who holds which role")',
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
    const database = resolveDatabaseOptions(options);
    const chain = chainOf(options);
    let fatal: ((error: Error) => void) | undefined;
    let fatalError: Error | undefined;
    // Ctrl-C or SIGTERM at any moment, startup included, stops the node cleanly once; a repeat does
    // not cut the stop short (the chain node is flushing), except during the start, where it aborts.
    let started = false;
    let stopRequested = false;
    let wake: (() => void) | undefined;
    const onStopSignal = (signal: NodeJS.Signals) => {
      if (!stopRequested) {
        stopRequested = true;
        if (!started) progress(options, `${signal}: stopping once the start is complete (again to abort at once)`);
        wake?.();
      } else if (!started) {
        process.exit(130);
      } else {
        progress(options, `${signal}: already stopping`);
      }
    };
    process.on('SIGINT', onStopSignal);
    process.on('SIGTERM', onStopSignal);
    // Event lines (docs/operations.md, "What the node tells"): on stdout, or on stderr when stdout holds the --json deployment.
    const showEvent = eventPrinter({
      format: options.logFormat ?? (options.json ? 'json' : 'text'),
      quiet: options.quiet === true,
      stream: options.json ? process.stderr : process.stdout,
    });
    const nodeEvents = createNodeEvents({
      dataDir,
      onEvent: showEvent,
      passLevel: pinoLevelNumbers[options.logLevel],
      passThrough: (line) => process.stderr.write(`${line}\n`),
      onLogError: (error) => progress(options, `cannot write the event log: ${(error as Error).message}`),
    });
    // startStack refuses what it can (listen address, chain kind, geth missing, no namespace for Anvil) before it asks the passphrase.
    // The node (gateway, database, broker) loads when it starts, not for --help.
    const { startStack } = await import('../../stack/startStack.js');
    const { createGatewayChainClient } = await import('../../gateway/server.js');
    const stack = await startStack({
      dataDir,
      passphrase: () => resolvePassphrase('role keys'),
      chain,
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
      ...database,
      // Warnings and errors always reach the event lines; lower levels only when asked for.
      logger: { level: options.logLevel === 'error' ? 'warn' : options.logLevel, stream: nodeEvents.logStream },
      onRefusal: nodeEvents.onRefusal,
      ...(options.timelockDelay !== undefined ? { timelockDelaySeconds: options.timelockDelay } : {}),
      onProgress: (m) => progress(options, m),
    }).catch((error: unknown) => {
      throw refusalOf(error);
    });
    const chainNote = stack.embeddedChain
      ? `, embedded Anvil pid ${stack.embeddedChain.pid()}, saved every ${options.chainSaveInterval} ms: for development, a crash loses the blocks since the last save`
      : stack.gethNode
        ? `, own geth validator pid ${stack.gethNode.pid()}, a block every ${stack.gethNode.period} s`
        : typeof chain === 'object' && chain.rpcUrls.length > 1
          ? `; failover to ${chain.rpcUrls.slice(1).join(', ')}`
          : '';
    // The chain's events (flags, status changes, key revocations) from the next block on, each once
    // final (as the index takes them). Over the same nodes as the gateway, failing over between them.
    const { publicClient } = createGatewayChainClient(
      typeof chain === 'object' ? chain.rpcUrls : [stack.deployment.rpcUrl],
      stack.deployment.chainId,
    );
    const chainEvents = watchChainEvents({
      publicClient,
      fleet: stack.deployment.contracts.fleet,
      ...(stack.deployment.contracts.deviceIdentity && { deviceIdentity: stack.deployment.contracts.deviceIdentity }),
      fromBlock:
        (await publicClient.getBlockNumber().catch(async (error: unknown) => {
          await stack.stop();
          throw error;
        })) + 1n,
      finalBlockAt: stack.finalBlockAt,
      onEvent: showEvent,
      onError: (error) =>
        progress(options, `following the chain's events failed (tried again): ${(error as Error).message.split('\n')[0]}`),
    });
    printResult(options, stack.deployment, () =>
      [
        `Pythia is up (${stack.deployed ? 'contracts deployed' : 'existing deployment'})`,
        `  chain     ${stack.deployment.rpcUrl} (chain id ${stack.deployment.chainId}${chainNote})`,
        `  gateway   ${stack.gatewayUrl}`,
        `  console   ${stack.consoleUrl}`,
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
    started = true;
    const failure = await new Promise<Error | undefined>((resolve) => {
      wake = () => resolve(undefined);
      fatal = resolve;
      if (fatalError) resolve(fatalError);
      if (stopRequested) resolve(undefined);
    });
    progress(options, 'stopping...');
    await chainEvents.stop();
    await stack.stop();
    nodeEvents.stop();
    if (failure) throw new CliError(`the node stopped: ${failure.message}`);
  });
}

/**
 * The chain the options ask for: the nodes given (--rpc-url, --network), else the node's own,
 * geth unless --chain anvil. Refuses conflicting options and a network folder that cannot be read
 * (startStack refuses a missing geth and a data directory whose chain is of the other kind).
 */
function chainOf(options: UpOptions): StackChain {
  const given = [options.rpcUrl && '--rpc-url', options.network && '--network', options.chain && '--chain'].filter(Boolean);
  if (given.length > 1) throw new UsageError(`${given.join(' and ')} cannot be used together: choose one chain`);
  if (options.rpcUrl) return { rpcUrls: options.rpcUrl };
  if (options.network) {
    const network = readNetworkConfig(resolve(options.network));
    return { rpcUrls: networkRpcUrls(resolve(options.network), network) };
  }
  return options.chain ?? 'geth';
}

/** startStack's refusals as the CLI says them: a listen address is a usage error (exit 2); geth missing says what to run. */
function refusalOf(error: unknown): unknown {
  if (error instanceof ListenSecurityError) return new UsageError(error.message);
  if (error instanceof GethNotFoundError) {
    return new CliError(
      `${error.message}.\n` +
        '`pythia up` runs its chain on geth (a Clique validator whose storage survives crashes). Run `npm run install:geth` once (it needs Go), then `pythia up` again.\n' +
        'For development, tests or a benchmark you may choose Anvil knowingly: `pythia up --chain anvil` (a crash loses the blocks since its last save, about a second; see docs/operations.md, "Which chain").',
    );
  }
  return error;
}
