import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createChainClients } from '../../src/chain/clients.js';
import { readFleetEvents } from '../../src/chain/fleetEvents.js';
import { readConsent } from '../../src/chain/consent/index.js';
import { readOwnership } from '../../src/chain/deviceOwnership.js';
import { readFirmwareState } from '../../src/chain/firmware/index.js';
import { readDeviceView } from '../../src/chain/readDevice.js';
import type { DemoSummary } from '../../src/demo/runDemo.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { pythiaBin } from '../../src/testing/pythiaBin.js';
import { assertDocumentedJson, runPythia } from './runPythia.js';

const passphrase = 'e2e-test-passphrase-not-a-secret';

const pythia = (args: string[], dataDir: string) => runPythia([...args, '--data-dir', dataDir], passphrase);

describe('the demonstration on a real Anvil', { timeout: 600_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pythia-e2e-'));
  let summary: DemoSummary;
  let stack: Stack | undefined;
  /** `pythia demo --json` as a user runs it, the console open: still running after its summary. */
  let demo: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';
  /** The timeline lines it printed on stderr. */
  let timelineText = '';

  before(async () => {
    demo = spawn(
      process.execPath,
      [pythiaBin(), 'demo', '--duration', '45', '--devices', '6', '--seed', '7', '--data-dir', dataDir, '--json'],
      { env: { ...process.env, PYTHIA_PASSPHRASE: passphrase }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    demo.stdout!.on('data', (chunk) => (stdout += chunk));
    demo.stderr!.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => demo!.once('exit', resolve));
    const serving = new Promise<void>((resolve) => {
      const check = () => /The council console keeps serving/.test(stderr) && resolve();
      demo!.stderr!.on('data', check);
    });
    const code = await Promise.race([serving.then(() => 'serving' as const), exited]);
    assert.equal(code, 'serving', `the demo ended (${code}) instead of serving its console:\n${stderr}`);
    summary = JSON.parse(stdout);
    timelineText = stderr
      .split('\n')
      .filter((line) => /^\s*\d+\.\ds {2}/.test(line))
      .join('\n');
  });
  after(async () => {
    if (demo?.exitCode === null) demo.kill('SIGKILL');
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the console address early, keeps serving it after the summary, and stops cleanly (exit 0) on SIGINT', async () => {
    const early = stderr.indexOf('/console/#token=');
    assert.ok(early >= 0 && early < stderr.indexOf('running for 45 s'), 'the address comes before the run');
    const url = new URL(summary.consoleUrl);
    const token = url.hash.replace('#token=', '');
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.equal((await fetch(new URL('/console/', url))).status, 200, 'the console page');
    const index = (path: string, auth = token) => fetch(new URL(path, url), { headers: { authorization: `Bearer ${auth}` } });
    assert.equal((await index('/v1/index/status', '0'.repeat(64))).status, 401, 'a wrong token is refused');
    // What the console's timeline shows of the second act, from the index.
    const names = ['ReleasePublished', 'FirmwareInstalled', 'OwnershipTransferred', 'OwnerAcknowledged', 'LeakAttributed'];
    type Events = { items: { name: string; args: Record<string, string> }[] };
    let events: Events = { items: [] };
    // The index takes a block once it is final (saved to disk): the last of the act within a second or two.
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      events = (await (await index(`/v1/index/events?name=${names.join(',')}&limit=50`)).json()) as Events;
      if (names.every((name) => events.items.some((e) => e.name === name))) break;
    }
    for (const name of names)
      assert.ok(
        events.items.some((e) => e.name === name),
        `the index holds ${name}`,
      );
    const transfer = events.items.find((e) => e.name === 'OwnershipTransferred')!;
    assert.equal(transfer.args.newOwner, summary.pythiaAct!.newOwner);

    const exited = new Promise<number | null>((resolve) => demo!.once('exit', resolve));
    demo!.kill('SIGINT');
    assert.equal(await exited, 0, stderr.slice(-2000));
    assert.match(stderr, /SIGINT: stopping/);
    await assert.rejects(fetch(new URL('/console/', url)), 'the node stopped with it');
  });

  it('stops every attack the way the paper describes, with nothing unexpected', () => {
    assert.deepEqual(summary.unexpected, []);
    for (const attack of summary.attacks) assert.ok(attack.observed, `${attack.name} was not observed`);
    const refused = summary.readings.rejectedAtGatewayByReason;
    for (const reason of ['payload_too_large', 'replayed_sequence', 'bad_signature', 'unknown_device', 'device_suspended']) {
      assert.ok((refused[reason] ?? 0) > 0, `no ${reason} refusal in ${JSON.stringify(refused)}`);
    }
    const flagged = summary.readings.flaggedByReason;
    for (const reason of ['OutOfRange', 'TooFrequent', 'PayloadSize']) assert.ok((flagged[reason] ?? 0) > 0, `no ${reason} flag`);
    assert.ok(summary.readings.accepted > 20, `only ${summary.readings.accepted} readings accepted`);
    assert.equal(
      summary.readings.acknowledged,
      summary.readings.accepted + summary.readings.flagged + summary.readings.skippedOnChain,
      'every acknowledged reading ends on chain as accepted, flagged or skipped',
    );
  });

  it('prints with --json the summary docs/cli.md documents', () => {
    const printed = assertDocumentedJson(['demo', '--json'], JSON.parse(stdout));
    assert.ok(printed.devicesRevoked.length > 0, 'the schema met a revoked device');
  });

  it('compares every reading it sent, one by one, with what the gateway and the chain recorded, and finds each as expected', () => {
    const o = summary.outcomes;
    assert.deepEqual(o.mismatches, []);
    assert.equal(o.submissions, summary.readings.sentToGateway, 'every reading sent is compared');
    assert.equal(o.matched, o.submissions);
    for (const k of o.byKind) assert.equal(k.recorded, k.expected, k.kind);
    const recorded = (prefix: string) => o.byKind.filter((k) => k.kind.startsWith(prefix)).reduce((n, k) => n + k.recorded, 0);
    assert.equal(recorded('accepted'), summary.readings.accepted, 'as many accepted as ReadingAccepted events');
    assert.equal(recorded('flagged'), summary.readings.flagged, 'as many flagged as ReadingFlagged events');
    assert.equal(recorded('refused'), summary.readings.rejectedAtGateway);
    assert.ok(recorded('flagged OutOfRange') > 0 && recorded('refused replayed_sequence') > 0, JSON.stringify(o.byKind));
  });

  it("shares one sensor's data under consent: only the consented streams, logged on chain, refused once revoked", () => {
    const shared = summary.dataSharing;
    assert.ok(shared, 'the data-sharing phase ran');
    assert.ok(shared.readingsDelivered > 0, 'the lab received readings');
    assert.deepEqual(shared.streams, ['pm25', 'no2']);
    assert.deepEqual(shared.deliveredStreams, ['pm25', 'no2'], 'the lab received those two streams and nothing else');
    assert.equal(shared.loggedOnChain, true, 'the delivery hash is in AccessLog.DeliveryLogged');
    assert.equal(shared.refusedAfterRevocation, 'consent_revoked');
    assert.match(timelineText, /council grants the university lab consent/);
    assert.match(timelineText, /council revokes consent/);
  });

  it('shows that nobody loses a bond without having agreed: terms accepted, a leak claimed, disputed and resolved', () => {
    const act = summary.accountability;
    assert.ok(act, 'the accountability act ran');
    assert.deepEqual(
      act.steps.map((s) => s.step),
      [
        'terms after the grant',
        'a canary given to the firm, committed on chain',
        'leak claimed before the firm accepted the terms',
        'the firm accepts the terms',
        'leak claimed under accepted terms',
        'the firm disputes the claim',
        'the arbiter upholds the claim',
        'the firm’s bond',
      ],
    );
    assert.deepEqual(act.mismatches, [], JSON.stringify(act.steps));
    assert.equal(act.steps[2]!.recorded, 'refused TermsNotAccepted', 'no penalty before acceptance');
    assert.equal(BigInt(act.bondBeforeWei) - BigInt(act.bondAfterWei), BigInt(act.penaltyWei), 'exactly the accepted penalty');
    assert.ok(BigInt(act.penaltyWei) > 0n);
    assert.match(timelineText, /the firm accepts the terms of consent/);
    assert.match(timelineText, /arbiter upholds the claim/);
  });

  it("plays the Pythia paper's second act: signed answers checked, a release published, approved and installed, a sale that voids the old owner's consent", () => {
    const act = summary.pythiaAct;
    assert.ok(act, 'the second act ran');
    assert.deepEqual(
      act.steps.map((s) => s.step),
      [
        'the sensor checks its Pythia’s signed answer',
        'a tampered copy of the answer',
        'the sensor acknowledges its owner on chain',
        'the sensor asks before the owner approved',
        'the sensor checks the image against the signed answer',
        'the firmware the chain says the sensor runs',
        'the weather service reads under the consent',
        'the sensor’s owner on chain',
        'the weather service asks again',
        'the sensor asks its Pythia about the old consent',
        'the consent on chain',
        'the sensor acknowledges its new owner',
      ],
    );
    assert.deepEqual(act.mismatches, [], JSON.stringify(act.steps));
    const recorded = Object.fromEntries(act.steps.map((s) => [s.step, s.recorded]));
    assert.equal(recorded['a tampered copy of the answer'], 'refused bad_signature');
    assert.equal(recorded['the weather service asks again'], 'refused ownership_changed');
    assert.equal(recorded['the sensor asks its Pythia about the old consent'], 'not permitted: ownership-changed');
    assert.match(timelineText, /DEVICE +.* asks its Pythia who owns it: signed answer/);
    assert.match(timelineText, /the manufacturer publishes firmware 1 .* signed by 2 of its 3 release keys/);
    assert.match(timelineText, /council sells .* to a household/);
    assert.match(stderr, /The council console keeps serving/);
  });

  it('leaves the verdicts on chain: the compromised sensor revoked, the flooder and the oversized sender suspended, the sold sensor’s firmware, owner and dead consent', async () => {
    stack = await startStack({ dataDir, passphrase, chain: 'anvil', gatewayPort: 0 });
    assert.equal(stack.deployed, false, 'a restart finds the deployment instead of deploying again');
    const clients = createChainClients(stack.deployment);
    const context = { publicClient: clients.publicClient, deployment: stack.deployment };
    const byName = Object.fromEntries(summary.attacks.map((a) => [a.name, a.devices]));

    const compromised = await readDeviceView(context, byName['compromised-sensor']![0]!);
    assert.equal(compromised.status, 'revoked');
    assert.ok(compromised.flags >= 4);
    assert.equal((await readDeviceView(context, byName['flooder']![0]!)).status, 'suspended');
    assert.equal((await readDeviceView(context, byName['oversized-payload']![0]!)).status, 'suspended');
    assert.equal((await readDeviceView(context, byName['replay']![0]!)).status, 'active', 'the replay victim is unharmed');

    const events = await readFleetEvents(
      clients.publicClient,
      stack.deployment.contracts.fleet,
      BigInt(stack.deployment.deploymentBlock),
      await clients.publicClient.getBlockNumber({ cacheTime: 0 }),
    );
    const revocation = events.find((e) => e.kind === 'status' && e.current === 'revoked');
    assert.ok(revocation && revocation.kind === 'status');
    assert.equal(revocation.by.toLowerCase(), stack.deployment.contracts.fleet.toLowerCase(), 'the contract revoked it by itself');
    assert.equal(revocation.transactionHash, summary.devicesRevoked[0]!.transactionHash);
    assert.equal(events.filter((e) => e.kind === 'flagged').length, summary.readings.flagged);

    // The second act's outcomes, read from the chain.
    const act = summary.pythiaAct!;
    const { firmwareRegistry, deviceOwnership, consentRegistry } = stack.deployment.contracts;
    const firmware = await readFirmwareState({ publicClient: clients.publicClient, registry: firmwareRegistry!, device: act.device });
    assert.equal(firmware.installedSequence, BigInt(act.firmware.sequence), 'the sensor runs the release it checked');
    const owner = await readOwnership({ publicClient: clients.publicClient, ownership: deviceOwnership! }, act.device);
    assert.equal(owner.owner, act.newOwner);
    assert.equal(owner.acknowledged, true, 'the sensor acknowledged the household');
    const consent = await readConsent({ publicClient: clients.publicClient, registry: consentRegistry!, consentId: BigInt(act.consentId) });
    assert.equal(consent.status, 'ownership-changed', "the council's consent died with the sale");
  });

  it('answers for the same chain through the CLI, and refuses to revive a revoked device', async () => {
    assert.ok(stack, 'the previous test starts the stack');
    const compromised = summary.attacks.find((a) => a.name === 'compromised-sensor')!.devices[0]!;
    const show = await pythia(['device', 'show', compromised, '--json'], dataDir);
    assert.equal(show.code, 0, show.stderr);
    assert.equal(JSON.parse(show.stdout).status, 'revoked');

    const reinstate = await pythia(['device', 'reinstate', compromised, '--reason', 'try to revive'], dataDir);
    assert.equal(reinstate.code, 1);
    assert.match(reinstate.stderr, /InvalidStatusTransition/);

    const list = await pythia(['device', 'list', '--status', 'suspended', '--json'], dataDir);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(JSON.parse(list.stdout).length, 2);
  });

  it('runs again on the kept data dir with a fresh fleet: the first run’s sensors keep their verdicts', async () => {
    assert.equal(summary.seed, 7);
    await stack?.stop();
    stack = undefined;
    const again = await runPythia(
      ['demo', '--duration', '45', '--devices', '6', '--seed', '7', '--no-console', '--data-dir', dataDir, '--json'],
      passphrase,
    );
    assert.equal(again.code, 0, again.stderr);
    const second = JSON.parse(again.stdout) as DemoSummary;
    assert.deepEqual(second.unexpected, []);
    assert.equal(second.seed, 8, 'seed 7’s sensors are on the chain already');
    assert.match(again.stderr, /already holds the sensors of seed 7 .*seed 8/);
    assert.equal(second.fleetAddress, summary.fleetAddress, 'the same chain and contracts');
    const firstDevices = new Set(summary.attacks.flatMap((a) => a.devices));
    const onFleetSensors = ['compromised-sensor', 'flooder', 'oversized-payload', 'replay'];
    for (const attack of second.attacks) {
      assert.ok(attack.observed, `${attack.name} stopped again`);
      if (!onFleetSensors.includes(attack.name)) continue; // the impersonator's key is no sensor's
      for (const device of attack.devices) assert.ok(!firstDevices.has(device), `${attack.name} on a new sensor`);
    }
    assert.equal(second.devicesRevoked.length, 1, 'the second fleet’s compromised sensor');
    stack = await startStack({ dataDir, passphrase, chain: 'anvil', gatewayPort: 0 });
    const context = { publicClient: createChainClients(stack.deployment).publicClient, deployment: stack.deployment };
    for (const run of [summary, second]) {
      const compromised = run.attacks.find((a) => a.name === 'compromised-sensor')!.devices[0]!;
      assert.equal((await readDeviceView(context, compromised)).status, 'revoked', `seed ${run.seed}’s compromised sensor`);
    }
  });
});
