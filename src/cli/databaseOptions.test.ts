import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { DATABASE_PASSWORD_ENV, DATABASE_URL_ENV, resolveDatabaseOptions } from './databaseOptions.js';
import { UsageError } from './output.js';

const secret = 'pg-secret-7d2e';

afterEach(() => {
  delete process.env[DATABASE_URL_ENV];
  delete process.env[DATABASE_PASSWORD_ENV];
});

test('--database-url, else $PYTHIA_DATABASE_URL; the password from a 0600 file, the environment, or the environment URL, never argv', () => {
  assert.deepEqual(resolveDatabaseOptions({}), {}, 'no URL: SQLite in the data directory');
  assert.deepEqual(resolveDatabaseOptions({ databaseUrl: 'postgres://pythia@db/pythia' }), { databaseUrl: 'postgres://pythia@db/pythia' });
  assert.throws(
    () => resolveDatabaseOptions({ databaseUrl: `postgres://pythia:${secret}@db/pythia` }),
    (error: Error) =>
      error instanceof UsageError && error.exitCode === 2 && /process list/.test(error.message) && !error.message.includes(secret),
  );
  assert.throws(() => resolveDatabaseOptions({ databasePasswordFile: '/nonexistent' }), /give --database-url too/);

  process.env[DATABASE_URL_ENV] = `postgres://pythia:${secret}@db/pythia`;
  assert.deepEqual(resolveDatabaseOptions({}), { databaseUrl: `postgres://pythia:${secret}@db/pythia` });
  process.env[DATABASE_PASSWORD_ENV] = 'another';
  assert.throws(() => resolveDatabaseOptions({}), /carries a password and another is given/);
  assert.deepEqual(resolveDatabaseOptions({ databaseUrl: 'postgres://pythia@db/pythia' }), {
    databaseUrl: 'postgres://pythia@db/pythia',
    databasePassword: 'another',
  });

  const dir = mkdtempSync(join(tmpdir(), 'pythia-db-options-'));
  try {
    const file = join(dir, 'password');
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    assert.equal(
      resolveDatabaseOptions({ databaseUrl: 'postgres://pythia@db/pythia', databasePasswordFile: file }).databasePassword,
      secret,
    );
    const open = join(dir, 'open');
    writeFileSync(open, `${secret}\n`, { mode: 0o644 });
    assert.throws(() => resolveDatabaseOptions({ databaseUrl: 'postgres://pythia@db/pythia', databasePasswordFile: open }), /chmod 600/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
