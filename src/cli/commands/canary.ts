import type { Command } from 'commander';
import type { Address, Hex, LocalAccount } from 'viem';
import { claimLeak, disputeLeak, readCanary, resolveLeak, settleLeak, type CanaryState } from '../../chain/accountability/index.js';
import { requireContract } from '../../chain/requireContract.js';
import { queryCanaries, type GivenCanary } from '../../sdk/queryCanaries.js';
import { formatTime, parseAddressArg, parseBytes32Arg, parseIdArg } from '../args/index.js';
import { loadContext, type CommandContext } from '../context.js';
import { type ConfirmOptions, confirmIrreversible, YES_OPTION } from '../confirm.js';
import { type CommonOptions, withCommon } from '../options.js';
import { CliError, UsageError, printResult, progress, formatEth } from '../output.js';
import { loadOwnSignerAccount, loadSignerAccount, sendAs } from '../signer.js';
import { accountabilityRefusalHints, hashFrom } from './accountabilityCommon.js';

/** The canaries the gateway gave under a consent, asked with the owner's key. */
async function canariesOf(context: CommandContext, account: LocalAccount, consentId: bigint): Promise<GivenCanary[]> {
  const consentRegistry = requireContract(context.deployment, 'consentRegistry');
  return queryCanaries({
    gatewayUrl: context.deployment.gatewayUrl,
    chainId: context.deployment.chainId,
    consentRegistry,
    account,
    consentId,
  });
}

const canaryJson = (c: GivenCanary) => ({
  ...c,
  consentId: c.consentId.toString(),
  sequence: c.sequence.toString(),
  delivery: c.delivery && { ...c.delivery, consentId: c.delivery.consentId.toString() },
});

const claimJson = (state: CanaryState) => ({
  commitment: state.commitment,
  consentId: state.consentId,
  committedAt: Number(state.committedAt),
  claimedAt: Number(state.claimedAt),
  deliveryKey: state.deliveryKey,
  deliveredAt: Number(state.deliveredAt),
  claim: {
    ...state.claim,
    disputeDeadline: Number(state.claim.disputeDeadline),
    disputedAt: Number(state.claim.disputedAt),
  },
});

