import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { createPublicClient, hexToBytes, type Address, type Hex, type LocalAccount, type PublicClient } from 'viem';
import type { AnswerContracts } from '../answers/questions/types.js';
import { chainTransport } from '../chain/chainTransport.js';
import { pythiaChain } from '../chain/clients.js';
import { EcdsaPool } from '../crypto/ecdsaPool.js';
import { readingDomainSeparator } from '../protocol/eip712.js';
import { DeviceDirectory } from './core/deviceDirectory.js';
import { gatewayFleetAbi } from '../contracts/gatewayFleetAbi.js';
import { errorResponseJsonSchema, installErrorHandling, refusingServerOptions } from './core/httpErrors.js';
import { AccessLedger } from './consentedData/accessLedger.js';
import { AccessLogBatcher } from './consentedData/accessLogBatcher.js';
import { questionsPlugin } from './questions/questionsPlugin.js';
import { consentedDataPlugin } from './consentedData/consentedDataPlugin.js';
import { policiesPlugin } from './policies/policiesPlugin.js';
import { canariesPlugin } from './canaries/canariesPlugin.js';
import { consentReceiptsPlugin } from './consentReceipts/consentReceiptsPlugin.js';
import { CanaryIssuer } from './canaries/canaryIssuer.js';
import { canaryRegistryAbi } from '../contracts/abis.js';
import { ConsentPolicyGuard } from './policies/consentPolicyGuard.js';
import { PolicyStore } from './policies/policyStore.js';
import { chainPolicyLedger } from '../chain/policy/chainPolicyLedger.js';
import { CommandStore } from './commands/commandStore.js';
import { commandsPlugin } from './commands/commandsPlugin.js';
import { deviceActionsPlugin } from './deviceActions/deviceActionsPlugin.js';
import { devicesPlugin } from './devices/devicesPlugin.js';
import { statusProofsPlugin } from './statusProofs/statusProofsPlugin.js';
import { healthPlugin } from './health/healthPlugin.js';
import { indexQueriesPlugin, type IndexQueriesPluginOptions } from './indexQueries/indexQueriesPlugin.js';
import { consolePlugin } from './console/consolePlugin.js';
import { consoleActionsPlugin } from './consoleActions/consoleActionsPlugin.js';
import { createChainClients, type ChainClients } from '../chain/clients.js';
import { abiPlugin } from './abi/abiPlugin.js';
import { openApiPlugin, type OpenApiTag } from './openapi/openApiPlugin.js';
import { readingsPlugin } from './readings/readingsPlugin.js';
import { installRateLimits, type RateLimitOptions } from './rateLimits/rateLimits.js';
import { QuestionAnswerer, type AnswerSigner } from './questions/questionAnswerer.js';
import { ReadingIntake } from './readings/readingIntake.js';
import { ReadingQueue } from './readings/readingQueue.js';
import { GatewayDatabase } from './database/gatewayDatabase.js';
import { readingJsonSchema } from './readings/readingShape.js';
import { Relayer, type RelayerOptions } from './readings/relayer.js';
import { createRpcFailover, type RpcFailover } from './readings/rpcFailover.js';
import { lagThresholdsOf, type LagThresholds } from './readings/laggingNode.js';
import { watchLaggingNode } from './readings/watchLaggingNode.js';
import type { GatewayServices } from './services.js';

