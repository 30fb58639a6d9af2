import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildProgram } from '../main.js';
import { UsageError } from '../output.js';
import { hashFrom } from './accountabilityCommon.js';

describe('pythia bond | share | canary | deletion', () => {
  it('are registered with their subcommands', async () => {
    const program = await buildProgram();
    const sub = (name: string) => program.commands.find((c) => c.name() === name)?.commands.map((c) => c.name());
    assert.deepEqual(sub('bond'), ['deposit', 'withdraw-request', 'withdraw', 'claim', 'show']);
    assert.deepEqual(sub('share'), ['log', 'list']);
    assert.deepEqual(sub('canary'), ['claim', 'dispute', 'resolve', 'settle', 'list', 'show']);
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
