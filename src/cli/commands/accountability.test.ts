import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { buildProgram } from '../main.js';
import { UsageError } from '../output.js';
import {
  hashFrom,
  parseAmountArg,
  parseDeadlineArg,
  parseHashArg,
  parseIdArg,
  parseTimeArg,
  parseUint64Arg,
} from './accountabilityCommon.js';

describe('pythia bond | share | canary | deletion', () => {
  it('are registered with their subcommands', () => {
    const program = buildProgram();
    const sub = (name: string) => program.commands.find((c) => c.name() === name)?.commands.map((c) => c.name());
    assert.deepEqual(sub('bond'), ['deposit', 'withdraw-request', 'withdraw', 'claim', 'show']);
    assert.deepEqual(sub('share'), ['log', 'list']);
    assert.deepEqual(sub('canary'), ['claim', 'list', 'show']);
    assert.deepEqual(sub('deletion'), ['request', 'ack', 'enforce', 'show']);
    for (const name of ['bond', 'share', 'canary', 'deletion']) {
      for (const command of program.commands.find((c) => c.name() === name)!.commands) {
        assert.ok(
          command.options.some((o) => o.long === '--json'),
          `${name} ${command.name()} has --json`,
        );
      }
    }
  });

  it('validate amounts, ids, hashes and times before any work', () => {
    assert.equal(parseAmountArg('1.5'), 1_500_000_000_000_000_000n);
    for (const bad of ['0', '-1', '1e3', 'abc', '0.0000000000000000001']) assert.throws(() => parseAmountArg(bad), InvalidArgumentError);
    assert.equal(parseIdArg('<id>')('42'), 42n);
    for (const bad of ['0', '-3', '1.5', 'x']) assert.throws(() => parseIdArg('<id>')(bad), InvalidArgumentError);
    assert.equal(parseUint64Arg('--sequence')('18446744073709551615'), (1n << 64n) - 1n);
    assert.throws(() => parseUint64Arg('--sequence')('18446744073709551616'), InvalidArgumentError);
    const hash = `0x${'ab'.repeat(32)}`;
    assert.equal(parseHashArg(hash.toUpperCase().replace('0X', '0x')), hash);
    assert.throws(() => parseHashArg(`0x${'00'.repeat(32)}`), /not be zero/);
    assert.throws(() => parseHashArg('0x1234'), /32 bytes/);
    assert.equal(parseTimeArg('1750000000'), 1_750_000_000n);
    assert.equal(parseTimeArg('2026-01-01T00:00:00Z'), 1_767_225_600n);
    assert.throws(() => parseTimeArg('yesterday'), InvalidArgumentError);
    const inAWeek = parseDeadlineArg('+7d');
    const now = BigInt(Math.floor(Date.now() / 1000));
    assert.ok(inAWeek >= now + 7n * 86_400n - 5n && inAWeek <= now + 7n * 86_400n + 5n);
    assert.ok(parseDeadlineArg('+2h') > now);
    assert.throws(() => parseDeadlineArg('2001-01-01T00:00:00Z'), /in the future/);
    assert.throws(() => parseDeadlineArg('+7w'), InvalidArgumentError);
  });

  it('take a hash or a file, never both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pythia-acc-'));
    const file = join(dir, 'evidence.txt');
    writeFileSync(file, 'abc');
    assert.equal(hashFrom(undefined, file, 'evidence'), '0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.throws(() => hashFrom(undefined, undefined, 'evidence'), UsageError);
    assert.throws(() => hashFrom(`0x${'ab'.repeat(32)}`, file, 'evidence'), /exactly one/);
    assert.throws(() => hashFrom(undefined, join(dir, 'missing'), 'evidence'), /cannot read/);
  });
});