export type GatewayOptions = {
  /** JSON-RPC endpoint of the chain (or give several as rpcUrls). */
  rpcUrl?: string;
  /**
   * JSON-RPC endpoints of nodes of the same chain, in order of preference: requests go to one at a
   * time, and to the next when it stops answering (the relayer then checks the new node's chain
   * and broadcasts what it has in flight to it), or to the one with the highest head when it
   * answers but lags behind the others (laggingNode.ts). rpcUrl, if given too, comes first.
   */
  rpcUrls?: readonly string[];
  /**
   * When the node in use lags behind the others (several rpcUrls): thresholds replacing those
   * derived from the chain's block period (lagThresholdsOf), or false to stay on a node that
   * answers whatever its head. Off on Anvil (it syncs from no one: its head says nothing of another's).
   */
  laggingNode?: Partial<LagThresholds> | false;
  /**
   * Blocks, counting the including block, before a reading's outcome is final (until then it is
   * `included`). Default per chain: Clique ⌊signers/2⌋ + 2, Anvil 1 (with finalityDelayMs), other 12.
   */
  confirmations?: number;
  /** How long after it is seen included an outcome may become final (ms). Default per chain: Anvil 30,000 (0 with savedBlock), others 0. */
  finalityDelayMs?: number;
  /**
   * The last block the process running the chain node has saved durably (the embedded Anvil's
   * state saver), when it knows: no outcome above it is final, and on Anvil it replaces the delay.
   */
  savedBlock?: () => number | undefined;
  /** Relayer timings (tests, operators of slow chains). */
  relayerTiming?: Partial<
    Pick<RelayerOptions, 'monitorIntervalMs' | 'repairIntervalMs' | 'stuckAfterMs' | 'rebroadcastMs' | 'receiptPollMs' | 'lagGraceMs'>
  >;
  /** Chain id: part of the EIP-712 domain; startGateway checks the node agrees. */
  chainId: number;
  /** The PythiaFleet contract: the EIP-712 verifying contract, and where readings go. */
  fleetAddress: Address;
  /** Signs submitReadings transactions; must hold RELAYER_ROLE and gas. */
  relayerAccount: LocalAccount;
  /** The gateway's SQLite database (GatewayDatabase: queue, outcomes, access ledger, ...; ':memory:' only in tests). */
  dbPath: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Serve HTTPS with this PEM certificate and key (docs/security.md, "Host"); the url is then https://. */
  tls?: { cert: Buffer | string; key: Buffer | string };
  /** Default 8780; 0 = any free port. */
  port?: number;
  /** Readings per transaction (RelayerOptions.batchSize). Default 400. */
  batchSize?: number;
  /** Transactions in flight at once (RelayerOptions.maxInFlightBatches). Default 32. */
  maxInFlightBatches?: number;
  /** Gas limit per reading of a batch (RelayerOptions.gasPerReading). Default 30,000. */
  gasPerReading?: number;
  /** Longest wait for a batch to fill (ms). Default 100. */
  batchIntervalMs?: number;
  /** Readings stored and not yet on chain before 429 queue_full. Default 200,000. */
  maxQueuedReadings?: number;
  /** Readings per POST /v1/readings. Default 1000. */
  maxReadingsPerRequest?: number;
  /** Largest request body (bytes). Default 2 MiB. */
  bodyLimit?: number;
  /** Device event poll interval (ms): how soon a suspension on chain is refused. Default 250. */
  eventPollIntervalMs?: number;
  /** How long close() waits for batches in flight to be mined (ms). Default 10,000. */
  drainTimeoutMs?: number;
  /** fastify/pino logger options; default off. */
  logger?: FastifyServerOptions['logger'];
  /** Start the relayer when the app is ready. buildGateway: default false; startGateway: always true. */
  relay?: boolean;
  /** The Pythia's answer key: with it the gateway answers POST /v1/questions (docs/protocol.md, "Signed answers"). */
  answerSigner?: AnswerSigner;
  /**
   * Answers are read at a block that was the latest at most this long ago (ms), so that many
   * questions in a burst share one block and its reads. Default 100; 0 = always the latest.
   */
  answerBlockTtlMs?: number;
  /**
   * Contracts beside the fleet: some questions read them (device_owner needs deviceOwnership) and
   * device actions are relayed to them (owner acknowledgements, firmware install reports); with
   * consentRegistry and accessLog the gateway relays recipients' commands (POST /v1/devices/{id}/commands).
   */
  answerContracts?: AnswerContracts;
  /**
   * Worker threads for the ECDSA work of answers (checking the device's signature, signing the
   * answer with a local answer key). Default one per core beyond the first (at most 4); 0 = on
   * the event loop.
   */
  ecdsaThreads?: number;
  /** How long a delivery or relayed command waits for its AccessLog batch (ms). Default 2,000. */
  accessLogIntervalMs?: number;
  /**
   * Trap streets: with a canary registry among the contracts, recipients get canary values derived
   * from this secret (canarySecretOf(the Pythia key)), committed on chain. Without it: no canaries.
   */
  canarySecret?: Hex;
  /** About one delivered value in this many is a canary. Default 16. */
  canaryEvery?: number;
  /** Per-client and per-device rate limits on every route (docs/security.md); false: none (benchmarks). */
  rateLimit?: RateLimitOptions | false;
  /** A request must arrive whole (headers and body) within this time (ms), else 408. Default 10,000. */
  requestTimeoutMs?: number;
  /** An idle connection is closed after this time (ms). Default 30,000. */
  connectionTimeoutMs?: number;
  /** HTTP connections at once; beyond, new ones are closed at once. Default 1024. */
  maxConnections?: number;
  /** Told of every refusal answered, by reason and count (`pythia up`'s refusal lines); the MQTT channel tells it too. */
  onRefusal?: GatewayServices['onRefusal'];
  /** The indexer's store, its changes and the console token: with them the gateway serves GET /v1/index/... (docs/api.md). */
  index?: IndexQueriesPluginOptions;
  /**
   * With the index: the council console's actions (device status, class profile, the operator's
   * consents), signed by this operator key (docs/console.md) and sent over the gateway's nodes,
   * failing over between them as the relayer does.
   */
  consoleActions?: { operator: LocalAccount };
};

