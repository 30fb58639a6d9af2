import type { Command } from 'commander';
import type { Address, Hex, LocalAccount } from 'viem';
import {
  buyFeed,
  closeFeed,
  isMarketGrantAgent,
  listFeeds,
  offerFeed,
  readEarnings,
  readFeed,
  setMarketGrantAgent,
  updateFeedPrice,
  withdrawEarnings,
  listPurchases,
  listSales,
  readRefund,
  settlePurchases,
  withdrawRefund,
  type FeedInfo,
  type PurchaseInfo,
} from '../../chain/feeds/index.js';
import { recipientTermsAbi } from '../../contracts/abis.js';
import { streamNames } from '../../protocol/consentScope.js';
import { requireContract } from '../../chain/requireContract.js';
import {
  collect,
  formatDuration,
  formatTime,
  parseAddressArg,
  parseAmountArg,
  parseBytes32Arg,
  parseDurationArg,
  parseIdArg,
  parseStreamsArg,
  parseTextArg,
} from '../args/index.js';
import { loadContext, type CommandContext } from '../context.js';
import { type ConfirmOptions, confirmIrreversible, YES_OPTION } from '../confirm.js';
import { type CommonOptions, withCommon } from '../options.js';
import { CliError, UsageError, formatEth, formatTable, printResult, progress } from '../output.js';
import { loadSignerAccount, readAs, sendAs } from '../signer.js';

/** Keep in line with FeedMarket's constants. */
const MAX_FEED_DEVICES = 16;
const MAX_PERIOD_SECONDS = 1825n * 86_400n;
const MAX_PURPOSE_BYTES = 256;
const MAX_PRICE_WEI = (1n << 128n) - 1n;

/** What a market (or consent registry) refusal means, in the words of the person who ran the command. */
const feedRefusalHints: Readonly<Record<string, string>> = {
  NotDeviceOwner: "the owner does not own that device now (see `pythia device owner <id>`; sign with the owner's key via --signer-key)",
  MarketNotGrantAgent: 'the feed owner has not approved the market as grant agent on the consent registry (`pythia feed offer` does it)',
  NotGrantAgent: 'the feed owner has not approved the market as grant agent on the consent registry',
  UnknownFeed: 'no feed has this id (`pythia feed list`)',
  NotFeedOwner: 'only the feed owner may do this (sign with its key via --signer-key)',
  FeedIsClosed: 'the feed is closed: no new sales, no price changes',
  WrongPayment: 'the price changed since it was read: run the command again',
  OwnFeed: 'an owner cannot buy its own feed',
  NothingToWithdraw: 'nothing to withdraw (earnings are released as purchases are served: `pythia feed settle` first)',
  WithdrawFailed: 'the signer refused the payment',
  InvalidStreams: 'streams must name at least one of the first 8 metrics',
  InvalidPrice: 'the price must be above zero (free sharing is a plain consent) and below 2^128 wei',
  InvalidPeriod: `the period must be 1 second to ${MAX_PERIOD_SECONDS / 86_400n} days`,
  UnknownPolicy: 'the consent registry does not know that policy id (publish it first)',
  UnknownStreams: "a stream is beyond the device profile's metrics",
};

/** Runs a market write as the CLI runs every write (sendAs), with the market's hints (`hints` override them). */
function refusing<T>(
  context: CommandContext,
  account: LocalAccount,
  what: string,
  send: () => Promise<T>,
  hints: Readonly<Record<string, string>> = {},
): Promise<T> {
  return sendAs(context, account, what, send, { ...feedRefusalHints, ...hints });
}

/** The sender: --signer-key (an owner's or buyer's own key), else the operator role key (the council). */
function signerOf(context: CommandContext, options: CommonOptions, who: string): Promise<LocalAccount> {
  return loadSignerAccount(context, { signerKey: options.signerKey, role: 'operator', purpose: who });
}

const parseFeedIdArg = parseIdArg('<feedId>');
const collectPurchaseId = collect(parseIdArg('--purchase'));

const purchaseJson = (p: PurchaseInfo) => ({
  ...p,
  purchaseId: p.purchaseId.toString(),
  feedId: p.feedId.toString(),
  consentId: p.consentId.toString(),
  start: Number(p.start),
  expiry: Number(p.expiry),
  end: Number(p.end),
  price: p.price.toString(),
  released: p.released.toString(),
  refunded: p.refunded.toString(),
});
const parsePriceArg = (name: string) =>
  parseAmountArg(name, { max: MAX_PRICE_WEI, zeroReason: 'must be above zero (free sharing is a plain consent, not a feed)' });

