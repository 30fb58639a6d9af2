import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createGatewayPublicClient, startGateway, type RunningGateway } from '../../src/gateway/server.js';
import { ipcRequest } from '../../src/network/index.js';
import { encodeMetrics } from '../../src/protocol/payload.js';
import { generateDeviceKey, signReading, type SignedReading } from '../../src/sdk/index.js';
import { auditReadings, ReadingLedger } from '../../src/testing/crash/index.js';
import { logLines } from '../../src/testing/logLines.js';
import { registerAirQualityDevices, startDeployedNetwork, type DeployedNetwork } from '../../src/testing/deployedNetwork.js';
import { blockNumberOf, sleep, waitFor } from './networkKit.js';

/**
 * Issue #11: the validator the gateway uses is cut off from its peers (admin_removePeer on every
 * side, over the validators' IPC sockets) while it keeps answering. Its head stops; the other two
 * validators, a majority of three, go on sealing. The gateway must notice that the node it uses
 * lags (no error, no timeout tells it), move to a node that keeps up, and get every reading final
 * there, each on chain exactly once. A block every second.
 */
type Health = { relayer: { rpcUrl: string; rpcSwitches: Record<string, number>; finality: { blockPeriodMs?: number } | null } };

describe('a gateway on a validator cut off from its peers', { timeout: 300_000 }, () => {
  it('moves to a node that keeps up (its head stood still), and the readings go final there, each once', async () => {
    let network: DeployedNetwork | undefined;
    let gateway: RunningGateway | undefined;
    try {
      network = await startDeployedNetwork({ validators: 3, period: 1 });
      const device = generateDeviceKey();
      await registerAirQualityDevices(network, [device]);
      const [isolated, ...peers] = network.rpcUrls as [string, ...string[]];
      const log = logLines();
      gateway = await startGateway({
        rpcUrls: network.rpcUrls,
        chainId: network.chainId,
        fleetAddress: network.fleetAddress,
        relayerAccount: network.relayer,
        dbPath: join(network.workDir, 'gateway.sqlite'),
        port: 0,
        batchIntervalMs: 50,
        relayerTiming: { monitorIntervalMs: 200, repairIntervalMs: 500 },
        logger: { level: 'warn', stream: log.stream },
      });
      const url = gateway.url;
      const health = async () => (await (await fetch(`${url}/healthz`)).json()) as Health;
      const ledger = new ReadingLedger();
      const domain = { chainId: network.chainId, verifyingContract: network.fleetAddress };
      const t0 = Math.floor(Date.now() / 1000) - 100_000;
      const post = async (from: number, to: number) => {
        const readings: SignedReading[] = [];
        for (let s = from; s <= to; s++) {
          const payload = encodeMetrics([120, 250, 300, 450, 2150, 5500]);
          readings.push(signReading({ key: device, domain, sequence: s, timestamp: t0 + 10 * s, payload }));
        }
        for (const reading of readings) ledger.signed(reading);
        const response = await fetch(`${url}/v1/readings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ readings }),
        });
        assert.equal(response.status, 202, await response.clone().text());
        ledger.acknowledge(readings);
      };
      const { queue } = gateway.app.pythia;
      const allFinal = (last: number) =>
        waitFor(
          `readings 1..${last} final`,
          async () => {
            for (let s = 1; s <= last; s++) if (queue.reading(device.deviceId, BigInt(s))?.finality !== 'final') return undefined;
            return true;
          },
          90_000,
        );

      await post(1, 10);
      await allFinal(10);
      const before = await health();
      assert.equal(before.relayer.rpcUrl, isolated);
      const period = before.relayer.finality?.blockPeriodMs;
      assert.ok(period !== undefined && period >= 1000 && period <= 2000, `the block period is measured (${period} ms)`);

      // Cut validator 1 off: it forgets its peers and they forget it (admin_removePeer drops the
      // static entry too, so nobody dials again). A dial under way while the entries go can still
      // connect: the removals are repeated until validator 1 has had no peer for 2 s.
      const enodeOf = async (ipcPath: string) => (await ipcRequest<{ enode: string }>(ipcPath, 'admin_nodeInfo')).enode;
      const isolatedEnode = await enodeOf(isolated);
      const peerEnodes = await Promise.all(peers.map(enodeOf));
      const cutAt = Date.now();
      const peerCount = async () => (await ipcRequest<unknown[]>(isolated, 'admin_peers')).length;
      await waitFor(
        'validator 1 without peers for 2 s',
        async () => {
          for (const [i, peer] of peers.entries()) {
            await ipcRequest(isolated, 'admin_removePeer', [peerEnodes[i]]);
            await ipcRequest(peer, 'admin_removePeer', [isolatedEnode]);
          }
          for (let look = 0; look < 10; look++) {
            if ((await peerCount()) > 0) return undefined;
            await sleep(200);
          }
          return true;
        },
        20_000,
        0,
      );
      const isolatedHead = await blockNumberOf(isolated);

      await post(11, 40);
      await allFinal(40);
      const finalAfterMs = Date.now() - cutAt;
      const after = await health();
      assert.notEqual(after.relayer.rpcUrl, isolated, 'the gateway left the node that lags');
      assert.ok(peers.includes(after.relayer.rpcUrl));
      assert.equal(after.relayer.rpcSwitches.unreachable, 0, 'the node never stopped answering');
      assert.ok(
        (after.relayer.rpcSwitches.stalled ?? 0) + (after.relayer.rpcSwitches.behind ?? 0) >= 1,
        JSON.stringify(after.relayer.rpcSwitches),
      );
      const switched = log.lines.filter((line) => line.event === 'rpc_failover');
      assert.ok(switched.length >= 1);
      assert.equal(switched[0]!.from, isolated);
      assert.ok(['stalled', 'behind'].includes(switched[0]!.cause as string), JSON.stringify(switched[0]));
      assert.equal(typeof switched[0]!.reason, 'string');

      // Validator 1 stayed cut off all along (at most the one block it may seal alone), the others went on.
      const [stuck, moved] = await Promise.all([blockNumberOf(isolated), blockNumberOf(after.relayer.rpcUrl)]);
      assert.ok(stuck <= isolatedHead + 1, `validator 1 stayed at ${isolatedHead} (+1): ${stuck}`);
      assert.ok(moved > stuck, `the others sealed on: ${moved} > ${stuck}`);
      const switchedAfterMs = (switched[0]!.time as number) - cutAt;

      const audit = await auditReadings({
        client: createGatewayPublicClient(after.relayer.rpcUrl, network.chainId),
        fleetAddress: network.fleetAddress,
        ledger,
      });
      assert.deepEqual(
        { lost: audit.lost, duplicated: audit.duplicated, unexpected: audit.unexpected, skipped: audit.skipped },
        { lost: [], duplicated: [], unexpected: [], skipped: {} },
      );
      assert.equal(audit.onChainOnce, 40);
      process.stdout.write(
        `lagging node: switched (${switched[0]!.cause}: ${switched[0]!.reason}) ${switchedAfterMs} ms after the cut, 30 readings final ${finalAfterMs} ms after it; heads ${stuck} (cut off at ${isolatedHead}) and ${moved}; period ${period} ms\n`,
      );
    } finally {
      await gateway?.close().catch(() => undefined);
      await network?.stop();
    }
  });
});