declare module 'fastify' {
  interface FastifyInstance {
    /** The gateway's services (queue, device directory, intake, relayer). */
    pythia: GatewayServices;
  }
}

/** build/console of Pythia's folder, from src/gateway/ (tests) as from build/cli/ (the compiled CLI): both two levels down. */
const builtConsoleDirectory = (): string => fileURLToPath(new URL('../../build/console/', import.meta.url));

const packageVersion = (): string => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
};

export function createGatewayPublicClient(rpcUrl: string, chainId: number): PublicClient {
  return createPublicClient({
    chain: pythiaChain(chainId, rpcUrl),
    transport: chainTransport(rpcUrl, { timeout: 10_000, retryCount: 1 }),
    pollingInterval: 250,
    cacheTime: 0,
  }) as PublicClient;
}

/** The endpoints of the options, rpcUrl first; throws without any. */
export function rpcUrlsOf(options: Pick<GatewayOptions, 'rpcUrl' | 'rpcUrls'>): string[] {
  const urls = [...(options.rpcUrl ? [options.rpcUrl] : []), ...(options.rpcUrls ?? [])].filter((u, i, all) => all.indexOf(u) === i);
  if (urls.length === 0) throw new Error('the gateway needs an RPC URL (rpcUrl or rpcUrls)');
  return urls;
}

/** A public client over one or several nodes of the chain, failing over between them. */
export function createGatewayChainClient(
  rpcUrls: readonly string[],
  chainId: number,
): { publicClient: PublicClient; failover: RpcFailover } {
  const failover = createRpcFailover({ urls: rpcUrls, timeoutMs: 10_000, retryCount: 1 });
  const chain = pythiaChain(chainId, rpcUrls[0]!);
  const publicClient = createPublicClient({ chain, transport: failover.transport, pollingInterval: 250, cacheTime: 0 }) as PublicClient;
  return { publicClient, failover };
}

/**
 * The thresholds for leaving a lagging node: configured values over those derived from the chain's
 * block period; none until the relayer has read the chain, and none on Anvil (it syncs from no one).
 */
function laggingNodeThresholds(
  policy: { chain: string; blockPeriodMs?: number } | undefined,
  configured: Partial<LagThresholds>,
): LagThresholds | undefined {
  if (!policy || policy.chain === 'anvil') return undefined;
  return { ...lagThresholdsOf(policy.blockPeriodMs ?? DEFAULT_BLOCK_PERIOD_MS), ...configured };
}

/** The block period assumed when the chain is too young to measure it (ms). */
const DEFAULT_BLOCK_PERIOD_MS = 2000;

/**
 * The gateway as a fastify instance, not listening: plugins readings, devices, health and
 * openapi (GET /openapi.json). Closing it (app.close()) drains the relayer, stops following
 * events and closes the queue.
 */
