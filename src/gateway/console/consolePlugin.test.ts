import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Fastify from 'fastify';
import { errorResponseJsonSchema, installErrorHandling } from '../core/httpErrors.js';
import { CONSOLE_CONTENT_SECURITY_POLICY, consolePlugin } from './consolePlugin.js';

const scratch = mkdtempSync(join(tmpdir(), 'pythia-console-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function serving(directory: string) {
  const app = Fastify({ ajv: { customOptions: { coerceTypes: false, removeAdditional: false } } });
  installErrorHandling(app);
  app.addSchema(errorResponseJsonSchema);
  await app.register(consolePlugin, { directory });
  return app;
}

test('serves the built page, script and style with a strict Content-Security-Policy, and nothing else', async () => {
  const built = join(scratch, 'built');
  rmSync(built, { recursive: true, force: true });
  mkdirSync(built);
  writeFileSync(join(built, 'index.html'), '<!doctype html><script type="module" src="app.js"></script>');
  writeFileSync(join(built, 'app.js'), 'console.log(1)');
  writeFileSync(join(built, 'app.css'), 'body{}');
  writeFileSync(join(built, 'notes.md'), 'not a console file');
  const app = await serving(built);
  const page = await app.inject('/console/');
  assert.equal(page.statusCode, 200);
  assert.match(page.headers['content-type'] as string, /^text\/html/);
  assert.equal(page.headers['content-security-policy'], CONSOLE_CONTENT_SECURITY_POLICY);
  assert.match(CONSOLE_CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/, 'no inline script, no other origin');
  assert.doesNotMatch(CONSOLE_CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|https?:/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  const script = await app.inject('/console/app.js');
  assert.deepEqual(
    [script.statusCode, script.headers['content-type'], script.body],
    [200, 'text/javascript; charset=utf-8', 'console.log(1)'],
  );
  assert.equal((await app.inject('/console/app.css')).headers['content-type'], 'text/css; charset=utf-8');
  assert.equal((await app.inject('/console')).headers.location, '/console/');
  for (const url of ['/console/notes.md', '/console/nope.js', '/console/..%2Fpackage.json', '/console/.hidden']) {
    const refused = await app.inject(url);
    assert.ok([400, 404].includes(refused.statusCode), `${url}: ${refused.statusCode}`);
  }
  await app.close();
});

test('a console that was not built is a clear 404 that says how to build it, not a crash', async () => {
  const app = await serving(join(scratch, 'never-built'));
  const page = await app.inject('/console/');
  assert.equal(page.statusCode, 404);
  assert.match(page.json().message, /the console was not built .*npm run build/);
  await app.close();
});
