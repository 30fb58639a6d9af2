import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConsoleTokenError, consoleTokenPath, loadOrCreateConsoleToken } from './consoleToken.js';

test('the console token is made once (0600, 32 random bytes) and read again; a readable or foreign file is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-console-token-'));
  try {
    const token = loadOrCreateConsoleToken(dir);
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.equal(statSync(consoleTokenPath(dir)).mode & 0o777, 0o600);
    assert.equal(loadOrCreateConsoleToken(dir), token, 'the same token on the next start');
    assert.notEqual(loadOrCreateConsoleToken(mkdtempSync(join(dir, 'other-'))), token, 'another directory, another token');
    chmodSync(consoleTokenPath(dir), 0o644);
    assert.throws(() => loadOrCreateConsoleToken(dir), ConsoleTokenError);
    writeFileSync(consoleTokenPath(dir), 'password\n', { mode: 0o600 });
    chmodSync(consoleTokenPath(dir), 0o600);
    assert.throws(() => loadOrCreateConsoleToken(dir), /does not hold a console token/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