export async function buildGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...refusingServerOptions,
    logger: options.logger ?? false,
    ...(options.tls && { https: { cert: options.tls.cert, key: options.tls.key } }),
    bodyLimit: options.bodyLimit ?? 2 * 1024 * 1024,
    // A stranger's slow request holds a socket for seconds, not minutes (node's default is 300 s).
    requestTimeout: options.requestTimeoutMs ?? 10_000,
    connectionTimeout: options.connectionTimeoutMs ?? 30_000,
    keepAliveTimeout: 5_000,
    // How often node looks for requests over their time limit (its default, 30 s, lets one live 40 s).
    http: { connectionsCheckingInterval: 1_000 },
    // Numbers as the chain has them: no coercion of documented types.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });
  app.removeContentTypeParser('text/plain'); // JSON only: anything else is 415
  installErrorHandling(app);
  if (options.rateLimit !== false) await installRateLimits(app, options.rateLimit ?? {});
  app.addSchema(readingJsonSchema);
  app.addSchema(errorResponseJsonSchema);

  const { publicClient, failover } = createGatewayChainClient(rpcUrlsOf(options), options.chainId);
  const database = new GatewayDatabase({ path: options.dbPath });
  const queue = new ReadingQueue({ database });
  const logger = app.log;
  const directory = new DeviceDirectory({
    publicClient,
    fleetAddress: options.fleetAddress,
    logger,
    ...(options.eventPollIntervalMs !== undefined && { watchIntervalMs: options.eventPollIntervalMs }),
  });
  const relayer = new Relayer({
    publicClient,
    account: options.relayerAccount,
    chainId: options.chainId,
    fleetAddress: options.fleetAddress,
    queue,
    logger,
    onOutcomes: (outcomes, logs) => {
      directory.applyLogs(logs);
      for (const o of outcomes) if (o.status !== 'rejected') directory.noteRecordedSequence(o.device, o.sequence);
    },
    // What the device cache learnt from vanished blocks may be gone with them.
    onRollback: () => directory.forget(),
    broadcastElsewhere: (rawTx) => failover.sendToOthers({ method: 'eth_sendRawTransaction', params: [rawTx] }),
    ...(options.confirmations !== undefined && { confirmations: options.confirmations }),
    ...(options.finalityDelayMs !== undefined && { finalityDelayMs: options.finalityDelayMs }),
    ...(options.savedBlock && { savedBlock: options.savedBlock }),
    ...options.relayerTiming,
    ...(options.batchSize !== undefined && { batchSize: options.batchSize }),
    ...(options.maxInFlightBatches !== undefined && { maxInFlightBatches: options.maxInFlightBatches }),
    ...(options.gasPerReading !== undefined && { gasPerReading: options.gasPerReading }),
    ...(options.batchIntervalMs !== undefined && { batchIntervalMs: options.batchIntervalMs }),
  });
  const laggingNodeWatch =
    options.laggingNode === false || failover.urls.length < 2
      ? undefined
      : watchLaggingNode({ failover, thresholds: () => laggingNodeThresholds(relayer.finalityPolicy, options.laggingNode || {}) });
  const stopFollowingSwitches = failover.onSwitch((event) => {
    logger.warn(
      { event: 'rpc_failover', ...event },
      event.cause === 'unreachable'
        ? 'gateway: RPC endpoint switched'
        : 'gateway: RPC endpoint switched: the node in use lags behind the others',
    );
    directory.forget();
    relayer.nodeChanged(`switched from ${event.from} to ${event.to}: ${event.reason}`);
  });
  const intake = new ReadingIntake({
    queue,
    directory,
    domainSeparator: readingDomainSeparator({ chainId: options.chainId, verifyingContract: options.fleetAddress }),
    onStored: () => relayer.notify(),
    logger,
    ...(options.maxQueuedReadings !== undefined && { maxQueuedReadings: options.maxQueuedReadings }),
    ...(options.maxReadingsPerRequest !== undefined && { maxReadingsPerRequest: options.maxReadingsPerRequest }),
  });
  const services: GatewayServices = {
    chainId: options.chainId,
    fleetAddress: options.fleetAddress,
    contracts: options.answerContracts ?? {},
    publicClient,
    rpc: failover,
    queue,
    directory,
    intake,
    relayer,
    commands: new CommandStore(database),
    ...(options.onRefusal && { onRefusal: options.onRefusal }),
  };
  let ecdsaPool: EcdsaPool | undefined;
  if (options.answerSigner) {
    if (options.ecdsaThreads !== 0) {
      const signingKey = 'privateKey' in options.answerSigner ? hexToBytes(options.answerSigner.privateKey) : undefined;
      ecdsaPool = new EcdsaPool({
        ...(options.ecdsaThreads !== undefined && { threads: options.ecdsaThreads }),
        ...(signingKey && { signingKey }),
      });
    }
    services.answerer = new QuestionAnswerer({
      ...(ecdsaPool && { ecdsaPool }),
      contracts: services.contracts,
      chainId: options.chainId,
      fleetAddress: options.fleetAddress,
      publicClient,
      directory,
      answerSigner: options.answerSigner,
      ...(options.answerBlockTtlMs !== undefined && { latestBlockTtlMs: options.answerBlockTtlMs }),
    });
  }
  const { consentRegistry, accessLog, policyRegistry } = services.contracts;
  if (policyRegistry) services.policyStore = new PolicyStore(database);
  if (consentRegistry && services.policyStore) {
    services.policyGuard = new ConsentPolicyGuard({
      publicClient,
      consentRegistry,
      store: services.policyStore,
      ...(services.contracts.recipientTerms && { recipientTerms: services.contracts.recipientTerms }),
      ledger: chainPolicyLedger({
        publicClient,
        consentRegistry,
        ...(services.contracts.sharingLog && { sharingLog: services.contracts.sharingLog }),
        ...(services.contracts.recipientBonds && { recipientBonds: services.contracts.recipientBonds }),
      }),
    });
  }
  if (consentRegistry && accessLog) {
    const { canaryRegistry } = services.contracts;
    if (canaryRegistry && options.canarySecret) {
      services.canaries = new CanaryIssuer({
        secret: options.canarySecret,
        publicClient,
        fleetAddress: options.fleetAddress,
        ...(options.canaryEvery !== undefined && { every: options.canaryEvery }),
      });
    }
    services.accessLedger = new AccessLedger(database);
    services.accessLogBatcher = new AccessLogBatcher({
      ledger: services.accessLedger,
      accessLog,
      ...(services.canaries && canaryRegistry && { canaries: { registry: canaryRegistry, abi: canaryRegistryAbi } }),
      onQueued: () => relayer.notify(),
      logger,
      ...(options.accessLogIntervalMs !== undefined && { intervalMs: options.accessLogIntervalMs }),
    });
  }
  app.decorate('pythia', services);

  app.addHook('onReady', async () => {
    await directory.startWatching();
    if (options.relay) {
      relayer.start();
      services.accessLogBatcher?.start();
    }
  });
  app.addHook('onClose', async () => {
    services.accessLogBatcher?.stop();
    services.accessLogBatcher?.flush();
    await laggingNodeWatch?.stop();
    await relayer.stop({ drainMs: options.drainTimeoutMs ?? 10_000 });
    stopFollowingSwitches();
    await directory.stopWatching();
    await ecdsaPool?.close();
    database.close();
  });

  await registerFeatures(
    app,
    services,
    options.index,
    options.consoleActions && {
      operator: options.consoleActions.operator,
      clients: createChainClients({ chainId: options.chainId, rpcUrl: rpcUrlsOf(options)[0]!, transport: failover.transport }),
    },
  );
  return app;
}

