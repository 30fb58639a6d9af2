import type { Command } from 'commander';
import { formatEther, type Address, type Hex } from 'viem';
import { claimLeak, readCanary } from '../../chain/accountability/index.js';
import { canaryCommitment, type CanaryReveal } from '../../protocol/canary.js';
import { queryCanaries } from '../../sdk/queryCanaries.js';
import { requireContract } from '../../chain/requireContract.js';
import { formatTime, parseAddressArg, parseBytes32Arg, parseIdArg, parseIntegerArg, parseUint64Arg } from '../args/index.js';
import { loadContext } from '../context.js';
import { type CommonOptions, withCommon } from '../options.js';
import { printResult } from '../output.js';
import { loadOwnSignerAccount, sendAs } from '../signer.js';
import { accountabilityRefusalHints, hashFrom } from './accountabilityCommon.js';

type RevealOptions = {
  recipient: Address;
  consent: bigint;
  device: Address;
  stream: number;
  value: number;
  sequence: bigint;
  salt: Hex;
};

const withReveal = (command: Command) =>
  command
    .requiredOption('--recipient <address>', 'the recipient the canary was given to', parseAddressArg('--recipient'))
    .requiredOption('--consent <id>', 'the consent it was given under', parseIdArg('--consent'))
    .requiredOption('--device <address>', 'the device of the reading', parseAddressArg('--device'))
    .requiredOption('--stream <index>', "the metric's index in the device profile (0..255)", parseIntegerArg('--stream', 0, 255))
    .requiredOption('--value <raw>', 'the canary value, int16 in the fixed-point scale', parseIntegerArg('--value', -32768, 32767))
    .requiredOption('--sequence <n>', "the reading's sequence number", parseUint64Arg('--sequence'))
    .requiredOption(
      '--salt <hex>',
      "the canary's salt (0x + 64 hex digits, from the gateway)",
      parseBytes32Arg('--salt', { nonZero: true }),
    );

const revealOf = (o: RevealOptions): CanaryReveal => ({
  recipient: o.recipient,
  consentId: o.consent,
  device: o.device,
  stream: o.stream,
  value: o.value,
  sequence: o.sequence,
  salt: o.salt,
});

export function registerCanaryCommands(program: Command): void {
  const canary = program
    .command('canary')
    .description('Trap streets (issue #5): canary values given to recipients, committed on chain, revealed to attribute a leak');

  withCommon(
    withReveal(
      canary
        .command('claim')
        .description(
          "Owner: a canary value turned up at a party the recipient never logged a share to. Reveals the canary's commitment; " +
            "the contract attributes the leak to the recipient and its bond pays the consent's penalty to the owner",
        ),
    )
      .requiredOption('--leaked-to <address>', 'the party the value turned up at', parseAddressArg('--leaked-to'))
      .option('--evidence-hash <hash>', 'hash of the evidence (0x + 64 hex digits)', parseBytes32Arg('--evidence-hash', { nonZero: true }))
      .option('--evidence <file>', 'or: the evidence file (its SHA-256 is sent)'),
    { signer: "the consent owner's key (keystore v3); required" },
  ).action(async (options: CommonOptions & RevealOptions & { leakedTo: Address; evidenceHash?: Hex; evidence?: string }) => {
    const evidenceHash = hashFrom(options.evidenceHash, options.evidence, 'evidence');
    const context = loadContext(options);
    const address = requireContract(context.deployment, 'canaryRegistry');
    const account = await loadOwnSignerAccount(options.signerKey, 'owner');
    const { hash, blockNumber, commitment, penalty, paid } = await sendAs(
      context,
      account,
      'canary claim',
      () => claimLeak({ clients: context, account, address, canary: revealOf(options), leakedTo: options.leakedTo, evidenceHash }),
      accountabilityRefusalHints,
    );
    printResult(
      options,
      { commitment, recipient: options.recipient, leakedTo: options.leakedTo, penalty, paid, transactionHash: hash, blockNumber },
      () =>
        `leak attributed to ${options.recipient}: ${formatEther(paid)} of ${formatEther(penalty)} paid from its bond (${hash})` +
        (paid < penalty ? '\n(the bond did not cover the full penalty)' : ''),
    );
  });

  withCommon(
    canary
      .command('list')
      .description(
        "Owner: the canaries this deployment's gateway gave under a consent (values, salts, commitments), each ready for `canary claim`",
      )
      .argument('<consentId>', 'the consent', parseIdArg('consentId')),
    { signer: "the consent owner's key (keystore v3); required" },
  ).action(async (consentId: bigint, options: CommonOptions) => {
    const context = loadContext(options);
    const consentRegistry = requireContract(context.deployment, 'consentRegistry');
    const account = await loadOwnSignerAccount(options.signerKey, 'owner');
    const canaries = await queryCanaries({
      gatewayUrl: context.deployment.gatewayUrl,
      chainId: context.deployment.chainId,
      consentRegistry,
      account,
      consentId,
    });
    printResult(
      options,
      canaries.map((c) => ({ ...c, consentId: c.consentId.toString(), sequence: c.sequence.toString() })),
      () =>
        canaries.length === 0
          ? `no canaries given under consent ${consentId}`
          : canaries
              .map(
                (c) =>
                  `${c.commitment}  recipient ${c.recipient}  device ${c.device}  stream ${c.stream}  sequence ${c.sequence}  value ${c.value}  salt ${c.salt}`,
              )
              .join('\n'),
    );
  });

  withCommon(withReveal(canary.command('show').description("A canary's commitment and whether it was committed and claimed"))).action(
    async (options: CommonOptions & RevealOptions) => {
      const context = loadContext(options);
      const commitment = canaryCommitment(revealOf(options));
      const state = await readCanary({
        publicClient: context.publicClient,
        address: requireContract(context.deployment, 'canaryRegistry'),
        commitment,
      });
      printResult(options, { ...state, committedAt: Number(state.committedAt), claimedAt: Number(state.claimedAt) }, () =>
        [
          `commitment    ${commitment}`,
          `committed     ${state.committedAt === 0n ? 'no (unknown commitment)' : `${formatTime(state.committedAt)} under consent ${state.consentId}`}`,
          `claimed       ${state.claimedAt === 0n ? 'no' : formatTime(state.claimedAt)}`,
        ].join('\n'),
      );
    },
  );
}
