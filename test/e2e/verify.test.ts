import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createChainClients } from '../../src/chain/clients.js';
import { rotateDeviceKey } from '../../src/chain/deviceIdentity.js';
import { generateDeviceKey } from '../../src/sdk/index.js';
import { AIR_QUALITY_CLASS_ID, airQualityProfile } from '../../src/protocol/airQuality.js';
import { createAllAttacks, createCompromisedSensorAttack, type Attack, type AttackAction } from '../../src/simulator/attacks/index.js';
import { createFleet, type Fleet, type Sensor } from '../../src/simulator/fleet.js';
import { startTestChain, type TestChain } from '../../src/testing/testChain.js';
import { startTestGateway } from '../../src/testing/testGateway.js';
import { latestBlockNumber, newTestKey, patchFleetCode, signItem, submitBatch, typicalValues } from '../../src/verify/testKit.js';
import { runPythia } from './runPythia.js';
import { pythiaBin } from '../../src/testing/pythiaBin.js';

/**
 * `pythia verify` as an operator (or a smart meter's own node) runs it: after a run of the simulated
 * fleet and the paper's attacks through the real gateway on a real chain with one-second blocks
 * (batches, the council's changes and key rotations sharing blocks), it agrees with the contract on
 * every reading; it reports a discrepancy planted in the chain; and its exit codes say which is which.
 */
const passphrase = 'unused-by-verify';
let chain: TestChain;
let firstBlock: bigint;
const run = (...args: string[]) => runPythia(['verify', '--rpc', chain.rpcUrl, '--fleet', chain.fleetAddress, ...args], passphrase);

type Post = (body: unknown) => Promise<number>;

