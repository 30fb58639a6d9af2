import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { pythiaBin } from '../testing/pythiaBin.js';
import { commandIndex, commandNameOf } from './commandIndex.js';
import { buildProgram } from './main.js';

describe('the command index (what `pythia --help` lists without loading the commands)', () => {
  it("gives each command the description of the command's own module", async () => {
    for (const entry of commandIndex) {
      const program = new Command('pythia');
      (await entry.load())(program);
      const command = program.commands.find((c) => c.name() === entry.name);
      assert.ok(command, `the module of ${entry.name} declares it`);
      assert.equal(entry.summary, command.description(), entry.name);
    }
  });

  it('lists every command of the CLI, once, in the order of the index', async () => {
    const names = (await buildProgram()).commands.map((c) => c.name());
    assert.deepEqual(
      names,
      commandIndex.map((e) => e.name),
    );
    assert.equal(new Set(names).size, names.length);
  });

  it('loads one command alone and lists the others by their summary', async () => {
    const program = await buildProgram('bond');
    const bond = program.commands.find((c) => c.name() === 'bond')!;
    assert.ok(bond.commands.some((c) => c.name() === 'deposit'));
    const device = program.commands.find((c) => c.name() === 'device')!;
    assert.deepEqual(device.commands, []);
    assert.equal(device.description(), commandIndex.find((e) => e.name === 'device')!.summary);
  });

  it('finds the command that the words run', () => {
    assert.equal(commandNameOf(['device', 'show', '0x12', '--json']), 'device');
    assert.equal(commandNameOf(['--help']), undefined);
    assert.equal(commandNameOf([]), undefined);
    assert.equal(commandNameOf(['help', 'consent']), 'consent');
    assert.equal(commandNameOf(['-h', 'feed']), 'feed');
  });
});

describe('the compiled CLI', () => {
  it('loads no library of the chain, the gateway or the database for `pythia --help`', () => {
    const main = join(dirname(pythiaBin()), '..', 'build', 'cli', 'main.js');
    const loaded = new Set<string>();
    const visit = (file: string) => {
      if (loaded.has(file)) return;
      loaded.add(file);
      const text = readFileSync(file, 'utf8');
      // Static imports only: `import(...)` is what loads a command when it runs.
      for (const [, specifier] of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"([^"]+)";/gms))
        if (specifier!.startsWith('.')) visit(join(dirname(file), specifier!));
        else assert.doesNotMatch(specifier!, /^(viem|fastify|better-sqlite3|aedes|mqtt|secp256k1)/, `${file} imports ${specifier}`);
      for (const [, path] of text.matchAll(/^\/\/ (node_modules\/[^\n]+)$/gm))
        assert.doesNotMatch(path!, /node_modules\/(viem|ox|@noble|fastify)\//, `${file} holds ${path}`);
    };
    visit(main);
    assert.ok(loaded.size >= 1);
  });

  it("loads neither the gateway's server, the database nor the MQTT libraries for a command's --help", () => {
    const dir = join(dirname(pythiaBin()), '..', 'build', 'cli');
    const chunks = [...readFileSync(join(dir, 'main.js'), 'utf8').matchAll(/import\("\.\/([^"]+)"\)/g)].map(([, file]) => file!);
    assert.ok(chunks.length >= 20, `${chunks.length} command chunks`);
    for (const chunk of new Set(chunks)) {
      const loaded = new Set<string>();
      const visit = (file: string) => {
        if (loaded.has(file)) return;
        loaded.add(file);
        const text = readFileSync(file, 'utf8');
        // Static imports (with bindings or for their side effects) load with the module; `import(...)` waits for the action.
        for (const [, specifier] of text.matchAll(/^(?:(?:import|export)\s[^;]*?from\s*|import\s*)"([^"]+)";/gms))
          if (specifier!.startsWith('.')) visit(join(dirname(file), specifier!));
          else
            assert.doesNotMatch(
              specifier!,
              /^(fastify|@fastify\/|better-sqlite3|aedes|mqtt)/,
              `${chunk} loads ${specifier} before its action runs (via ${file})`,
            );
      };
      visit(join(dir, chunk));
    }
  });
});
