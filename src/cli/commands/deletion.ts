import type { Command } from 'commander';
import type { Address, Hex } from 'viem';
import {
  acknowledgeDeletion,
  enforceDeletionPenalty,
  listDeletionRequests,
  readDeletionRequest,
  requestDeletion,
  type DeletionRequestState,
} from '../../chain/accountability/index.js';
import { requireContract } from '../../chain/requireContract.js';
import { collect, formatTime, parseAddressArg, parseBytes32Arg, parseIdArg, parseIntegerArg, parseTimeArg } from '../args/index.js';
import { loadContext } from '../context.js';
import { type CommonOptions, withCommon } from '../options.js';
import { formatTable, printResult, UsageError, formatEth } from '../output.js';
import { loadOwnSignerAccount, loadSignerAccount, readAs, sendAs } from '../signer.js';
import { accountabilityRefusalHints, hashFrom } from './accountabilityCommon.js';

const parseRequestArg = parseIdArg('<requestId>');

const jsonOf = (r: DeletionRequestState) => ({
  ...r,
  fromTime: Number(r.fromTime),
  toTime: Number(r.toTime),
  deadline: Number(r.deadline),
  requestedAt: Number(r.requestedAt),
  closedAt: Number(r.closedAt),
});

const humanOf = (r: DeletionRequestState): string =>
  [
    `request     ${r.requestId}${r.automatic ? ' (raised by the revocation)' : ''}`,
    `consent     ${r.consentId}`,
    `owner       ${r.owner}`,
    `recipient   ${r.recipient}`,
    `devices     ${r.devices.join(', ')}`,
    `streams     0x${r.streams.toString(16)}`,
    `data from   ${formatTime(r.fromTime)} to ${formatTime(r.toTime)}`,
    `deadline    ${formatTime(r.deadline)}`,
    `status      ${r.status}${r.closedAt === 0n ? '' : ` at ${formatTime(r.closedAt)}`}`,
    ...(r.status === 'acknowledged' ? [`evidence    ${r.evidenceHash}`] : []),
  ].join('\n');

