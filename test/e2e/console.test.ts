import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { bytesToHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createChainClients } from '../../src/chain/clients.js';
import { grantConsent } from '../../src/chain/consent/grantConsent.js';
import { assignClassManufacturer } from '../../src/chain/deviceIdentity.js';
import { recordDeviceMetadata } from '../../src/chain/deviceMetadata.js';
import { acceptTransfer, offerTransfer } from '../../src/chain/deviceOwnership.js';
import { approveRelease, publishRelease, setReleaseKeys, signManifest } from '../../src/chain/firmware/index.js';
import { contractWriter } from '../../src/chain/sendContractTransaction.js';
import { timelockAddress } from '../../src/chain/timelock.js';
import { consentRegistryAbi, pythiaFleetAbi } from '../../src/contracts/abis.js';
import { newTestDevice, postSettledReadings, signedReading, type TestDevice, typicalAirQuality } from '../../src/gateway/testKit.js';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import { AIR_QUALITY_CLASS_ID, airQualityProfile } from '../../src/protocol/airQuality.js';
import { generateDeviceKey, parseProvisioningBundle, sendFirmwareReport } from '../../src/sdk/index.js';
import { type Stack, startStack } from '../../src/stack/startStack.js';
import { fundedAccount } from '../../src/testing/fundedAccount.js';
import { pythiaBin } from '../../src/testing/pythiaBin.js';
import { runPythia, until } from './runPythia.js';

/**
 * The council console in a real browser (Debian's Chromium, driven by playwright-core) against a
 * real node (embedded Anvil, gateway, indexer). The screenshots in docs/console/ are made here.
 */
const CHROMIUM = process.env.PYTHIA_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('../../docs/console/', import.meta.url));
const passphrase = 'console-test-passphrase-not-a-secret';
const READINGS = 5;