/** The fleet reports and the five attacks run for `seconds`; the council reinstates the compromised sensor once (it is then revoked), overrides one sensor's profile, and rotates another's key. */
async function runFleetWithAttacks(fleet: Fleet, post: Post, gatewayUrl: string, seconds: number): Promise<{ acknowledged: number }> {
  let acknowledged = 0;
  const send = async (body: unknown, count: number) => {
    if ((await post(body)) === 202) acknowledged += count;
  };
  const attacks: Array<{ attack: Attack; followedUp: boolean }> = createAllAttacks().map((attack) => ({ attack, followedUp: false }));
  for (const entry of attacks) entry.attack.start({ fleet });
  const compromised = fleet.sensors.find((s) => s.hijackedBy === 'compromised-sensor')!;
  const honest = fleet.sensors.filter((s) => s.hijackedBy === undefined);
  const [overridden, rotated] = [honest[0]!, honest[1]!];
  const clients = createChainClients({ chainId: chain.chainId, rpcUrl: chain.rpcUrl });
  let reinstated = false;
  let overrideState: 'none' | 'set' | 'cleared' = 'none';
  let keyRotated = false;
  const started = Date.now();
  const status = async (sensor: Sensor) =>
    ((await (await fetch(`${gatewayUrl}/v1/devices/${sensor.deviceId}`)).json()) as { status: string }).status;

  // Runs for `seconds`, then on (at most 90 s more, for a loaded machine) until the compromised
  // sensor's second offence has revoked it, so that every outcome kind is on chain.
  const revoked = async () => reinstated && (await status(compromised)) === 'revoked';
  while (Date.now() - started < seconds * 1000 || (!(await revoked()) && Date.now() - started < (seconds + 90) * 1000)) {
    const now = Date.now() / 1000;
    const readings = fleet.tick(now);
    if (readings.length > 0) await send({ readings }, readings.length);
    for (const entry of attacks) {
      if (!entry.attack.done) for (const action of entry.attack.step(now)) await send(action.body, count(action));
      else if (!entry.followedUp) {
        entry.followedUp = true;
        for (const action of entry.attack.followUp(now)) await send(action.body, count(action));
      }
    }
    const elapsed = (Date.now() - started) / 1000;
    if (!reinstated && (await status(compromised)) === 'suspended') {
      // The council reinstates it; it misbehaves again and the contract revokes it (suspensionsBeforeRevoke 2).
      reinstated = true;
      await chain.operatorWrite('reinstateDevice', [compromised.deviceId, 'inspected']);
      fleet.release(compromised);
      const again = createCompromisedSensorAttack({ index: compromised.index });
      again.start({ fleet });
      attacks.push({ attack: again, followedUp: true });
    }
    if (overrideState === 'none' && elapsed > seconds * 0.3) {
      overrideState = 'set';
      const strict = { ...airQualityProfile, maxValue: airQualityProfile.maxValue.map((v, i) => (i === 4 ? -3000 : v)) }; // below any temperature
      await chain.operatorWrite('setDeviceProfile', [overridden.deviceId, strict]);
    }
    if (overrideState === 'set' && elapsed > seconds * 0.6) {
      overrideState = 'cleared';
      await chain.operatorWrite('clearDeviceProfile', [overridden.deviceId]);
      if ((await status(overridden)) === 'suspended') await chain.operatorWrite('reinstateDevice', [overridden.deviceId, 'profile fixed']);
    }
    if (!keyRotated && elapsed > seconds * 0.5) {
      keyRotated = true;
      const newKey = generateDeviceKey();
      await rotateDeviceKey({
        clients,
        account: chain.operator,
        address: chain.identityAddress,
        device: rotated.deviceId,
        oldKey: rotated.key,
        newKey,
      });
      rotated.key = newKey;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(reinstated && overrideState === 'cleared' && keyRotated, 'every council action of the run happened');
  assert.ok(await revoked(), 'the compromised sensor was revoked on its second offence');
  // The two flags no attack raises: a sensor whose NO2 jumps (ExcessiveChange), then whose clock runs ahead (ClockSkew).
  const jumpy = honest[2]!;
  fleet.hijack('verify-test', jumpy.index);
  const now = Math.floor(Date.now() / 1000);
  const jump = [...(jumpy.lastValues ?? [100, 200, 300, 400, 2000, 5000])];
  jump[2] = Math.min(3900, jump[2]! + 2000);
  await send({ readings: [fleet.sign(jumpy, jump, now + 6), fleet.sign(jumpy, jumpy.lastValues ?? jump, now + 10_000)] }, 2);
  return { acknowledged };
}

const count = (action: AttackAction) => ('readings' in action.body ? action.body.readings.length : 1);

async function drained(gatewayUrl: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const health = (await (await fetch(`${gatewayUrl}/healthz`)).json()) as { pending: number };
    if (health.pending === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail('the gateway did not settle every acknowledged reading within 60 s');
}

describe('pythia verify after a fleet run through the gateway', { timeout: 600_000 }, () => {
  let acknowledged = 0;

  before(async () => {
    chain = await startTestChain({ blockTime: 1 });
    firstBlock = await latestBlockNumber(chain);
    const gateway = await startTestGateway(chain);
    try {
      const fleet = createFleet({
        devices: 10,
        seed: 'verify-e2e',
        domain: { chainId: chain.chainId, verifyingContract: chain.fleetAddress },
        interval: airQualityProfile.minInterval + 1,
        dayLengthSeconds: 120,
      });
      await chain.operatorWrite('registerDevices', [fleet.sensors.map((s) => s.key.publicKey), AIR_QUALITY_CLASS_ID]);
      const post: Post = async (body) =>
        (
          await fetch(`${gateway.url}/v1/readings`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).status;
      ({ acknowledged } = await runFleetWithAttacks(fleet, post, gateway.url, 30));
      await drained(gateway.url);
    } finally {
      await gateway.close();
    }
  });

  after(async () => {
    await chain?.stop();
  });

  it('agrees with the contract on every reading the gateway relayed: each flag, suspensions, the revocation, skips', async () => {
    const result = await run('--from', String(firstBlock), '--json');
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.version, 1);
    assert.equal(report.agreed, true);
    assert.equal(report.complete, true);
    assert.deepEqual(report.discrepancies, []);
    const { readings, responses, transactions } = report.counts;
    assert.ok(readings.checked >= acknowledged, `every acknowledged reading is in a verified batch: ${readings.checked} < ${acknowledged}`);
    assert.equal(readings.agreed, readings.checked);
    for (const reason of ['OutOfRange', 'ExcessiveChange', 'TooFrequent', 'PayloadSize', 'ClockSkew']) {
      assert.ok(readings.flaggedByReason[reason] > 0, `no ${reason} in ${JSON.stringify(readings.flaggedByReason)}`);
    }
    assert.ok(responses.suspended >= 3, `suspensions: ${responses.suspended}`);
    assert.equal(responses.revoked, 1);
    assert.ok(transactions.batches > 5, `batches: ${transactions.batches}`);
    assert.ok(transactions.otherFleetCalls >= 4, 'registrations, reinstatements and profile changes are counted, not verified');
    assert.ok(transactions.other >= 1, 'the key rotation went through the identity contract');
    assert.match(result.stderr, /verified blocks/, 'progress on stderr');

    const human = await run('--from', String(firstBlock));
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /AGREED: all \d+ readings/);
  });

  it('reports a discrepancy planted in the chain, with block, transaction, device, sequence, expected and recorded (exit 1)', async () => {
    const key = newTestKey();
    await chain.registerDevice(key.publicKey);
    const values = typicalValues.map((v, i) => (i === 2 ? 4500 : v)); // NO2 over the class maximum
    const restore = await patchFleetCode(chain, `0x7e${'01000000'.repeat(8).slice(0, 62)}`, `0x7e${'00'.repeat(31)}`);
    let planted: Awaited<ReturnType<typeof submitBatch>>;
    try {
      planted = await submitBatch(chain, [signItem(chain, key, { device: key.address, sequence: 1, timestamp: 1_700_000_000, values })]);
    } finally {
      await restore();
    }
    const { timestamp } = await chain.publicClient.getBlock({ blockNumber: planted.blockNumber });
    const result = await run('--from', String(firstBlock), '--json');
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.agreed, false);
    assert.deepEqual(report.discrepancies, [
      {
        kind: 'outcome',
        blockNumber: String(planted.blockNumber),
        transactionHash: planted.hash,
        index: 0,
        device: key.address,
        sequence: '1',
        expected: { status: 'flagged', reasons: ['OutOfRange'], metric: 2, value: 4500 },
        recorded: { status: 'accepted' },
        message: `reading 0 (${key.address} #1): expected flagged OutOfRange (metric 2, value 4500), the chain recorded accepted`,
      },
      {
        kind: 'state',
        blockNumber: String(planted.blockNumber),
        device: key.address,
        field: 'flags',
        expected: 1,
        recorded: 0,
        message: `after block ${planted.blockNumber}, ${key.address} flags: expected 1, the chain has 0`,
      },
      {
        kind: 'state',
        blockNumber: String(planted.blockNumber),
        device: key.address,
        field: 'flagsInWindow',
        expected: 1,
        recorded: 0,
        message: `after block ${planted.blockNumber}, ${key.address} flagsInWindow: expected 1, the chain has 0`,
      },
      {
        kind: 'state',
        blockNumber: String(planted.blockNumber),
        device: key.address,
        field: 'flagWindowStart',
        expected: String(timestamp),
        recorded: '0',
        message: `after block ${planted.blockNumber}, ${key.address} flagWindowStart: expected ${timestamp}, the chain has 0`,
      },
    ]);
    assert.match(result.stderr, /DISCREPANCY \[outcome\]/);
    const human = await run('--from', String(planted.blockNumber));
    assert.equal(human.code, 1);
    assert.match(human.stdout, /DISCREPANCY \[outcome\] block \d+ tx 0x[0-9a-f]{64}: reading 0/);
    assert.match(human.stdout, /DISCREPANCIES: 4/);
  });

  it('follows new blocks until interrupted, then prints its report', async () => {
    // From the first block after the earlier tests: the latest may still be the one they planted.
    const earlier = await latestBlockNumber(chain);
    while ((await latestBlockNumber(chain)) <= earlier) await new Promise((r) => setTimeout(r, 100));
    const child = spawn(
      process.execPath,
      [pythiaBin(), 'verify', '--rpc', chain.rpcUrl, '--fleet', chain.fleetAddress, '--follow', '--json', '--from', String(earlier + 1n)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const key = newTestKey();
    await chain.registerDevice(key.publicKey);
    const batch = await submitBatch(chain, [signItem(chain, key, { device: key.address, sequence: 1, timestamp: 1_700_000_000 })]);
    const deadline = Date.now() + 30_000;
    const reached = () => BigInt([...stderr.matchAll(/verified blocks \d+–(\d+)/g)].at(-1)?.[1] ?? -1);
    while (reached() < batch.blockNumber) {
      assert.ok(Date.now() < deadline, `the follower did not reach block ${batch.blockNumber}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout);
    assert.equal(report.complete, false);
    assert.equal(report.agreed, true);
    assert.equal(report.counts.readings.checked, 1);
    assert.ok(BigInt(report.toBlock) >= batch.blockNumber);
  });

  it('exits 2 on bad arguments and 3 when it cannot verify; --help says so', async () => {
    const help = await runPythia(['verify', '--help'], passphrase);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: pythia verify/);
    assert.match(help.stdout, /Exit codes: 0 everything agrees, 1 a discrepancy was found, 2 bad arguments, 3 could not verify/);
    for (const args of [
      ['--from', '10', '--to', '5'],
      ['--follow', '--to', '5'],
      ['--from', 'soon'],
      ['--confirmations', '-1'],
    ]) {
      const result = await run(...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    }
    const noNode = await runPythia(['verify', '--rpc', 'http://127.0.0.1:9', '--fleet', chain.fleetAddress], passphrase);
    assert.equal(noNode.code, 3, noNode.stderr);
    assert.match(noNode.stderr, /cannot reach the node/);
    const notAFleet = await runPythia(['verify', '--rpc', chain.rpcUrl, '--fleet', chain.identityAddress], passphrase);
    assert.equal(notAFleet.code, 3, notAFleet.stderr);
    assert.match(notAFleet.stderr, /not a Pythia fleet contract/);
    const noDeployment = await runPythia(['verify', '--data-dir', '/nonexistent-pythia-dir'], passphrase);
    assert.equal(noDeployment.code, 2, noDeployment.stderr);
  });
});
