import type { Command } from 'commander';
import type { Address, Hex } from 'viem';
import { logSharing, readSharingEntries } from '../../chain/accountability/index.js';
import { requireContract } from '../../chain/requireContract.js';
import { formatTime, parseAddressArg, parseBytes32Arg, parseIdArg, parseTextArg } from '../args/index.js';
import { loadContext } from '../context.js';
import { type CommonOptions, withCommon } from '../options.js';
import { formatTable, printResult } from '../output.js';
import { loadOwnSignerAccount, sendAs } from '../signer.js';
import { accountabilityRefusalHints, hashFrom } from './accountabilityCommon.js';

const parseConsentArg = parseIdArg('<consentId>');

export function registerSharingCommands(program: Command): void {
  const share = program
    .command('share')
    .description("Onward sharing: a recipient logs every share of consented data; the consent's policy must allow it");

  withCommon(
    share
      .command('log')
      .description(
        "Record that the signer (the consent's recipient) shared data under a consent with another party; " +
          'refused unless the consent is live and its policy allows onward sharing. The owner is notified when the policy says so',
      )
      .argument('<consentId>', 'consent id', parseConsentArg)
      .requiredOption('--with <address>', 'the party the data went to', parseAddressArg('--with'))
      .option('--data-hash <hash>', 'hash of what was shared (0x + 64 hex digits)', parseBytes32Arg('--data-hash', { nonZero: true }))
      .option('--data <file>', 'or: the shared file (its SHA-256 is logged)')
      .requiredOption('--purpose <text>', 'why it was shared (1..256 bytes)', parseTextArg('--purpose', 256)),
    { signer: "the recipient's key (keystore v3); required" },
  ).action(async (consentId: bigint, options: CommonOptions & { with: Address; dataHash?: Hex; data?: string; purpose: string }) => {
    const dataHash = hashFrom(options.dataHash, options.data, 'data');
    const context = loadContext(options);
    const address = requireContract(context.deployment, 'sharingLog');
    const account = await loadOwnSignerAccount(options.signerKey, 'recipient');
    const { hash, blockNumber, entryId } = await sendAs(
      context,
      account,
      'share log',
      () => logSharing({ clients: context, account, address, consentId, sharedWith: options.with, dataHash, purpose: options.purpose }),
      accountabilityRefusalHints,
    );
    printResult(
      options,
      { entryId, consentId, sharedWith: options.with, dataHash, purpose: options.purpose, transactionHash: hash, blockNumber },
      () => `entry ${entryId}: share of consent ${consentId} with ${options.with} logged (transaction ${hash})`,
    );
  });

  withCommon(
    share
      .command('list')
      .description('Every share logged under a consent, oldest first')
      .argument('<consentId>', 'consent id', parseConsentArg),
  ).action(async (consentId: bigint, options: CommonOptions) => {
    const context = loadContext(options);
    const entries = await readSharingEntries({
      publicClient: context.publicClient,
      address: requireContract(context.deployment, 'sharingLog'),
      consentId,
    });
    printResult(
      options,
      entries.map((e) => ({ ...e, loggedAt: Number(e.loggedAt) })),
      () =>
        entries.length === 0
          ? `no shares logged under consent ${consentId}`
          : formatTable(
              entries.map((e) => ({ entry: e.entryId, 'shared with': e.sharedWith, at: formatTime(e.loggedAt), 'data hash': e.dataHash })),
              ['entry', 'shared with', 'at', 'data hash'],
            ),
    );
  });
}