/**
 * Registers each feature's plugin only when what it needs is configured: a route of a feature this
 * gateway does not have is not there at all (the framework's 404 `not_found`) and /openapi.json
 * does not list it. docs/operations.md, "The gateway's features", has the same table.
 */
async function registerFeatures(
  app: FastifyInstance,
  services: GatewayServices,
  index?: IndexQueriesPluginOptions,
  consoleActions?: { operator: LocalAccount; clients: ChainClients },
): Promise<void> {
  const { chainId, publicClient, fleetAddress, queue, directory, relayer, contracts } = services;
  const { consentRegistry, deviceOwnership, firmwareRegistry, policyRegistry } = contracts;
  const { accessLedger: ledger, accessLogBatcher, policyStore, answerer } = services;
  const consent = consentRegistry && ledger && accessLogBatcher ? { consentRegistry, ledger, accessLogBatcher } : undefined;

  const tags: OpenApiTag[] = [
    { name: 'readings', description: 'Device ingress and reading outcomes' },
    { name: 'devices', description: 'Device state from the chain, and actions devices sign for the gateway to relay' },
    ...(answerer ? [{ name: 'answers', description: 'Signed answers to device questions' }] : []),
    ...(consent ? [{ name: 'commands', description: "Recipients' commands to devices under consent, relayed and logged" }] : []),
    ...(consentRegistry || policyStore
      ? [{ name: 'consent', description: 'Consent receipts, data under consent, policy documents, trap streets' }]
      : []),
    { name: 'contracts', description: 'The contracts’ events, errors and enum numbers (docs/abi.md), and their addresses' },
    ...(index ? [{ name: 'index', description: 'The indexed chain for the council console (console token)' }] : []),
    ...(index ? [{ name: 'console', description: "The council console's files (docs/console.md)" }] : []),
    { name: 'health', description: 'Liveness' },
  ];
  await app.register(openApiPlugin, { version: packageVersion(), tags });
  await app.register(healthPlugin, { chainId, publicClient, queue, directory, relayer, ...(services.rpc && { rpc: services.rpc }) });
  await app.register(abiPlugin, { chainId, addresses: { fleet: fleetAddress, ...contracts } });
  if (index) {
    await app.register(indexQueriesPlugin, index);
    await app.register(consolePlugin, { directory: builtConsoleDirectory() });
    if (consoleActions)
      await app.register(consoleActionsPlugin, {
        ...consoleActions,
        token: index.token,
        fleet: fleetAddress,
        ...(consentRegistry && { consentRegistry }),
      });
  }
  await app.register(readingsPlugin, { intake: services.intake, queue });
  await app.register(devicesPlugin, { publicClient, fleetAddress, queue });
  await app.register(statusProofsPlugin, { publicClient, fleetAddress });
  if (deviceOwnership || firmwareRegistry) {
    await app.register(deviceActionsPlugin, {
      directory,
      queue,
      publicClient,
      relayer,
      ...(deviceOwnership && { deviceOwnership }),
      ...(firmwareRegistry && { firmwareRegistry }),
    });
  }
  if (answerer) await app.register(questionsPlugin, { chainId, answerer });
  if (consentRegistry) {
    await app.register(consentReceiptsPlugin, { chainId, publicClient, consentRegistry, ...(policyStore && { policyStore }) });
  }
  if (policyRegistry && policyStore) await app.register(policiesPlugin, { publicClient, policyRegistry, store: policyStore });
  if (consent) {
    const guard = services.policyGuard && { policyGuard: services.policyGuard };
    await app.register(consentedDataPlugin, {
      chainId,
      publicClient,
      queue,
      directory,
      ...consent,
      ...guard,
      ...(services.canaries && { canaries: services.canaries }),
    });
    await app.register(commandsPlugin, {
      chainId,
      publicClient,
      directory,
      commands: services.commands,
      deviceChannel: () => services.deviceCommands,
      ...(deviceOwnership && { deviceOwnership }),
      ...consent,
      ...guard,
    });
    await app.register(canariesPlugin, { chainId, publicClient, consentRegistry: consent.consentRegistry, ledger: consent.ledger });
  }
}