function feedRow(f: FeedInfo) {
  return {
    feed: f.feedId.toString(),
    owner: f.owner,
    devices: f.devices.length,
    streams: f.streamNames.join(','),
    price: `${formatEth(f.price)}`,
    period: formatDuration(f.period),
    status: f.open ? 'open' : 'closed',
    sales: f.sales.toString(),
    purpose: f.purpose,
  };
}

export function registerFeedCommands(program: Command): void {
  const feed = program
    .command('feed')
    .description(
      "Data feeds for sale: an owner offers its devices' streams for a price and a period; a buyer pays in the chain's currency " +
        'and receives a consent for the period; the owner withdraws the earnings',
    );

  withCommon(
    feed
      .command('offer')
      .description(
        'Offer a feed of devices you own. Approves the market as your grant agent on the consent registry first if it is not yet',
      )
      .requiredOption('--device <id>', 'a device you own (repeat for each, at most 16)', collect(parseAddressArg('--device')))
      .requiredOption('--streams <names>', `comma-separated streams, of: ${streamNames.join(', ')}`, parseStreamsArg('--streams'))
      .requiredOption('--price <ether>', 'price of one period, in ether (e.g. 0.05)', parsePriceArg('--price'))
      .requiredOption(
        '--period <duration>',
        'what one purchase buys: <n>s|m|h|d|w, e.g. 30d',
        parseDurationArg('--period', { max: MAX_PERIOD_SECONDS }),
      )
      .requiredOption(
        '--purpose <text>',
        'what the data may be used for (1 to 256 bytes; part of every consent)',
        parseTextArg('--purpose', MAX_PURPOSE_BYTES),
      )
      .option('--policy <id>', 'a published data-use policy version id (0x + 64 hex digits)', parseBytes32Arg('--policy')),
    { signer: "the devices' owner's key (keystore v3) instead of the operator role key" },
  ).action(
    async (
      options: CommonOptions & { device: Address[]; streams: number; price: bigint; period: bigint; purpose: string; policy?: Hex },
    ) => {
      if (options.device.length > MAX_FEED_DEVICES) throw new UsageError(`at most ${MAX_FEED_DEVICES} devices per feed`);
      if (new Set(options.device.map((d) => d.toLowerCase())).size !== options.device.length)
        throw new UsageError('a --device is given twice');
      const context = loadContext(options);
      const market = requireContract(context.deployment, 'feedMarket');
      const account = await signerOf(context, options, 'owner');
      const clients = context;
      let approval: { registry: Address; transactionHash: Hex } | null = null;
      if (!(await isMarketGrantAgent({ publicClient: context.publicClient, market, owner: account.address }))) {
        progress(options, `approving the feed market ${market} as grant agent of ${account.address} on the consent registry...`);
        const approved = await refusing(context, account, 'approving the feed market', () =>
          setMarketGrantAgent({ clients, account, address: market, allowed: true }),
        );
        approval = { registry: approved.registry, transactionHash: approved.hash };
      }
      const { hash, blockNumber, feedId } = await refusing(context, account, 'offering the feed', () =>
        offerFeed({
          clients,
          account,
          address: market,
          devices: options.device,
          streams: options.streams,
          price: options.price,
          period: options.period,
          purpose: options.purpose,
          ...(options.policy ? { policyId: options.policy } : {}),
        }),
      );
      printResult(
        options,
        {
          feedId,
          owner: account.address,
          devices: options.device,
          streams: options.streams,
          price: options.price.toString(),
          period: Number(options.period),
          purpose: options.purpose,
          policyId: options.policy ?? null,
          grantAgentApproved: approval,
          transactionHash: hash,
          blockNumber,
        },
        () =>
          [
            ...(approval
              ? [
                  `approved the feed market as your grant agent on the consent registry ${approval.registry} (transaction ${approval.transactionHash})`,
                ]
              : []),
            `feed ${feedId}: ${options.device.length} device(s), ${formatEth(options.price)} per ${formatDuration(options.period)} (transaction ${hash})`,
          ].join('\n'),
      );
    },
  );

  withCommon(
    feed
      .command('list')
      .description('Feeds, oldest first')
      .option('--owner <address>', "only this owner's feeds", parseAddressArg('--owner'))
      .option('--open', 'only feeds still on sale'),
  ).action(async (options: CommonOptions & { owner?: Address; open?: boolean }) => {
    const context = loadContext(options);
    const feeds = await listFeeds({
      publicClient: context.publicClient,
      market: requireContract(context.deployment, 'feedMarket'),
      ...(options.owner ? { owner: options.owner } : {}),
      openOnly: options.open === true,
    });
    printResult(options, feeds, () =>
      feeds.length === 0
        ? 'no feeds'
        : formatTable(feeds.map(feedRow), ['feed', 'owner', 'devices', 'streams', 'price', 'period', 'status', 'sales', 'purpose']),
    );
  });

  withCommon(
    feed
      .command('show')
      .description('One feed: owner, devices, streams, price, period, policy, sales')
      .argument('<feedId>', 'feed id', parseFeedIdArg),
  ).action(async (feedId: bigint, options: CommonOptions) => {
    const context = loadContext(options);
    const f = await readAs(
      () => readFeed({ publicClient: context.publicClient, market: requireContract(context.deployment, 'feedMarket'), feedId }),
      feedRefusalHints,
    );
    printResult(options, f, () =>
      [
        `feed     ${f.feedId} (${f.open ? 'open' : 'closed'}, ${f.sales} sale(s))`,
        `owner    ${f.owner}`,
        `devices  ${f.devices.join(', ')}`,
        `streams  ${f.streamNames.join(', ')}`,
        `price    ${formatEth(f.price)} per ${formatDuration(f.period)}`,
        `policy   ${/^0x0+$/.test(f.policyId) ? '- (no onward sharing)' : f.policyId}`,
        `purpose  ${f.purpose}`,
        `offered  ${formatTime(f.offeredAt)}`,
      ].join('\n'),
    );
  });

  withCommon(
    feed
      .command('buy')
      .description(
        'Buy one period of a feed at its current price: you receive a consent to its streams and, by paying, accept the terms of its ' +
          'policy (your bond is at stake up to its penalty). The price is released to the owner as the period is served; if the owner ' +
          'revokes the consent or a device changes hands, the rest is refunded (`pythia feed settle`, `pythia feed refund`). Bought ' +
          'while your last consent from it is still running, the new one starts when that one ends',
      )
      .argument('<feedId>', 'feed id', parseFeedIdArg)
      .option(...YES_OPTION),
    { signer: "the buyer's key (keystore v3) instead of the operator role key" },
  ).action(async (feedId: bigint, options: CommonOptions & ConfirmOptions) => {
    const context = loadContext(options);
    const market = requireContract(context.deployment, 'feedMarket');
    const f = await readAs(() => readFeed({ publicClient: context.publicClient, market, feedId }), feedRefusalHints);
    if (!f.open) throw new CliError(`feed ${feedId} is closed: no new sales`);
    const termsAddress = context.deployment.contracts.recipientTerms;
    if (termsAddress) {
      const t = await context.publicClient.readContract({
        address: termsAddress,
        abi: recipientTermsAbi,
        functionName: 'termsForPolicy',
        args: [f.policyId],
      });
      progress(
        options,
        `by paying you accept the feed's terms: a penalty of ${formatEth(t.penaltyWei)} per violation from your bond, ` +
          `${formatDuration(t.deletionPeriod)} for every deletion request, ${formatDuration(t.disputeWindow)} to dispute a leak claim`,
      );
    }
    await confirmIrreversible(options, 'feed buy', `buying feed ${feedId} for ${formatEth(f.price)} per ${formatDuration(f.period)}`);
    const account = await signerOf(context, options, 'buyer');
    progress(options, `buying feed ${feedId} for ${formatEth(f.price)}...`);
    const bought = await refusing(
      context,
      account,
      'buying the feed',
      () => buyFeed({ clients: context, account, address: market, feedId, price: f.price }),
      {
        NotDeviceOwner: 'the feed owner no longer owns that device (it changed hands): this feed cannot be sold; nothing was paid',
        MarketNotGrantAgent: 'the feed owner withdrew the market’s approval: this feed cannot be sold now; nothing was paid',
      },
    );
    printResult(
      options,
      {
        feedId,
        buyer: account.address,
        consentId: bought.consentId,
        purchaseId: bought.purchaseId,
        price: f.price.toString(),
        start: Number(bought.start),
        expiry: Number(bought.expiry),
        transactionHash: bought.hash,
        blockNumber: bought.blockNumber,
      },
      () =>
        `consent ${bought.consentId}: ${f.streamNames.join(', ')} of ${f.devices.length} device(s) from ${formatTime(bought.start)} ` +
        `until ${formatTime(bought.expiry)}, paid ${formatEth(f.price)} as purchase ${bought.purchaseId} (transaction ${bought.hash})`,
    );
  });

  withCommon(
    feed
      .command('purchases')
      .description("Purchases with their money: released to the owner, refunded, still held (a buyer's, or with --sales an owner's)")
      .option('--buyer <address>', 'whose purchases (default: the signer)', parseAddressArg('--buyer'))
      .option('--sales', "the signer's (or --owner's) sales instead")
      .option('--owner <address>', 'with --sales: whose sales', parseAddressArg('--owner')),
    { signer: 'the buyer or owner key (keystore v3), when no address is given' },
  ).action(async (options: CommonOptions & { buyer?: Address; sales?: boolean; owner?: Address }) => {
    const context = loadContext(options);
    const market = requireContract(context.deployment, 'feedMarket');
    const list = options.sales
      ? await listSales({
          publicClient: context.publicClient,
          market,
          owner: options.owner ?? (await signerOf(context, options, 'owner')).address,
          fromBlock: BigInt(context.deployment.deploymentBlock),
        })
      : await listPurchases({
          publicClient: context.publicClient,
          market,
          buyer: options.buyer ?? (await signerOf(context, options, 'buyer')).address,
        });
    printResult(options, list.map(purchaseJson), () =>
      list.length === 0
        ? 'no purchases'
        : formatTable(
            list.map((p) => ({
              id: p.purchaseId,
              feed: p.feedId,
              consent: p.consentId,
              price: formatEth(p.price),
              released: formatEth(p.released),
              refunded: formatEth(p.refunded),
              ends: formatTime(p.end),
              settled: p.settled ? 'yes' : 'no',
            })),
            ['id', 'feed', 'consent', 'price', 'released', 'refunded', 'ends', 'settled'],
          ),
    );
  });

  withCommon(
    feed
      .command('settle')
      .description(
        'Release to the owner what purchases have earned so far, and refund buyers the unserved part of purchases that ended early ' +
          '(revoked, or a device changed hands). Default: every unsettled sale of the signer, or with --buyer every purchase of it',
      )
      .option('--purchase <id>', 'a purchase id (repeat for several)', collectPurchaseId)
      .option('--buyer', "the signer's own purchases instead of its sales"),
    { signer: 'a funded key (keystore v3) instead of the operator role key' },
  ).action(async (options: CommonOptions & { purchase?: bigint[]; buyer?: boolean }) => {
    const context = loadContext(options);
    const market = requireContract(context.deployment, 'feedMarket');
    const account = await signerOf(context, options, options.buyer ? 'buyer' : 'owner');
    let ids = options.purchase;
    if (!ids) {
      const list = options.buyer
        ? await listPurchases({ publicClient: context.publicClient, market, buyer: account.address })
        : await listSales({
            publicClient: context.publicClient,
            market,
            owner: account.address,
            fromBlock: BigInt(context.deployment.deploymentBlock),
          });
      ids = list.filter((p) => !p.settled).map((p) => p.purchaseId);
    }
    if (ids.length === 0) {
      printResult(options, { settled: [], released: '0', refunded: '0' }, () => 'nothing to settle');
      return;
    }
    progress(options, `settling ${ids.length} purchase(s)...`);
    const r = await refusing(context, account, 'settling purchases', () =>
      settlePurchases({ clients: context, account, address: market, purchaseIds: ids }),
    );
    printResult(
      options,
      {
        settled: ids.map(String),
        released: r.released.toString(),
        refunded: r.refunded.toString(),
        transactionHash: r.hash,
        blockNumber: r.blockNumber,
      },
      () => `released ${formatEth(r.released)} to owners, refunded ${formatEth(r.refunded)} to buyers (transaction ${r.hash})`,
    );
  });

  withCommon(feed.command('refund').description('Buyer: withdraw what feeds refunded you (settle first: `pythia feed settle --buyer`)'), {
    signer: "the buyer's key (keystore v3); required",
  }).action(async (options: CommonOptions) => {
    const context = loadContext(options);
    const market = requireContract(context.deployment, 'feedMarket');
    const account = await signerOf(context, options, 'buyer');
    const due = await readRefund({ publicClient: context.publicClient, market, buyer: account.address });
    if (due === 0n) throw new CliError('no refund to withdraw (settle ended purchases first: `pythia feed settle --buyer`)');
    const { hash, blockNumber, amount } = await refusing(context, account, 'withdrawing the refund', () =>
      withdrawRefund({ clients: context, account, address: market }),
    );
    printResult(
      options,
      { buyer: account.address, amount: amount.toString(), transactionHash: hash, blockNumber },
      () => `withdrew a refund of ${formatEth(amount)} to ${account.address} (transaction ${hash})`,
    );
  });

  withCommon(
    feed
      .command('price')
      .description('Change the price of an open feed you own (later purchases only)')
      .argument('<feedId>', 'feed id', parseFeedIdArg)
      .requiredOption('--price <ether>', 'new price of one period, in ether', parsePriceArg('--price')),
    { signer: "the feed owner's key (keystore v3) instead of the operator role key" },
  ).action(async (feedId: bigint, options: CommonOptions & { price: bigint }) => {
    const context = loadContext(options);
    const market = requireContract(context.deployment, 'feedMarket');
    const account = await signerOf(context, options, 'owner');
    const { hash, blockNumber } = await refusing(context, account, 'changing the price', () =>
      updateFeedPrice({ clients: context, account, address: market, feedId, price: options.price }),
    );
    printResult(
      options,
      { feedId, price: options.price.toString(), transactionHash: hash, blockNumber },
      () => `feed ${feedId}: ${formatEth(options.price)} from now on (transaction ${hash})`,
    );
  });

  withCommon(
    feed
      .command('close')
      .description('Close a feed you own for good: no new sales; consents already sold run their period')
      .argument('<feedId>', 'feed id', parseFeedIdArg)
      .option(...YES_OPTION),
    { signer: "the feed owner's key (keystore v3) instead of the operator role key" },
  ).action(async (feedId: bigint, options: CommonOptions & ConfirmOptions) => {
    await confirmIrreversible(options, 'feed close', `closing feed ${feedId}`);
    const context = loadContext(options);
    const market = requireContract(context.deployment, 'feedMarket');
    const account = await signerOf(context, options, 'owner');
    const { hash, blockNumber } = await refusing(context, account, 'closing the feed', () =>
      closeFeed({ clients: context, account, address: market, feedId }),
    );
    printResult(options, { feedId, open: false, transactionHash: hash, blockNumber }, () => `feed ${feedId} closed (transaction ${hash})`);
  });

  withCommon(feed.command('withdraw').description('Withdraw your earnings from feed sales'), {
    signer: "the feed owner's key (keystore v3) instead of the operator role key",
  }).action(async (options: CommonOptions) => {
    const context = loadContext(options);
    const market = requireContract(context.deployment, 'feedMarket');
    const account = await signerOf(context, options, 'owner');
    const { hash, blockNumber, amount } = await refusing(context, account, 'withdrawing earnings', () =>
      withdrawEarnings({ clients: context, account, address: market }),
    );
    printResult(
      options,
      { owner: account.address, amount: amount.toString(), transactionHash: hash, blockNumber },
      () => `withdrew ${formatEth(amount)} to ${account.address} (transaction ${hash})`,
    );
  });

  withCommon(
    feed
      .command('earnings')
      .description('Earnings from feed sales not yet withdrawn')
      .option('--owner <address>', 'whose (default: the signer: --signer-key, else the operator role key)', parseAddressArg('--owner')),
    { signer: "the owner's key (keystore v3), when --owner is not given" },
  ).action(async (options: CommonOptions & { owner?: Address }) => {
    const context = loadContext(options);
    const market = requireContract(context.deployment, 'feedMarket');
    const owner = options.owner ?? (await signerOf(context, options, 'owner')).address;
    const amount = await readEarnings({ publicClient: context.publicClient, market, owner });
    printResult(options, { owner, amount: amount.toString() }, () => `${owner}: ${formatEth(amount)} to withdraw`);
  });
}
