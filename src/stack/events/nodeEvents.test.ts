import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Fastify from 'fastify';
import { eventLogPath, followEventLog } from './eventLog.js';
import { operatorEventJsonLine } from './formatOperatorEvent.js';
import { createNodeEvents } from './nodeEvents.js';
import type { OperatorEvent } from './operatorEvent.js';

const txHash = `0x${'cd'.repeat(32)}`;
const until = async (condition: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), what);
};

describe('createNodeEvents: the gateway log and refusals as event lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-node-events-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("turns the gateway's pino warnings and errors into events, counts refusals, holds back repeats, and writes its event log", async () => {
    const dataDir = join(dir, 'a');
    mkdirSync(dataDir);
    const told: OperatorEvent[] = [];
    const passed: string[] = [];
    const events = createNodeEvents({
      dataDir,
      onEvent: (e) => told.push(e),
      passLevel: 30,
      passThrough: (l) => passed.push(l),
    });
    // The gateway's own logger (fastify's pino), as startStack makes it.
    const app = Fastify({ logger: { level: 'info', stream: events.logStream } });
    await app.ready();
    const log = app.log;
    log.warn(
      { event: 'relayer_fee_bump', nonce: 3, from: txHash, txHash },
      'relayer: transaction stuck; signing it again with higher fees',
    );
    log.warn({ event: 'relayer_retry', err: 'connection refused', failures: 2 }, 'relayer: will retry');
    log.error({ err: new Error('disk full') }, 'reading queue: commit failed');
    log.warn({ event: 'rpc_failover', from: 'http://a', to: 'http://b', reason: 'timeout' }, 'gateway: RPC endpoint switched');
    // A per-request security line: counted through onRefusal, not told line by line.
    log.warn({ security: 'signature_refused', reason: 'bad_signature', channel: 'http' }, 'security: signature_refused');
    // A refused MQTT login has no other way in.
    log.warn({ security: 'login_refused', channel: 'mqtt', device: '0xabc' }, 'security: login_refused');
    // The same warning many times (a flood of one message): told once.
    for (let i = 0; i < 50; i++) log.warn({ topic: 'x' }, 'mqtt: message on a topic outside the scheme; dropped');
    log.info({ url: 'mqtt://127.0.0.1' }, 'mqtt: device channel up');
    log.debug('not asked for');
    events.onRefusal({ reason: 'bad_signature', channel: 'http', count: 5 });
    events.onRefusal({ reason: 'invalid_body', channel: 'mqtt', count: 1 });
    await until(() => told.length >= 8, JSON.stringify(told));
    events.stop();
    await app.close();

    const byEvent = (name: string) => told.filter((e) => e.event === name);
    const bump = byEvent('relayer_fee_bump')[0];
    assert.ok(bump && 'message' in bump);
    assert.equal(bump.level, 'info', 'routine relayer work is hidden by --quiet');
    assert.equal(bump.txHash, txHash);
    assert.deepEqual(bump.details, { nonce: 3, from: txHash });
    assert.equal(byEvent('relayer_retry')[0]?.level, 'info');
    const failure = byEvent('gateway_error')[0];
    assert.ok(failure && 'details' in failure);
    assert.equal(failure.level, 'error');
    assert.deepEqual(failure.details, { err: 'disk full' }, 'an Error as its message, no stack');
    assert.equal(byEvent('rpc_failover')[0]?.level, 'warn');
    const warnings = byEvent('gateway_warning');
    assert.equal(warnings.length, 1, 'a repeated warning is told once per interval');
    const refused = byEvent('refused').map((e) => e.event === 'refused' && [e.reason, e.count, e.security ?? null, e.level]);
    assert.deepEqual(refused, [
      ['login_refused', 1, 'login_refused', 'warn'],
      ['bad_signature', 5, 'signature_refused', 'warn'],
      ['invalid_body', 1, null, 'info'],
    ]);
    assert.equal(passed.length, 1, 'the info line is passed on as it is, the debug line is not');
    assert.equal(JSON.parse(passed[0]!).msg, 'mqtt: device channel up');
    // Everything told is in the event log, one JSON line each, 0600.
    assert.equal(statSync(eventLogPath(dataDir)).mode & 0o777, 0o600);
    const logged: OperatorEvent[] = [];
    followEventLog({ dataDir, sinceTime: 0, onEvent: (e) => logged.push(e) }).stop();
    assert.deepEqual(logged, told);
  });

  it('followEventLog tells new lines only (or since a time), skips torn and foreign lines, and follows a rotated log', async () => {
    const dataDir = join(dir, 'b');
    mkdirSync(dataDir);
    const event = (time: string, count: number): OperatorEvent => ({
      time,
      level: 'info',
      event: 'refused',
      reason: 'invalid_body',
      count,
      seconds: 5,
      channels: ['http'],
    });
    writeFileSync(eventLogPath(dataDir), `${operatorEventJsonLine(event('2026-12-07T00:00:00.000Z', 1))}\n`);
    const fromNow: OperatorEvent[] = [];
    const since: OperatorEvent[] = [];
    const a = followEventLog({ dataDir, onEvent: (e) => fromNow.push(e), pollIntervalMs: 10 });
    const b = followEventLog({
      dataDir,
      sinceTime: Date.parse('2026-12-07T00:00:00.000Z'),
      onEvent: (e) => since.push(e),
      pollIntervalMs: 10,
    });
    appendFileSync(eventLogPath(dataDir), `not json\n${operatorEventJsonLine(event('2026-12-07T00:00:01.000Z', 2))}\n{"level":30,"ti`);
    await until(() => fromNow.length === 1, 'the new line');
    appendFileSync(eventLogPath(dataDir), `me":1,"msg":"a foreign line"}\n`);
    // Rotation: the log starts again, shorter.
    writeFileSync(eventLogPath(dataDir), `${operatorEventJsonLine(event('2026-12-07T00:00:02.000Z', 3))}\n`);
    await until(() => fromNow.length === 2, 'the rotated log');
    a.stop();
    b.stop();
    assert.deepEqual(
      fromNow.map((e) => e.event === 'refused' && e.count),
      [2, 3],
    );
    assert.deepEqual(
      since.map((e) => e.event === 'refused' && e.count),
      [1, 2, 3],
    );
  });
});
