import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { DatabaseUrlError, parseDatabaseUrl, redactDatabaseUrl, withDatabasePassword } from './databaseUrl.js';

const secret = 's3cr%40t-value';
const parse = (value: string, passwordAllowed = false) => parseDatabaseUrl({ name: '--database-url', value, passwordAllowed });

test('a PostgreSQL URL names a host (or a socket directory) and a database; the refusal says why and never shows a password', () => {
  assert.deepEqual(parse('postgres://pythia@db.example:5432/pythia?sslmode=verify-full'), {
    url: 'postgres://pythia@db.example:5432/pythia?sslmode=verify-full',
    redacted: 'postgres://pythia@db.example:5432/pythia?sslmode=verify-full',
    hasPassword: false,
  });
  assert.equal(parse('postgresql://pythia@localhost/pythia?host=/run/postgresql').hasPassword, false);
  const refusals: [string, RegExp][] = [
    [`postgres://pythia:${secret}@db/pythia`, /carries a password \(postgres:\/\/pythia:\*\*\*@db\/pythia\).*process list/],
    [`mysql://pythia:${secret}@db/pythia`, /must be a postgres:\/\/ or postgresql:\/\/ URL, got mysql:\/\/pythia:\*\*\*@db\/pythia/],
    ['postgres://pythia@db', /must name one database/],
    ['postgres://pythia@db/a/b', /must name one database/],
    ['postgres:///pythia', /names no host/],
    ['postgres://pythia@db/pythia?options=-c%20x', /unknown parameter options/],
    ['postgres://pythia@db/pythia?sslmode=maybe', /sslmode must be one of/],
    ['postgres://pythia@localhost/pythia?host=run/pg', /absolute path/],
    [`not a url ${secret}`, /is not a URL/],
  ];
  for (const [value, reason] of refusals) {
    assert.throws(
      () => parse(value),
      (error: Error) => error instanceof DatabaseUrlError && reason.test(error.message) && !error.message.includes('s3cr'),
      value,
    );
  }
  const fromEnvironment = parse(`postgres://pythia:${secret}@db/pythia`, true);
  assert.equal(fromEnvironment.hasPassword, true);
  assert.equal(fromEnvironment.redacted, 'postgres://pythia:***@db/pythia');
});

test('redaction and the password added to a URL', () => {
  assert.equal(redactDatabaseUrl('postgres://u:p@h/d'), 'postgres://u:***@h/d');
  assert.equal(redactDatabaseUrl('postgres://u@h/d'), 'postgres://u@h/d');
  assert.ok(!redactDatabaseUrl('::p@ss').includes('p@ss'));
  const url = withDatabasePassword('postgres://u@h/d?host=/tmp/x', 'a%b@c:d/e');
  assert.equal(decodeURIComponent(new URL(url).password), 'a%b@c:d/e');
});
