import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from './main.js';

/** Every command of the CLI with its full name ("device revoke"), groups and leaves alike. */
function walk(command: Command, prefix: string[] = []): Array<{ name: string; command: Command }> {
  return command.commands.flatMap((child) => {
    const path = [...prefix, child.name()];
    return [{ name: path.join(' '), command: child }, ...walk(child, path)];
  });
}

describe('the --help of every command', () => {
  it('says what the command does, for an operator: no issue numbers, no paths inside the source tree', async () => {
    const program = await buildProgram();
    const commands = walk(program);
    assert.ok(commands.length > 100, `${commands.length} commands`);
    const problems: string[] = [];
    for (const { name, command } of [{ name: 'pythia', command: program }, ...commands]) {
      if (command.description().trim() === '') problems.push(`${name}: no description`);
      for (const line of command.helpInformation().split('\n')) {
        if (/\(issue #|\bissue #\d|#\d+\)/i.test(line)) problems.push(`${name}: an issue number: ${line.trim()}`);
        if (/(^|[\s(`'"])(\.\/)?(src|node_modules|build)\//.test(line)) problems.push(`${name}: a path of the repository: ${line.trim()}`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