export type RunningGateway = {
  app: FastifyInstance;
  /** http://host:port the gateway listens on. */
  url: string;
  /** Stops listening, lets requests in progress finish, drains the relayer, closes the queue. */
  close: () => Promise<void>;
};

/**
 * Checks the chain (chain id, fleet contract's EIP-712 domain), builds the gateway, starts the
 * relayer (resuming whatever an earlier run left in the queue) and listens.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  await checkChain(options);
  const app = await buildGateway({ ...options, relay: true });
  app.server.maxConnections = options.maxConnections ?? 1024;
  app.server.headersTimeout = Math.min(options.requestTimeoutMs ?? 10_000, 60_000);
  try {
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8780 });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host ?? '127.0.0.1';
  const url = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  return { app, url, close: () => (closing ??= app.close()) };
}

/**
 * Refuses to start against the wrong chain or contract: every signature would fail as
 * bad_signature. With several endpoints, every one that answers must serve the chain and the
 * contract (a failover to another chain would lose readings); at least one must answer.
 */
export async function checkChain(options: Pick<GatewayOptions, 'rpcUrl' | 'rpcUrls' | 'chainId' | 'fleetAddress'>): Promise<void> {
  const urls = rpcUrlsOf(options);
  let answered = 0;
  let lastError: unknown;
  for (const rpcUrl of urls) {
    const client = createGatewayPublicClient(rpcUrl, options.chainId);
    let chainId: number;
    try {
      chainId = await client.getChainId();
    } catch (error) {
      lastError = error;
      if (urls.length > 1) continue;
      throw error;
    }
    answered += 1;
    if (chainId !== options.chainId) {
      throw new Error(`the node at ${rpcUrl} serves chain ${chainId}, not ${options.chainId}`);
    }
    const onChain = await client.readContract({ address: options.fleetAddress, abi: gatewayFleetAbi, functionName: 'domainSeparator' });
    const expected = readingDomainSeparator({ chainId: options.chainId, verifyingContract: options.fleetAddress });
    if (onChain.toLowerCase() !== `0x${Buffer.from(expected).toString('hex')}`) {
      throw new Error(
        `the contract at ${options.fleetAddress} has another EIP-712 domain than Pythia/1 on chain ${chainId} (node ${rpcUrl})`,
      );
    }
  }
  if (answered === 0) throw lastError;
}