export function registerDeletionCommands(program: Command): void {
  const deletion = program
    .command('deletion')
    .description(
      'Data deletion requests: an owner asks a recipient to delete data by a deadline; the recipient acknowledges on chain, ' +
        'or anyone triggers the penalty once the deadline has passed',
    );

  withCommon(
    deletion
      .command('request')
      .description("Owner: ask the consent's recipient to delete data of some devices and streams in a time range, by a deadline")
      .argument('<consentId>', 'consent id', parseIdArg('<consentId>'))
      .option(
        '--device <address>',
        'a device whose data must go (repeat; default: all of the consent)',
        collect(parseAddressArg('--device')),
      )
      .option(
        '--streams <mask>',
        'stream bitmask (bit i = metric i; default: all of the consent)',
        parseIntegerArg('--streams', 1, 0xffffffff),
      )
      .option('--from <time>', 'start of the data to delete: ISO time, Unix seconds or -7d (default: 0)', parseTimeArg('--from'))
      .option('--to <time>', 'end of the data to delete, inclusive (default: now)', parseTimeArg('--to'))
      .requiredOption(
        '--deadline <time>',
        'acknowledge by: ISO time, Unix seconds or a time from now (+7d, 12h)',
        parseTimeArg('--deadline', { future: true }),
      ),
    { signer: "the consent owner's key (keystore v3); required" },
  ).action(
    async (
      consentId: bigint,
      options: CommonOptions & { device?: Address[]; streams?: number; from?: bigint; to?: bigint; deadline: bigint },
    ) => {
      const fromTime = options.from ?? 0n;
      const toTime = options.to ?? BigInt(Math.floor(Date.now() / 1000));
      if (fromTime > toTime) throw new UsageError('--from must not be after --to');
      const context = loadContext(options);
      const address = requireContract(context.deployment, 'deletionRequests');
      const account = await loadOwnSignerAccount(options.signerKey, 'owner');
      const { hash, blockNumber, requestId } = await sendAs(
        context,
        account,
        'deletion request',
        () =>
          requestDeletion({
            clients: context,
            account,
            address,
            consentId,
            devices: options.device ?? [],
            streams: options.streams ?? 0,
            fromTime,
            toTime,
            deadline: options.deadline,
          }),
        accountabilityRefusalHints,
      );
      printResult(
        options,
        { requestId, consentId, deadline: Number(options.deadline), transactionHash: hash, blockNumber },
        () => `deletion request ${requestId} under consent ${consentId}, due by ${formatTime(options.deadline)} (transaction ${hash})`,
      );
    },
  );

  withCommon(
    deletion
      .command('ack')
      .description("Recipient: state on chain that the request's data is deleted (by the deadline)")
      .argument('<requestId>', 'deletion request id', parseRequestArg)
      .option(
        '--evidence-hash <hash>',
        'hash of the deletion record (0x + 64 hex digits)',
        parseBytes32Arg('--evidence-hash', { nonZero: true }),
      )
      .option('--evidence <file>', 'or: the deletion record file (its SHA-256 is sent)'),
    { signer: "the recipient's key (keystore v3); required" },
  ).action(async (requestId: bigint, options: CommonOptions & { evidenceHash?: Hex; evidence?: string }) => {
    const evidenceHash = hashFrom(options.evidenceHash, options.evidence, 'evidence');
    const context = loadContext(options);
    const address = requireContract(context.deployment, 'deletionRequests');
    const account = await loadOwnSignerAccount(options.signerKey, 'recipient');
    const { hash, blockNumber } = await sendAs(
      context,
      account,
      'deletion ack',
      () => acknowledgeDeletion({ clients: context, account, address, requestId, evidenceHash }),
      accountabilityRefusalHints,
    );
    printResult(
      options,
      { requestId, evidenceHash, transactionHash: hash, blockNumber },
      () => `deletion request ${requestId} acknowledged (transaction ${hash})`,
    );
  });

  withCommon(
    deletion
      .command('enforce')
      .description("Anyone: after the deadline of an unacknowledged request, pay the owner the penalty from the recipient's bond")
      .argument('<requestId>', 'deletion request id', parseRequestArg),
    { signer: 'the sender (keystore v3) instead of the operator role key: anyone may enforce' },
  ).action(async (requestId: bigint, options: CommonOptions) => {
    const context = loadContext(options);
    const address = requireContract(context.deployment, 'deletionRequests');
    const account = await loadSignerAccount(context, { signerKey: options.signerKey, role: 'operator', purpose: 'sender' });
    const { hash, blockNumber, penalty, paid } = await sendAs(
      context,
      account,
      'deletion enforce',
      () => enforceDeletionPenalty({ clients: context, account, address, requestId }),
      accountabilityRefusalHints,
    );
    printResult(
      options,
      { requestId, penalty, paid, transactionHash: hash, blockNumber },
      () => `deletion request ${requestId} penalised: ${formatEth(paid)} of ${formatEth(penalty)} paid to the owner (transaction ${hash})`,
    );
  });

  withCommon(
    deletion
      .command('show')
      .description('A deletion request, or (--consent) every request raised under a consent')
      .argument('[requestId]', 'deletion request id', parseRequestArg)
      .option('--consent <id>', 'list the requests of this consent instead', parseIdArg('--consent')),
  ).action(async (requestId: bigint | undefined, options: CommonOptions & { consent?: bigint }) => {
    if ((requestId === undefined) === (options.consent === undefined)) throw new UsageError('give a <requestId> or --consent <id>');
    const context = loadContext(options);
    const address = requireContract(context.deployment, 'deletionRequests');
    const reader = { publicClient: context.publicClient, address };
    if (requestId !== undefined) {
      const r = await readAs(() => readDeletionRequest({ ...reader, requestId }), {
        UnknownRequest: `no deletion request has the id ${requestId}`,
      });
      printResult(options, jsonOf(r), () => humanOf(r));
      return;
    }
    const ids = await listDeletionRequests({ ...reader, consentId: options.consent! });
    const requests = await Promise.all(ids.map((id) => readDeletionRequest({ ...reader, requestId: id })));
    printResult(options, requests.map(jsonOf), () =>
      requests.length === 0
        ? `no deletion requests under consent ${options.consent}`
        : formatTable(
            requests.map((r) => ({
              request: r.requestId,
              status: r.status,
              deadline: formatTime(r.deadline),
              automatic: r.automatic ? 'yes' : '',
            })),
            ['request', 'status', 'deadline', 'automatic'],
          ),
    );
  });
}
