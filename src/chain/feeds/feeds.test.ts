import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getAddress, parseEther, type LocalAccount } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { streamsToMask } from '../../protocol/consentScope.js';
import { generateDeviceKey } from '../../sdk/generateDeviceKey.js';
import { startTestChain, type TestChain } from '../../testing/testChain.js';
import { createChainClients, type ChainClients } from '../clients.js';
import { checkConsent, readConsent } from '../consent/index.js';
import { nativeAccount } from '../nativeAccount.js';
import { ContractRefusal } from '../sendContractTransaction.js';
import {
  buyFeed,
  isMarketGrantAgent,
  listPurchases,
  listSales,
  offerFeed,
  readEarnings,
  readFeed,
  readPurchase,
  readRefund,
  setMarketGrantAgent,
  settlePurchases,
  withdrawEarnings,
  withdrawRefund,
} from './index.js';
import { revokeConsent } from '../consent/index.js';
import { readTerms } from '../accountability/index.js';
import { fundOnAnvil } from '../../testing/fundedAccount.js';

describe('feed market on a real chain with the real consent registry', { timeout: 180_000 }, () => {
  let chain: TestChain;
  let clients: ChainClients;
  let council: LocalAccount;
  const buyer = nativeAccount(generatePrivateKey());
  const device = generateDeviceKey();
  const price = parseEther('0.05');
  const period = 30n * 86_400n;

  before(async () => {
    chain = await startTestChain();
    clients = createChainClients({ chainId: chain.chainId, rpcUrl: chain.rpcUrl });
    council = chain.operator; // registerDevice mints the token to the operator
    await chain.registerDevice(device.publicKey);
    await fundOnAnvil(chain.publicClient, buyer.address, '10');
  });
  after(async () => {
    await chain?.stop();
  });

  it('sells a consent for the period, the buyer accepting its terms; releases the price as served, refunds the rest on revocation', async () => {
    const market = chain.feedMarketAddress;
    const offer = () =>
      offerFeed({
        clients,
        account: council,
        address: market,
        devices: [device.deviceId],
        streams: streamsToMask(['pm25', 'no2']),
        price,
        period,
        purpose: 'traffic study',
      });
    await assert.rejects(offer(), (error: unknown) => error instanceof ContractRefusal && /MarketNotGrantAgent/.test(String(error)));
    await setMarketGrantAgent({ clients, account: council, address: market, allowed: true });
    assert.equal(await isMarketGrantAgent({ publicClient: chain.publicClient, market, owner: council.address }), true);
    const { feedId } = await offer();
    const feed = await readFeed({ publicClient: chain.publicClient, market, feedId });
    assert.equal(feed.owner, council.address);
    assert.equal(feed.price, price);

    await assert.rejects(
      buyFeed({ clients, account: buyer, address: market, feedId, price: price - 1n }),
      (error: unknown) => error instanceof ContractRefusal && /WrongPayment/.test(String(error)),
    );
    const bought = await buyFeed({ clients, account: buyer, address: market, feedId, price });
    assert.equal(bought.expiry - bought.start, period);
    const consent = await readConsent({ publicClient: chain.publicClient, registry: chain.consentAddress, consentId: bought.consentId });
    assert.equal(consent.owner, council.address);
    assert.equal(consent.recipient, buyer.address);
    assert.equal(getAddress(consent.grantedBy), getAddress(market));
    assert.equal(consent.status, 'live');
    const read = (streams: number) =>
      checkConsent({
        publicClient: chain.publicClient,
        registry: chain.consentAddress,
        consentId: bought.consentId,
        device: device.deviceId,
        recipient: buyer.address,
        streams,
      });
    assert.deepEqual(await read(streamsToMask(['pm25'])), { permitted: true, refusal: 'none' });
    assert.equal((await read(streamsToMask(['o3']))).permitted, false, 'a stream outside the feed is not covered');

    const terms = await readTerms({
      publicClient: chain.publicClient,
      address: chain.deployment.contracts.recipientTerms!,
      consentId: bought.consentId,
    });
    assert.ok(terms.acceptedAt > 0n, 'paying accepted the terms');

    // nothing is the owner's before it is served
    assert.equal(await readEarnings({ publicClient: chain.publicClient, market, owner: council.address }), 0n);
    const purchase = await readPurchase({ publicClient: chain.publicClient, market, purchaseId: bought.purchaseId });
    assert.equal(purchase.price, price);
    assert.equal(purchase.end, bought.expiry);
    assert.deepEqual(
      (await listPurchases({ publicClient: chain.publicClient, market, buyer: buyer.address })).map((p) => p.purchaseId),
      [bought.purchaseId],
    );
    assert.deepEqual(
      (await listSales({ publicClient: chain.publicClient, market, owner: council.address })).map((p) => p.purchaseId),
      [bought.purchaseId],
    );

    // a quarter of the period later the council revokes: a quarter is earned, three quarters refunded
    await chain.publicClient.request({
      method: 'evm_setNextBlockTimestamp' as never,
      params: [Number(bought.start + period / 4n)] as never,
    });
    await revokeConsent({ clients, account: council, address: chain.consentAddress, consentId: bought.consentId });
    const settled = await settlePurchases({ clients, account: buyer, address: market, purchaseIds: [bought.purchaseId] });
    assert.equal(settled.released, price / 4n);
    assert.equal(settled.refunded, price - price / 4n);
    assert.equal(await readRefund({ publicClient: chain.publicClient, market, buyer: buyer.address }), price - price / 4n);
    const before = await chain.publicClient.getBalance({ address: market });
    const { amount } = await withdrawEarnings({ clients, account: council, address: market });
    assert.equal(amount, price / 4n);
    const refund = await withdrawRefund({ clients, account: buyer, address: market });
    assert.equal(refund.amount, price - price / 4n);
    assert.equal(await chain.publicClient.getBalance({ address: market }), before - price);
    assert.equal(await readEarnings({ publicClient: chain.publicClient, market, owner: council.address }), 0n);
    assert.equal((await readPurchase({ publicClient: chain.publicClient, market, purchaseId: bought.purchaseId })).settled, true);
  });
});