export function registerCanaryCommands(program: Command): void {
  const canary = program
    .command('canary')
    .description(
      'Trap streets: canary values given to recipients, committed on chain with the delivery that carried them, ' +
        'revealed to claim a leak; a claim holds the penalty until it is settled (dispute window, arbiter)',
    );

  withCommon(
    canary
      .command('claim')
      .description(
        'Owner: a canary value turned up at a party. Finds the canary (and the logged delivery that carried it) through the gateway, ' +
          "reveals it, and holds the accepted penalty from the recipient's bond; the recipient may dispute within the dispute window, " +
          'after which `pythia canary settle` pays the owner',
      )
      .argument('<commitment>', 'the canary commitment (from `pythia canary list`)', parseBytes32Arg('<commitment>', { nonZero: true }))
      .requiredOption('--consent <id>', 'the consent the canary was given under', parseIdArg('--consent'))
      .requiredOption('--leaked-to <address>', 'the party the value turned up at', parseAddressArg('--leaked-to'))
      .option('--evidence-hash <hash>', 'hash of the evidence (0x + 64 hex digits)', parseBytes32Arg('--evidence-hash', { nonZero: true }))
      .option('--evidence <file>', 'or: the evidence file (its SHA-256 is sent)'),
    { signer: "the consent owner's key (keystore v3); required" },
  ).action(
    async (commitment: Hex, options: CommonOptions & { consent: bigint; leakedTo: Address; evidenceHash?: Hex; evidence?: string }) => {
      const evidenceHash = hashFrom(options.evidenceHash, options.evidence, 'evidence');
      const context = loadContext(options);
      const address = requireContract(context.deployment, 'canaryRegistry');
      const account = await loadOwnSignerAccount(options.signerKey, 'owner');
      progress(options, `asking the gateway for the canaries of consent ${options.consent}...`);
      const given = (await canariesOf(context, account, options.consent)).find((c) => c.commitment.toLowerCase() === commitment);
      if (!given) throw new CliError(`the gateway gave no canary ${commitment} under consent ${options.consent}`);
      if (!given.delivery) throw new CliError(`canary ${commitment} predates recorded deliveries: it cannot be claimed`);
      const r = await sendAs(
        context,
        account,
        'canary claim',
        () =>
          claimLeak({
            clients: context,
            account,
            address,
            canary: given,
            delivery: given.delivery!,
            leakedTo: options.leakedTo,
            evidenceHash,
          }),
        accountabilityRefusalHints,
      );
      printResult(
        options,
        {
          commitment,
          recipient: given.recipient,
          leakedTo: options.leakedTo,
          penalty: r.penalty,
          held: r.held,
          disputeDeadline: Number(r.disputeDeadline),
          transactionHash: r.hash,
          blockNumber: r.blockNumber,
        },
        () =>
          `leak claimed against ${given.recipient}: ${formatEth(r.held)} of ${formatEth(r.penalty)} held from its bond (transaction ${r.hash})\n` +
          `it may dispute until ${formatTime(r.disputeDeadline)}; then \`pythia canary settle ${commitment}\` pays you` +
          (r.held < r.penalty ? '\n(the bond did not cover the full penalty)' : ''),
      );
    },
  );

  withCommon(
    canary
      .command('dispute')
      .description("Recipient: contest a leak claim within its dispute window; the council's arbiter then rules")
      .argument('<commitment>', 'the claimed canary commitment', parseBytes32Arg('<commitment>', { nonZero: true }))
      .option('--answer-hash <hash>', 'hash of your answer (0x + 64 hex digits)', parseBytes32Arg('--answer-hash', { nonZero: true }))
      .option('--answer <file>', 'or: your answer file (its SHA-256 is sent; give the file to the arbiter)'),
    { signer: "the recipient's key (keystore v3); required" },
  ).action(async (commitment: Hex, options: CommonOptions & { answerHash?: Hex; answer?: string }) => {
    const answerHash = hashFrom(options.answerHash, options.answer, 'answer');
    const context = loadContext(options);
    const address = requireContract(context.deployment, 'canaryRegistry');
    const account = await loadOwnSignerAccount(options.signerKey, 'recipient');
    const r = await sendAs(
      context,
      account,
      'canary dispute',
      () => disputeLeak({ clients: context, account, address, commitment, answerHash }),
      accountabilityRefusalHints,
    );
    printResult(
      options,
      { commitment, answerHash, transactionHash: r.hash, blockNumber: r.blockNumber },
      () => `claim ${commitment} disputed (transaction ${r.hash}): the arbiter rules; without a ruling in 90 days it fails`,
    );
  });

  withCommon(
    canary
      .command('resolve')
      .description('Arbiter (ARBITER_ROLE, the council): rule on a disputed leak claim')
      .argument('<commitment>', 'the disputed canary commitment', parseBytes32Arg('<commitment>', { nonZero: true }))
      .option('--uphold', 'the leak is proven: the held penalty goes to the owner')
      .option('--reject', 'the claim fails: the held penalty goes back to the bond')
      .option(...YES_OPTION),
    { signer: 'the arbiter key (keystore v3) instead of the admin role key' },
  ).action(async (commitment: Hex, options: CommonOptions & ConfirmOptions & { uphold?: boolean; reject?: boolean }) => {
    if (Boolean(options.uphold) === Boolean(options.reject)) throw new UsageError('give exactly one of --uphold and --reject');
    await confirmIrreversible(options, 'canary resolve', `${options.uphold ? 'upholding' : 'rejecting'} the claim on canary ${commitment}`);
    const context = loadContext(options);
    const address = requireContract(context.deployment, 'canaryRegistry');
    const account = await loadSignerAccount(context, { signerKey: options.signerKey, role: 'admin', purpose: 'arbiter' });
    const r = await sendAs(
      context,
      account,
      'canary resolve',
      () => resolveLeak({ clients: context, account, address, commitment, upheld: Boolean(options.uphold) }),
      accountabilityRefusalHints,
    );
    printResult(options, { commitment, outcome: r.outcome, paid: r.paid, transactionHash: r.hash, blockNumber: r.blockNumber }, () =>
      r.outcome === 'upheld'
        ? `claim ${commitment} upheld: ${formatEth(r.paid)} paid to the owner (transaction ${r.hash})`
        : `claim ${commitment} rejected: the hold is back in the recipient's bond (transaction ${r.hash})`,
    );
  });

  withCommon(
    canary
      .command('settle')
      .description(
        'Anyone: settle a leak claim that can be: undisputed after its dispute window (paid to the owner), or disputed and left ' +
          "without a ruling for 90 days (returned to the recipient's bond)",
      )
      .argument('<commitment>', 'the claimed canary commitment', parseBytes32Arg('<commitment>', { nonZero: true })),
    { signer: 'a funded key (keystore v3) instead of the operator role key' },
  ).action(async (commitment: Hex, options: CommonOptions) => {
    const context = loadContext(options);
    const address = requireContract(context.deployment, 'canaryRegistry');
    const account = await loadSignerAccount(context, { signerKey: options.signerKey, role: 'operator', purpose: 'settler' });
    const r = await sendAs(
      context,
      account,
      'canary settle',
      () => settleLeak({ clients: context, account, address, commitment }),
      accountabilityRefusalHints,
    );
    printResult(
      options,
      { commitment, outcome: r.outcome, paid: r.paid, timedOut: r.timedOut, transactionHash: r.hash, blockNumber: r.blockNumber },
      () =>
        r.outcome === 'upheld'
          ? `claim ${commitment} settled: ${formatEth(r.paid)} paid to the owner (transaction ${r.hash})`
          : `claim ${commitment} settled for the recipient: no ruling came in time (transaction ${r.hash})`,
    );
  });

  withCommon(
    canary
      .command('list')
      .description(
        "Owner: the canaries this deployment's gateway gave under a consent (values, salts, commitments, the delivery that carried each), " +
          'each ready for `canary claim`',
      )
      .argument('<consentId>', 'the consent', parseIdArg('consentId')),
    { signer: "the consent owner's key (keystore v3); required" },
  ).action(async (consentId: bigint, options: CommonOptions) => {
    const context = loadContext(options);
    const account = await loadOwnSignerAccount(options.signerKey, 'owner');
    const canaries = await canariesOf(context, account, consentId);
    printResult(options, canaries.map(canaryJson), () =>
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

  withCommon(
    canary
      .command('show')
      .description("A canary commitment: whether it was committed (and for which delivery), and its leak claim's state")
      .argument('<commitment>', 'the canary commitment', parseBytes32Arg('<commitment>', { nonZero: true })),
  ).action(async (commitment: Hex, options: CommonOptions) => {
    const context = loadContext(options);
    const state = await readCanary({
      publicClient: context.publicClient,
      address: requireContract(context.deployment, 'canaryRegistry'),
      commitment,
    });
    const k = state.claim;
    printResult(options, claimJson(state), () =>
      [
        `commitment    ${commitment}`,
        `committed     ${state.committedAt === 0n ? 'no (unknown commitment)' : `${formatTime(state.committedAt)} under consent ${state.consentId}`}`,
        `delivery      ${state.committedAt === 0n ? '-' : `${state.deliveryKey}, logged ${formatTime(state.deliveredAt)}`}`,
        `claim         ${k.status === 'none' ? 'none' : `${k.status}, leaked to ${k.leakedTo}, penalty ${formatEth(k.penalty)}`}`,
        ...(k.status === 'open' ? [`dispute until ${formatTime(k.disputeDeadline)}`] : []),
        ...(k.status === 'disputed' ? [`disputed      ${formatTime(k.disputedAt)} (answer ${k.answerHash})`] : []),
      ].join('\n'),
    );
  });
}
