import type { Command } from 'commander';
import type { PublicClient } from 'viem';
import { detectFinalityPolicy } from '../../gateway/readings/finalityPolicy.js';
import { watchChainEvents } from '../../stack/events/chainEvents.js';
import { eventLogPath, followEventLog } from '../../stack/events/eventLog.js';
import { dataDirHolder } from '../../stack/lockDataDir.js';
import { parseIntegerArg } from '../args/index.js';
import { loadContext } from '../context.js';
import { eventPrinter } from '../eventOutput.js';
import { exitCodes } from '../failure.js';
import { type CommonOptions, withCommon } from '../options.js';
import { CliError, progress } from '../output.js';

type WatchOptions = CommonOptions & { since?: number; quiet?: boolean };

/** How often watch looks whether the node still runs (ms). */
const HOLDER_CHECK_MS = 1_000;

export function registerWatchCommand(program: Command): void {
  withCommon(
    program
      .command('watch')
      .description(
        "Print a running node's event lines live, as `pythia up` does: flags, suspensions, revocations, refusals by reason, relayer retries",
      )
      .option(
        '--since <block>',
        "start at this block: the chain's events from it on, and the node's own events since its time (default: from now)",
        parseIntegerArg('--since', 0, Number.MAX_SAFE_INTEGER),
      )
      .option('--quiet', 'only warnings and errors: security refusals, suspensions, revocations, failures'),
    { dataDir: 'the data directory of the running node (default ./.pythia)', json: 'one JSON line per event (pino format, `event` field)' },
  ).action(async (options: WatchOptions) => {
    const context = loadContext(options);
    const holder = dataDirHolder(context.dataDir);
    if (!holder) {
      throw new CliError(
        `Pythia is not running on this data directory (${context.dataDir}); start it with \`pythia up\``,
        exitCodes.unreachable,
      );
    }
    const publicClient = context.publicClient as PublicClient;
    // An unreachable chain node goes the CLI's error path (node-unreachable, exit 3).
    const head = await publicClient.getBlockNumber();
    const fromBlock = options.since !== undefined ? BigInt(options.since) : head + 1n;
    if (fromBlock > head + 1n) throw new CliError(`--since ${options.since} is beyond the chain's head (block ${head})`, exitCodes.usage);
    const sinceTime =
      options.since !== undefined
        ? Number((await publicClient.getBlock({ blockNumber: fromBlock > head ? head : fromBlock })).timestamp) * 1000
        : undefined;

    const show = eventPrinter({ format: options.json ? 'json' : 'text', quiet: options.quiet === true, stream: process.stdout });
    const nodeLog = followEventLog({ dataDir: context.dataDir, ...(sinceTime !== undefined && { sinceTime }), onEvent: show });
    // A chain event is told once its block has the gateway's confirmations, as `pythia up` tells it.
    const { confirmations } = await detectFinalityPolicy(publicClient);
    const chainEvents = watchChainEvents({
      publicClient,
      fleet: context.deployment.contracts.fleet,
      ...(context.deployment.contracts.deviceIdentity && { deviceIdentity: context.deployment.contracts.deviceIdentity }),
      fromBlock,
      finalBlockAt: (head) => head - confirmations + 1,
      onEvent: show,
      onError: (error) => progress(options, `reading the chain's events failed (tried again): ${(error as Error).message.split('\n')[0]}`),
    });
    progress(
      options,
      `watching ${context.dataDir} (${holder.command}, pid ${holder.pid}) from block ${fromBlock} and ${eventLogPath(context.dataDir)}; Ctrl-C to stop`,
    );

    const stopped = await new Promise<'signal' | 'node'>((resolve) => {
      process.once('SIGINT', () => resolve('signal'));
      process.once('SIGTERM', () => resolve('signal'));
      const check = setInterval(() => {
        let running = true;
        try {
          running = dataDirHolder(context.dataDir) !== undefined;
        } catch {
          // A lock file being replaced, or one another program wrote: the node is judged at the next look.
        }
        if (!running) {
          clearInterval(check);
          resolve('node');
        }
      }, HOLDER_CHECK_MS);
      check.unref();
    });
    await chainEvents.stop();
    nodeLog.stop();
    if (stopped === 'node') throw new CliError(`the node on ${context.dataDir} stopped`, exitCodes.unreachable);
  });
}
