import type { Command } from 'commander';
import type { Address, Hex } from 'viem';
import { logSharing, readSharingEntries } from '../../chain/accountability/index.js';
import { parseAddressArg } from '../args.js';
import { loadContext } from '../context.js';
import { UsageError, formatTable, printResult } from '../output.js';
import {
  contractOf,
  hashFrom,
  isoTime,
  parseHashArg,
  parseIdArg,
  refusing,
  signerOf,
  withCommon,
  type AccountabilityOptions,
} from './accountabilityCommon.js';

const parseConsentArg = parseIdArg('<consentId>');

export function registerSharingCommands(program: Command): void {
  const share = program
    .command('share')
    .description("Onward sharing (issue #5): a recipient logs every share of consented data; the consent's policy must allow it");

  withCommon(
    share
      .command('log')
      .description(
        "Record that the signer (the consent's recipient) shared data under a consent with another party; " +
          'refused unless the consent is live and its policy allows onward sharing. The owner is notified when the policy says so',
      )
      .argument('<consentId>', 'consent id', parseConsentArg)
      .requiredOption('--with <address>', 'the party the data went to', parseAddressArg)
      .option('--data-hash <hash>', 'hash of what was shared (0x + 64 hex digits)', parseHashArg)
      .option('--data <file>', 'or: the shared file (its SHA-256 is logged)')
      .requiredOption('--purpose <text>', 'why it was shared (1..256 bytes)'),
    "the recipient's key (keystore v3); required",
  ).action(
    async (consentId: bigint, options: AccountabilityOptions & { with: Address; dataHash?: Hex; data?: string; purpose: string }) => {
      const purposeBytes = Buffer.byteLength(options.purpose);
      if (options.purpose.trim().length === 0 || purposeBytes > 256) throw new UsageError('--purpose must be 1 to 256 bytes');
      const dataHash = hashFrom(options.dataHash, options.data, 'data');
      const context = loadContext(options);
      const address = contractOf(context, 'sharingLog');
      const account = await signerOf(context, options, 'recipient');
      const { hash, blockNumber, entryId } = await refusing(context, account, 'share log', () =>
        logSharing({ clients: context, account, address, consentId, sharedWith: options.with, dataHash, purpose: options.purpose }),
      );
      printResult(
        options,
        { entryId, consentId, sharedWith: options.with, dataHash, purpose: options.purpose, transactionHash: hash, blockNumber },
        () => `entry ${entryId}: share of consent ${consentId} with ${options.with} logged (${hash})`,
      );
    },
  );

  withCommon(
    share
      .command('list')
      .description('Every share logged under a consent, oldest first')
      .argument('<consentId>', 'consent id', parseConsentArg),
  ).action(async (consentId: bigint, options: AccountabilityOptions) => {
    const context = loadContext(options);
    const entries = await readSharingEntries({ publicClient: context.publicClient, address: contractOf(context, 'sharingLog'), consentId });
    printResult(
      options,
      entries.map((e) => ({ ...e, loggedAt: Number(e.loggedAt) })),
      () =>
        entries.length === 0
          ? `no shares logged under consent ${consentId}`
          : formatTable(
              entries.map((e) => ({ entry: e.entryId, 'shared with': e.sharedWith, at: isoTime(e.loggedAt), 'data hash': e.dataHash })),
              ['entry', 'shared with', 'at', 'data hash'],
            ),
    );
  });
}