describe('the council console in a browser', { timeout: 300_000, skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}` }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-console-e2e-'));
  let stack: Stack;
  let browser: Browser;
  let token: string;
  const devices: TestDevice[] = [newTestDevice(), newTestDevice(), newTestDevice(), newTestDevice()];
  const flagged = devices[1]!;
  const suspended = devices[3]!;
  /** Sites of the devices (registration request metadata): north to south. */
  const sites = devices.map((_, i) => ({ name: `site ${i}`, latitude: 52.22 - i * 0.01, longitude: 0.1 + i * 0.01 }));
  let consentId: bigint;
  /** Content-Security-Policy violations and page errors seen by the browser: there must be none. */
  const problems: string[] = [];

  const indexGet = async (path: string) => {
    const response = await fetch(`${stack.gatewayUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200, `${path}: ${response.status}`);
    // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, checked where used
    return (await response.json()) as any;
  };
  const newPage = async (): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    return page;
  };

  before(async () => {
    pythiaBin(); // builds build/console (and the CLI) when the sources changed since the last build
    stack = await startStack({ dataDir: join(dir, 'node'), passphrase, chain: 'anvil', gatewayPort: 0, scryptN: LIGHT_SCRYPT.n });
    token = /#token=([0-9a-f]{64})$/.exec(stack.consoleUrl)![1]!;
    const { deployment } = stack;
    const operator = contractWriter(
      { clients: createChainClients(deployment), account: stack.roles.operator, address: deployment.contracts.fleet },
      pythiaFleetAbi,
    );
    await operator('setClassProfile', [AIR_QUALITY_CLASS_ID, airQualityProfile]);
    await operator('registerDevices', [devices.map((d) => d.publicKey64), AIR_QUALITY_CLASS_ID]);
    const domain = { chainId: deployment.chainId, verifyingContract: deployment.contracts.fleet };
    for (const device of devices) await postSettledReadings(stack.gatewayUrl, device, domain, READINGS);
    await operator('suspendDevice', [suspended.id, 'maintenance']);
    recordDeviceMetadata({ dataDir: join(dir, 'node'), devices: devices.map((d, i) => ({ device: d.id, metadata: sites[i] })) });
    // The council (the operator account owns its devices' tokens) lets a research group read PM2.5 of devices 0 and 1 for a
    // day (device 0 changes owner below: the consent stays live on device 1).
    consentId = (
      await grantConsent({
        clients: createChainClients(deployment),
        account: stack.roles.operator,
        address: deployment.contracts.consentRegistry!,
        recipient: '0x000000000000000000000000000000000000bEEF',
        devices: [devices[0]!.id, devices[1]!.id],
        streams: 1,
        commands: 0,
        purpose: 'air quality research',
        expiry: BigInt(Math.floor(Date.now() / 1000) + 86_400),
      })
    ).consentId;
    await until('the index to hold every reading', async () => {
      const fleet = await indexGet('/v1/index/devices');
      const done = (d: { readings: number; device: string; status: string }) =>
        d.readings === READINGS && (d.device !== suspended.id || d.status === 'suspended');
      return fleet.items.length === devices.length && fleet.items.every(done) ? true : undefined;
    });
    // Running as root (CI containers), Chromium refuses to start without --no-sandbox.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a wrong token with a clear message, from the login form and from the address', async () => {
    const page = await newPage();
    await page.goto(`${stack.gatewayUrl}/console/`);
    await page.fill('input[name=token]', 'f'.repeat(64));
    await page.click('button[type=submit]');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /refused this console token/);
    await page.screenshot({ path: join(SCREENSHOTS, 'login-refused.png') });
    await page.goto(`${stack.gatewayUrl}/console/#token=${'0'.repeat(64)}`);
    await page.getByRole('alert').waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /refused this console token/);
    assert.equal(await page.locator('table.fleet').count(), 0, 'no fleet without the right token');
    // A token the node refuses (a new node's, an old tab's) sends every page back to the login.
    await page.evaluate(() => sessionStorage.setItem('pythia-console-token', 'e'.repeat(64)));
    for (const route of [`#/devices/${devices[0]!.id}`, '#/timeline', '#/accounting', '#/consents']) {
      await page.goto(`${stack.gatewayUrl}/console/${route}`);
      await page.reload();
      await page.getByRole('alert').waitFor();
      assert.match((await page.getByRole('alert').textContent()) ?? '', /refused this console token/, route);
      await page.evaluate(() => sessionStorage.setItem('pythia-console-token', 'e'.repeat(64)));
    }
    await page.close();
  });

  it('shows a flag raised now in the live timeline without a reload, and its device page draws it against the limits', async () => {
    const page = await newPage();
    await page.goto(stack.consoleUrl);
    await page.click('a[href="#/timeline"]');
    await page.locator('[data-live=true]').waitFor();
    await page.evaluate(() => {
      (window as unknown as { sameDocument: boolean }).sameDocument = true;
    });

    // PM2.5 far above the profile's maximum: the chain flags it OutOfRange.
    const values = [30_000, ...typicalAirQuality.slice(1)];
    const reading = await signedReading(
      flagged,
      { chainId: stack.deployment.chainId, verifyingContract: stack.deployment.contracts.fleet },
      { sequence: READINGS + 1, timestamp: Math.floor(Date.now() / 1000) - 1800, values },
    );
    const posted = await fetch(`${stack.gatewayUrl}/v1/readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ readings: [reading] }),
    });
    assert.equal(posted.status, 202, await posted.text());

    const entry = page.locator(`li[data-kind=flag][data-device="${flagged.id}"]`);
    await entry.waitFor({ timeout: 60_000 });
    assert.match((await entry.textContent()) ?? '', new RegExp(`reading #${READINGS + 1} .*OutOfRange`));
    assert.equal(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument), true, 'no reload');
    await page.screenshot({ path: join(SCREENSHOTS, 'timeline.png'), fullPage: true });

    const evidence = (await indexGet(`/v1/index/flags?device=${flagged.id}`)).items[0];
    assert.equal(evidence.sequence, READINGS + 1);
    await entry.locator('a').click();
    const charts = page.locator('figure.chart');
    await charts.first().waitFor();
    assert.equal(await charts.count(), airQualityProfile.metricCount, 'a chart per metric');
    const pm25 = page.locator('figure.chart[data-metric="0"]');
    assert.match(await pm25.locator('[data-limit=max] text').innerHTML(), new RegExp(`max ${airQualityProfile.maxValue[0]! / 10}`));
    assert.match(await pm25.locator('[data-limit=min] text').innerHTML(), new RegExp(`min ${airQualityProfile.minValue[0]! / 10}`));
    assert.equal(await pm25.locator('circle.point').count(), READINGS, 'the accepted readings');
    const mark = pm25.locator(`circle.flagged[data-sequence="${READINGS + 1}"]`);
    assert.equal(await mark.count(), 1, 'the flagged reading is marked');
    await mark.click();
    const panel = page.getByRole('complementary', { name: 'evidence' });
    await panel.waitFor();
    const text = (await panel.textContent()) ?? '';
    for (const expected of [evidence.transactionHash, `${evidence.blockNumber}`, reading.payload, evidence.signature.r, 'OutOfRange'])
      assert.ok(text.includes(expected), `the evidence shows ${expected}`);
    assert.match(text, /PM2\.5: 3000 µg\/m³ \(raw 30000\) is outside the profile's range, 0 µg\/m³ to 500 µg\/m³/);
    const browserCheck = panel.getByRole('region', { name: 'checked in this browser' });
    await page.locator('[data-holds="true"], [data-holds="false"]').waitFor();
    assert.equal(await browserCheck.getAttribute('data-holds'), 'true', (await browserCheck.textContent()) ?? '');
    const [signature, rules] = await browserCheck.locator('li').allTextContents();
    assert.match(signature!, /^✓ signature: signed by the device itself \(EIP-712, chain \d+, fleet 0x[0-9a-fA-F]{40}, low s\)$/);
    assert.match(rules!, /^✓ rules: re-derived OutOfRange, ExcessiveChange against the profile and the previous reading/);
    await page.screenshot({ path: join(SCREENSHOTS, 'device.png'), fullPage: true });

    // The same page, served a doctored reading (another payload under the device's signature): the browser says so.
    await page.route('**/v1/index/devices/*/readings?*', async (route) => {
      const answer = await route.fetch();
      const body = await answer.json();
      for (const r of body.items) if (r.sequence === READINGS + 1) r.payload = `0x${'00'.repeat(12)}`;
      await route.fulfill({ response: answer, json: body });
    });
    await page.reload();
    await pm25.locator(`circle.flagged[data-sequence="${READINGS + 1}"]`).click();
    await page.locator('[data-holds="false"]').waitFor();
    const doctored = await panel.getByRole('region', { name: 'checked in this browser' }).locator('li').allTextContents();
    assert.match(doctored[0]!, /^✗ signature: signed by 0x[0-9a-fA-F]{40}, not the device/);
    // All zeros: in range, but far from the previous reading's values.
    assert.match(
      doctored[1]!,
      /^✗ rules: re-derived ExcessiveChange against the profile and the previous reading \(the chain flagged OutOfRange, ExcessiveChange\)$/,
    );
    await page.close();
  });

  it("shows the second act's events in the live timeline too: a device changing owner; its page shows the owner, the ownership history and its consent", async () => {
    const page = await newPage();
    await page.goto(stack.consoleUrl);
    await page.click('a[href="#/timeline"]');
    await page.locator('[data-live=true]').waitFor();
    const device = devices[0]!;
    const clients = createChainClients(stack.deployment);
    const household = await fundedAccount(clients.publicClient);
    const ownership = stack.deployment.contracts.deviceOwnership!;
    await offerTransfer({ clients, account: stack.roles.operator, address: ownership, device: device.id, to: household.address });
    await acceptTransfer({ clients, account: household, address: ownership, device: device.id });
    const entry = page.locator(`li[data-kind=ownership][data-event=OwnershipTransferred][data-device="${device.id}"]`);
    await entry.waitFor({ timeout: 60_000 });
    assert.match((await entry.textContent()) ?? '', /changes owner: .* → .* \(epoch 2\): the previous owner's consents on it are void/);

    // Its device page: the owner now, the registration (the token minted to the operator) and the transfer, the consent on it.
    const started = Date.now();
    await entry.locator('a').first().click();
    const history = page.locator('table.ownership-history tbody tr');
    await page.locator('table.ownership-history tr[data-event=OwnershipTransferred]').waitFor();
    assert.equal(await page.locator('[data-owner]').getAttribute('data-owner'), household.address);
    assert.deepEqual(await history.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event'))), [
      'OwnershipTransferred',
      'DeviceRegistered',
    ]);
    const operator = stack.roles.operator.address;
    assert.match((await history.nth(1).textContent()) ?? '', new RegExp(`token minted to ${operator.slice(0, 8)}…${operator.slice(-6)}`));
    assert.match((await history.nth(1).textContent()) ?? '', /registered by/);
    const consent = page.locator(`table.consents tr[data-consent="${consentId}"]`);
    await consent.waitFor({ timeout: 5_000 });
    assert.equal(await consent.getAttribute('data-state'), 'void', 'granted by the previous owner: void on this device');
    console.log(`# the device page with its ownership history and consent: ${Date.now() - started} ms`);
    await page.close();
  });

  it("shows a device's firmware: a release published by its manufacturer, approved by its owner and installed by the device", async () => {
    const { deployment } = stack;
    const clients = createChainClients(deployment);
    const registry = deployment.contracts.firmwareRegistry!;
    // A sensor of the council's (the operator registers it: its ownership token is the operator's).
    const device = generateDeviceKey();
    await contractWriter({ clients, account: stack.roles.operator, address: deployment.contracts.fleet }, pythiaFleetAbi)(
      'registerDevices',
      [[device.publicKey], AIR_QUALITY_CLASS_ID],
    );
    // Its manufacturer, assigned the class by the council's timelock, sets 2-of-3 release keys and publishes a release.
    const manufacturer = await fundedAccount(clients.publicClient);
    await assignClassManufacturer({
      clients,
      account: stack.roles.admin,
      identity: deployment.contracts.deviceIdentity!,
      timelock: timelockAddress(deployment),
      classId: AIR_QUALITY_CLASS_ID,
      manufacturer: manufacturer.address,
    });
    const releaseKeys = [0, 1, 2].map(() => privateKeyToAccount(generatePrivateKey()));
    await setReleaseKeys({
      clients,
      account: manufacturer,
      address: registry,
      classId: AIR_QUALITY_CLASS_ID,
      keys: releaseKeys.map((k) => k.address),
      threshold: 2,
    });
    const image = randomBytes(4096);
    const digest = bytesToHex(createHash('sha256').update(image).digest());
    const { timestamp } = await clients.publicClient.getBlock();
    const manifest = {
      classId: AIR_QUALITY_CLASS_ID,
      sequence: 7n,
      digest,
      size: BigInt(image.length),
      location: 'https://firmware.example/air/7.bin',
      issuedAt: timestamp,
    };
    const signatures = await Promise.all(
      releaseKeys.slice(0, 2).map((key) => signManifest({ key, chainId: deployment.chainId, registry, manifest })),
    );
    const { releaseId } = await publishRelease({ clients, account: manufacturer, address: registry, manifest, signatures });
    // Its owner approves the release for it; the device installs it and reports so, signed, through its gateway.
    await approveRelease({ clients, account: stack.roles.operator, address: registry, device: device.deviceId, releaseId });
    const bundlePath = join(dir, 'bundle.json');
    const bundled = await runPythia(['bundle', 'create', '--out', bundlePath, '--data-dir', join(dir, 'node')], passphrase);
    assert.equal(bundled.code, 0, bundled.stderr);
    const bundle = parseProvisioningBundle(readFileSync(bundlePath, 'utf8'));
    await sendFirmwareReport({ key: device, bundle, gatewayUrl: stack.gatewayUrl, sequence: manifest.sequence, digest, nonce: 1n });
    await until('the index to hold the install', async () => {
      const installed = await indexGet(`/v1/index/events?device=${device.deviceId}&contract=firmwareRegistry&name=FirmwareInstalled`);
      return installed.items[0];
    });

    const page = await newPage();
    await page.goto(stack.consoleUrl);
    await page.locator('table.fleet').waitFor();
    await page.goto(`${stack.gatewayUrl}/console/#/devices/${device.deviceId}`);
    const installed = page.locator('[data-installed]');
    await page.locator(`[data-installed="${releaseId}"]`).waitFor();
    const shortRelease = `${releaseId.slice(0, 8)}…${releaseId.slice(-6)}`;
    assert.match(
      (await installed.textContent()) ?? '',
      new RegExp(`^Installed: release ${shortRelease}, sequence 7, reported by the device in block \\d+$`),
    );
    assert.equal(await installed.locator('code').getAttribute('title'), releaseId);
    const rows = page.locator('table.firmware-events tbody tr');
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event'))), [
      'FirmwareInstalled',
      'ReleaseApprovalSet',
    ]);
    assert.match((await rows.nth(0).locator('td').nth(1).textContent()) ?? '', /reports firmware 7 installed \(signed by the device\)/);
    const operator = stack.roles.operator.address;
    assert.match(
      (await rows.nth(1).locator('td').nth(1).textContent()) ?? '',
      new RegExp(
        `^release ${shortRelease} approved for ${device.deviceId.slice(0, 8)}…${device.deviceId.slice(-6)} by its owner ${operator.slice(0, 8)}…${operator.slice(-6)}$`,
      ),
    );
    await page.close();
  });

  it('lists the fleet: every device with its status, readings and flags', async () => {
    const page = await newPage();
    await page.goto(stack.consoleUrl);
    assert.doesNotMatch(page.url(), /token=/, 'the token leaves the address bar');
    for (const device of devices) await page.locator(`tr[data-device="${device.id}"]`).waitFor();
    const cells = async (device: TestDevice) => (await page.locator(`tr[data-device="${device.id}"] td`).allTextContents()).slice(1, 6);
    const quiet = await cells(devices[0]!);
    assert.deepEqual([quiet[0], quiet[1], quiet[2], quiet[4]], ['active', String(AIR_QUALITY_CLASS_ID), String(READINGS), '0']);
    assert.match(quiet[3]!, new RegExp(`^#${READINGS} in block \\d+$`));
    const flags = await cells(flagged);
    assert.deepEqual([flags[0], flags[2], flags[4]], ['active', String(READINGS + 1), '1'], 'the flagged reading counted');
    assert.equal((await cells(suspended))[0], 'suspended');
    await page.click(`tr[data-device="${suspended.id}"] a`);
    const change = page.locator('table.status-history tbody tr').first();
    await change.waitFor();
    const [, what, by, reason] = await change.locator('td').allTextContents();
    assert.deepEqual([what, by?.slice(0, 2), reason], ['active → suspended', '0x', 'maintenance']);
    await page.close();
  });

  it("draws the town's map: sensors placed by their coordinates, coloured by status, the flagged one ringed; a click opens it", async () => {
    const page = await newPage();
    await page.goto(stack.consoleUrl);
    const marker = (device: TestDevice) => page.locator(`figure.town-map a[data-device="${device.id}"]`);
    await marker(devices[0]!).waitFor();
    assert.equal(await page.locator('figure.town-map a[data-device]').count(), devices.length);
    assert.equal(await marker(suspended).getAttribute('data-status'), 'suspended');
    assert.equal(await marker(flagged).locator('circle.flag-ring').count(), 1, 'the flagged sensor is ringed');
    assert.equal(await marker(devices[2]!).locator('circle.flag-ring').count(), 0);
    const at = async (device: TestDevice) => {
      const circle = marker(device).locator('circle.sensor');
      return { x: Number(await circle.getAttribute('cx')), y: Number(await circle.getAttribute('cy')) };
    };
    const [north, south] = [await at(devices[0]!), await at(devices[3]!)];
    assert.ok(north.y < south.y && north.x < south.x, `site 0 is north-west of site 3: ${JSON.stringify({ north, south })}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'fleet.png'), fullPage: true });
    await marker(flagged).locator('circle.sensor').click();
    await page.locator('h1', { hasText: flagged.id }).waitFor();
    await page.close();
  });

  it('shows the accounting log: who did what, when, in which transaction, filtered by device and actor, a page at a time', async () => {
    const page = await newPage();
    await page.goto(stack.consoleUrl);
    await page.click('a[href="#/accounting"]');
    const rows = page.locator('table.accounting tbody tr[data-event]');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 50, 'a full first page');
    const first = await rows.first().getAttribute('data-transaction');
    await page.getByRole('button', { name: 'next →' }).click();
    await page.locator('.paging', { hasText: 'page 2' }).waitFor();
    assert.notEqual(await rows.first().getAttribute('data-transaction'), first);
    await page.fill('input[name=device]', suspended.id);
    const change = page.locator('tr[data-event=DeviceStatusChanged]');
    await change.waitFor();
    const indexed = (await indexGet(`/v1/index/status-changes?device=${suspended.id}`)).items[0];
    assert.equal(await change.getAttribute('data-transaction'), indexed.transactionHash);
    const [block, , who, device, what] = await change.locator('td').allTextContents();
    assert.equal(block, String(indexed.blockNumber));
    assert.match(who!, new RegExp(`^${stack.roles.operator.address.slice(0, 8)}`));
    assert.match(device!, new RegExp(`^${suspended.id.slice(0, 8)}`));
    assert.match(what!, /reason: maintenance/);
    assert.ok((await rows.count()) >= 3, 'registration, readings and the status change');
    await page.fill('input[name=actor]', stack.roles.operator.address);
    await page.locator('table.accounting tbody tr[data-event=ReadingAccepted]').first().waitFor({ state: 'detached' });
    const names = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event')));
    assert.equal(names[0], 'DeviceStatusChanged', 'newest first');
    assert.ok(names.includes('DeviceRegistered') && !names.includes('ReadingAccepted'), `what the operator did to this device: ${names}`);
    await page.fill('input[name=device]', '');
    await page.screenshot({ path: join(SCREENSHOTS, 'accounting.png'), fullPage: true });
    await page.close();
  });

  it('lists consents with their window and receipt; the operator revokes one after a confirmation, and the chain says so', async () => {
    const revokedAt = async () =>
      (
        await createChainClients(stack.deployment).publicClient.readContract({
          address: stack.deployment.contracts.consentRegistry!,
          abi: consentRegistryAbi,
          functionName: 'consent',
          args: [consentId],
        })
      ).revokedAt;
    const page = await newPage();
    await page.goto(stack.consoleUrl);
    await page.click('a[href="#/consents"]');
    const row = page.locator(`tr[data-consent="${consentId}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-state'), 'live');
    assert.match((await row.textContent()) ?? '', /air quality research/);
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('link', { name: 'receipt' }).click()]);
    assert.equal(download.suggestedFilename(), `consent-${consentId}-receipt.json`);
    const receipt = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    assert.match(receipt.consentReceiptID, new RegExp(`:${consentId}$`));
    assert.equal(receipt.piiControllers[0].piiController, '0x000000000000000000000000000000000000bEEF');
    await page.screenshot({ path: join(SCREENSHOTS, 'consents.png'), fullPage: true });

    await row.getByRole('button', { name: 'Revoke…' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'confirm' });
    await dialog.waitFor();
    assert.match(
      (await dialog.textContent()) ?? '',
      new RegExp(`Revoke consent ${consentId}\\? The node signs this with the operator's key`),
    );
    assert.equal(await revokedAt(), 0n, 'nothing is signed before the confirmation');
    await dialog.getByRole('button', { name: 'Yes, revoke' }).click();
    const done = page.getByRole('status');
    await done.waitFor({ timeout: 60_000 });
    assert.match((await done.textContent()) ?? '', new RegExp(`signed by ${stack.roles.operator.address}`));
    assert.notEqual(await revokedAt(), 0n, 'revoked on chain');
    const logged = await until('the index to hold the revocation', async () => {
      const events = await indexGet(`/v1/index/events?contract=consentRegistry&name=ConsentRevoked&actor=${stack.roles.operator.address}`);
      return events.items[0];
    });
    assert.equal(logged.args.consentId, String(consentId));
    await page.reload();
    await page.locator(`tr[data-consent="${consentId}"][data-state=revoked]`).waitFor();
    await page.close();
  });

  it("an operator sets a class's profile from the console, after a confirmation; the chain and the accounting log say so", async () => {
    const target = devices[2]!;
    const onChain = async () => {
      const shown = await runPythia(
        ['profile', 'show', '--class', String(AIR_QUALITY_CLASS_ID), '--json', '--data-dir', join(dir, 'node')],
        passphrase,
      );
      assert.equal(shown.code, 0, shown.stderr);
      return JSON.parse(shown.stdout) as { version: number; profile: typeof airQualityProfile };
    };
    const previous = await onChain();
    const page = await newPage();
    await page.goto(stack.consoleUrl);
    await page.locator('table.fleet').waitFor();
    await page.goto(`${stack.gatewayUrl}/console/#/devices/${target.id}`);
    const section = page.getByRole('region', { name: 'class profile' });
    await section.getByRole('button', { name: `Set the profile of class ${AIR_QUALITY_CLASS_ID}…` }).click();
    const editor = section.locator('textarea[name=profile]');
    const shown = JSON.parse(await editor.inputValue()) as typeof airQualityProfile;
    assert.deepEqual(shown, previous.profile, 'the editor starts from the profile in force');
    const dialog = page.getByRole('alertdialog', { name: 'confirm profile' });

    // A profile the node refuses (a minimum above its maximum): said on the page, nothing signed.
    await editor.fill(JSON.stringify({ ...shown, minValue: [shown.maxValue[0]! + 1, ...shown.minValue.slice(1)] }));
    await section.getByRole('button', { name: 'Set profile…' }).click();
    await dialog.getByRole('button', { name: 'Yes, set the profile' }).click();
    await section.locator('.error').waitFor();
    assert.match((await section.locator('.error').textContent()) ?? '', /minValue\[0\].*is above maxValue\[0\]/);

    // PM2.5's maximum raised from 500 to 650 µg/m³.
    const maxValue = [6500, ...shown.maxValue.slice(1)];
    await editor.fill(JSON.stringify({ ...shown, maxValue }, null, 2));
    await section.getByRole('button', { name: 'Set profile…' }).click();
    await dialog.waitFor();
    assert.match(
      (await dialog.textContent()) ?? '',
      new RegExp(
        `Set this profile for every device of class ${AIR_QUALITY_CLASS_ID}\\? The node signs setClassProfile with the operator's key`,
      ),
    );
    assert.equal((await onChain()).version, previous.version, 'nothing is signed before the confirmation');
    await dialog.getByRole('button', { name: 'Yes, set the profile' }).click();
    const done = section.getByRole('status');
    await done.waitFor({ timeout: 60_000 });
    const operator = stack.roles.operator.address;
    const sent = new RegExp(
      `^Done: class ${AIR_QUALITY_CLASS_ID} profile version ${previous.version + 1} in block (\\d+), transaction (0x[0-9a-f]{64}), signed by ${operator}\\.$`,
    ).exec((await done.textContent()) ?? '');
    assert.ok(sent, (await done.textContent()) ?? '');
    const [, block, transactionHash] = sent;
    const current = await onChain();
    assert.equal(current.version, previous.version + 1);
    assert.deepEqual(current.profile, { ...previous.profile, maxValue }, 'the chain holds the profile set in the page');
    // The page reads the device again: PM2.5's chart draws the new maximum.
    await page.locator('figure.chart[data-metric="0"] [data-limit=max] text', { hasText: 'max 650' }).waitFor();

    // The accounting log (it reads the index when opened): the fleet's ClassProfileSet in that transaction and block.
    const indexed = await until('the index to hold the profile change', async () => {
      const events = await indexGet('/v1/index/events?contract=fleet&name=ClassProfileSet');
      return events.items.find((e: { transactionHash: string }) => e.transactionHash === transactionHash);
    });
    assert.equal(indexed.sender, operator, 'the index records who sent the transaction');
    await page.click('a[href="#/accounting"]');
    await page.selectOption('select[name=contract]', 'fleet');
    const logged = page.locator(`table.accounting tr[data-event=ClassProfileSet][data-transaction="${transactionHash}"]`);
    await logged.waitFor({ timeout: 10_000 });
    const [loggedBlock, who, what] = await logged
      .locator('td')
      .allTextContents()
      .then((cells) => [cells[0], cells[2], cells[4]]);
    assert.match(loggedBlock!, new RegExp(`^${block}( · not final)?$`));
    // ClassProfileSet names no one: "who" is the operator, who sent the transaction, marked so.
    assert.equal(who, `sent by ${operator.slice(0, 8)}…${operator.slice(-6)}`);
    assert.equal(await logged.locator('td button[data-sent-by]').getAttribute('title'), `sent by ${operator} (the event names no one)`);
    assert.match(what!, new RegExp(`classId: ${AIR_QUALITY_CLASS_ID}.*version: ${previous.version + 1}`));
    await page.close();
  });

  it('an operator suspends a device from the console, after a confirmation, and the chain says so', async () => {
    const target = devices[0]!;
    const chainStatus = async () =>
      ((await (await fetch(`${stack.gatewayUrl}/v1/devices/${target.id}`)).json()) as { status: string }).status;
    const page = await newPage();
    await page.goto(stack.consoleUrl);
    await page.locator('table.fleet').waitFor();
    await page.goto(`${stack.gatewayUrl}/console/#/devices/${target.id}`);
    await page.fill('input[name=reason]', 'enclosure opened');
    await page.getByRole('button', { name: 'Suspend…' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'confirm' });
    await dialog.waitFor();
    assert.match(
      (await dialog.textContent()) ?? '',
      /Suspend 0x[0-9a-fA-F]{40} for “enclosure opened”\? The node signs this with the operator's key/,
    );
    assert.equal(await chainStatus(), 'active', 'nothing is signed before the confirmation');
    await dialog.getByRole('button', { name: 'Yes, suspend' }).click();
    const done = page.getByRole('status');
    await done.waitFor({ timeout: 60_000 });
    assert.match((await done.textContent()) ?? '', new RegExp(`signed by ${stack.roles.operator.address}`));
    assert.equal(await chainStatus(), 'suspended');
    const logged = await until('the index to hold the status change', async () => {
      const changes = await indexGet(`/v1/index/status-changes?device=${target.id}`);
      return changes.items[0];
    });
    assert.deepEqual([logged.current, logged.reason, logged.by], ['suspended', 'console: enclosure opened', stack.roles.operator.address]);
    await page.close();

    // The action needs the console token, as the index does.
    const stranger = await fetch(`${stack.gatewayUrl}/v1/console/devices/${target.id}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'active', reason: 'no token' }),
    });
    assert.equal(stranger.status, 401);
    assert.equal(await chainStatus(), 'suspended');
  });

  it("lists a flag older than the charts' window with its evidence; the charts say which readings they draw", async () => {
    const device = devices[2]!;
    const values = [30_000, ...typicalAirQuality.slice(1)];
    const domain = { chainId: stack.deployment.chainId, verifyingContract: stack.deployment.contracts.fleet };
    const reading = await signedReading(device, domain, {
      sequence: READINGS + 1,
      timestamp: Math.floor(Date.now() / 1000) - 1800,
      values,
    });
    const posted = await fetch(`${stack.gatewayUrl}/v1/readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ readings: [reading] }),
    });
    assert.equal(posted.status, 202, await posted.text());
    await until('the index to hold the flag', async () => (await indexGet(`/v1/index/flags?device=${device.id}`)).items[0]);
    const page = await newPage();
    // The charts' page of readings as if the device had sent hundreds since: the flagged one is not in it.
    await page.route('**/v1/index/devices/*/readings?*', async (route) => {
      if (new URL(route.request().url()).searchParams.get('limit') !== '500') return route.continue();
      const answer = await route.fetch();
      const body = await answer.json();
      body.items = body.items.filter((r: { sequence: number }) => r.sequence !== READINGS + 1);
      body.next = 'older-readings-exist';
      await route.fulfill({ response: answer, json: body });
    });
    await page.goto(stack.consoleUrl);
    await page.locator('table.fleet').waitFor();
    await page.goto(`${stack.gatewayUrl}/console/#/devices/${device.id}`);
    const row = page.locator(`table.flags tr[data-sequence="${READINGS + 1}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-in-chart'), 'false');
    assert.match((await row.textContent()) ?? '', /older than the charts.*OutOfRange/);
    assert.equal(await page.locator('circle.flagged').count(), 0, 'not in the charts');
    assert.match(
      (await page.locator('h2[data-chart-window]').textContent()) ?? '',
      new RegExp(`^Readings: the newest ${READINGS} of ${READINGS + 1}, device time`),
    );
    await row.getByRole('button', { name: 'show' }).click();
    const panel = page.getByRole('complementary', { name: 'evidence' });
    await panel.locator('[data-holds="true"], [data-holds="false"]').waitFor();
    const [signature, rules] = await panel.getByRole('region', { name: 'checked in this browser' }).locator('li').allTextContents();
    assert.match(signature!, /^✓ signature: signed by the device itself/);
    assert.match(
      rules!,
      /^✓ rules: re-derived OutOfRange, ExcessiveChange against the profile and the previous reading/,
      'its previous reading read for it',
    );
    await page.close();
  });

  it('the consents page marks a consent void on a device that changed owner after the grant, with the transfer', async () => {
    const device = devices[2]!;
    const clients = createChainClients(stack.deployment);
    const granted = await grantConsent({
      clients,
      account: stack.roles.operator,
      address: stack.deployment.contracts.consentRegistry!,
      recipient: '0x000000000000000000000000000000000000bEEF',
      devices: [device.id],
      streams: 1,
      commands: 0,
      purpose: 'noise study',
      expiry: BigInt(Math.floor(Date.now() / 1000) + 86_400),
    });
    const buyer = await fundedAccount(clients.publicClient);
    const ownership = stack.deployment.contracts.deviceOwnership!;
    await offerTransfer({ clients, account: stack.roles.operator, address: ownership, device: device.id, to: buyer.address });
    await acceptTransfer({ clients, account: buyer, address: ownership, device: device.id });
    const transfer = await until('the index to hold the transfer', async () => {
      const events = await indexGet(`/v1/index/events?contract=deviceOwnership&name=OwnershipTransferred&device=${device.id}`);
      return events.items[0];
    });
    const page = await newPage();
    await page.goto(stack.consoleUrl);
    await page.click('a[href="#/consents"]');
    const row = page.locator(`tr[data-consent="${granted.consentId}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-state'), 'void');
    const voided = row.locator(`[data-device="${device.id}"]`);
    assert.equal(await voided.getAttribute('data-voided-block'), String(transfer.blockNumber));
    assert.match(
      (await voided.textContent()) ?? '',
      new RegExp(`void since its transfer to ${buyer.address.slice(0, 8)}.* in block ${transfer.blockNumber}`),
    );
    assert.equal(await voided.locator(`code[title="${transfer.transactionHash}"]`).count(), 1, 'the transfer named by its transaction');
    await page.close();
  });

  it('the browser saw no Content-Security-Policy violation and no script error', () => {
    assert.deepEqual(problems, []);
  });
});
