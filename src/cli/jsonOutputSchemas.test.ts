import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { documentedCommandOf, jsonOutputError, jsonOutputMarkdown, jsonOutputSchemas } from './jsonOutputSchemas.js';
import { buildProgram } from './main.js';
import { pythiaBin } from '../testing/pythiaBin.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const program = await buildProgram();

/** Every command of the CLI with a --json option, by its words (`device show`). */
function commandsWithJson(): Map<string, Command> {
  const found = new Map<string, Command>();
  const visit = (command: Command, path: string[]) => {
    for (const sub of command.commands) {
      const words = [...path, sub.name()];
      if (sub.options.some((o) => o.long === '--json')) found.set(words.join(' '), sub);
      visit(sub, words);
    }
  };
  visit(program, []);
  return found;
}

/** The commands the end-to-end tests read --json from (`json(['device', 'owner', ...])` or `[..., '--json']`). */
function commandsReadByEndToEndTests(): Set<string> {
  const known = [...commandsWithJson().keys()];
  const found = new Set<string>();
  for (const file of readdirSync(join(root, 'test/e2e')).filter((f) => f.endsWith('.test.ts'))) {
    const text = readFileSync(join(root, 'test/e2e', file), 'utf8');
    const calls = [
      ...[...text.matchAll(/\bjson\(\[\s*((?:'[a-z-]+',\s*)*'[a-z-]+')/g)].map((m) => m[1]!),
      ...[...text.matchAll(/\[\s*((?:'[a-z-]+',\s*)+)[^\]]*'--json'/g)].map((m) => m[1]!),
      ...[...text.matchAll(/at\(\s*((?:'[a-z-]+',\s*)+)[^)]*'--json'/g)].map((m) => m[1]!),
    ];
    for (const call of calls) {
      const words = [...call.matchAll(/'([a-z-]+)'/g)].map((m) => m[1]!);
      for (let n = Math.min(3, words.length); n > 0; n--) {
        const key = words.slice(0, n).join(' ');
        if (known.includes(key)) {
          found.add(key);
          break;
        }
      }
    }
  }
  return found;
}

describe('the --json outputs (docs/cli.md)', () => {
  it('docs/cli.md is the schema table (run `npm run docs:abi` after changing it)', () => {
    assert.equal(readFileSync(join(root, 'docs/cli.md'), 'utf8'), jsonOutputMarkdown());
  });

  it('documents only commands that exist and take --json, and each schema compiles', () => {
    const commands = commandsWithJson();
    for (const key of Object.keys(jsonOutputSchemas)) {
      assert.ok(commands.has(key), `pythia ${key} exists and has --json`);
      assert.equal(documentedCommandOf([...key.split(' '), '0xabc', '--json']), key);
      assert.doesNotThrow(() => jsonOutputError(key, null), key);
    }
  });

  it('a real `pythia device keygen --json` validates, and a changed output does not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pythia-cli-json-'));
    try {
      const run = spawnSync(
        process.execPath,
        [
          pythiaBin(),
          'device',
          'keygen',
          '--key-file',
          join(dir, 'k.json'),
          '--request-out',
          join(dir, 'r.json'),
          '--class',
          '1',
          '--json',
        ],
        { env: { ...process.env, PYTHIA_DEVICE_PASSPHRASE: 'cli json test passphrase' }, encoding: 'utf8' },
      );
      assert.equal(run.status, 0, run.stderr);
      const output = JSON.parse(run.stdout);
      assert.equal(jsonOutputError('device keygen', output), undefined);
      assert.match(jsonOutputError('device keygen', { ...output, extra: 1 }) ?? '', /must NOT have additional properties \(extra\)/);
      assert.match(jsonOutputError('device keygen', { ...output, device: 'not an address' }) ?? '', /\/device must match pattern/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const readByTests = commandsReadByEndToEndTests();
  const undocumented = [...readByTests].filter((c) => !Object.hasOwn(jsonOutputSchemas, c)).sort();
  it('the end-to-end tests read the --json output of commands found here', () =>
    assert.ok(readByTests.size >= 20, [...readByTests].join(', ')));
  it('every command whose --json the end-to-end tests read has a schema', () => assert.deepEqual(undocumented, []));
});
