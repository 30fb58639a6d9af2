import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { runPythia } from './runPythia.js';

const passphrase = 'policy-test-passphrase-not-a-secret';
const pythia = (args: string[]) => runPythia(args, passphrase);
const example = fileURLToPath(new URL('../../docs/policies/research-no-onward-sharing.json', import.meta.url));

describe('policies through the CLI', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-policy-'));
  const dataDir = join(dir, 'node');
  const at = (...args: string[]) => [...args, '--data-dir', dataDir];
  const bad = join(dir, 'bad.json');
  const edited = join(dir, 'research-edited.json');
  let stack: Stack;

  before(async () => {
    stack = await startStack({ dataDir, passphrase, chain: 'anvil', gatewayPort: 0, scryptN: LIGHT_SCRYPT.n });
    writeFileSync(
      bad,
      [
        '{',
        '  "pythiaPolicy": 1,',
        '  "name": "bad",',
        '  "combining": "deny-overrides",',
        '  "rules": [',
        '    { "id": "a", "effect": "permit", "subject": ["any"], "resource": { "streams": ["pm2.5"] }, "action": ["read"] },',
        '    { "id": "b", "effect": "permit", "subject": ["any"], "resource": {}, "action": ["share-onward"] }',
        '  ],',
        '  "terms": { "deleteOnRevoke": true }',
        '}',
        '',
      ].join('\n'),
    );
    writeFileSync(edited, readFileSync(example, 'utf8').replace('"penaltyWei": "1000000000000000000"', '"penaltyWei": "1"'));
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has --help on every command', async () => {
    for (const command of ['validate', 'publish', 'show', 'list', 'verify', 'evaluate']) {
      const run = await pythia(['policy', command, '--help']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /Usage: pythia policy/);
    }
  });

  it('validates a good policy', async () => {
    const run = await pythia(['policy', 'validate', example]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /valid policy "research-no-onward-sharing" \(3 rules\), content hash 0x[0-9a-f]{64}/);
  });

  it('refuses a bad policy with file:line:column for every error', async () => {
    const run = await pythia(['policy', 'validate', bad]);
    assert.equal(run.code, 1);
    const lines = run.stderr.trim().split('\n');
    assert.deepEqual(
      lines.map((l) => l.replace(/: .*$/, '')),
      [`${bad}:6:84`, `${bad}:7:85`, `${bad}:9:32`, bad],
    );
    assert.match(lines[0]!, /unknown value "pm2.5", did you mean "pm25"\?/);
    assert.match(lines[1]!, /contradiction: the rule permits share-onward but terms.onwardSharing is not true/);
    assert.match(lines[2]!, /deleteOnRevoke needs deletionPeriodDays/);
    assert.equal(lines[3], `${bad}: 3 errors`);
    const json = await pythia(['policy', 'validate', bad, '--json']);
    assert.equal(json.code, 1);
    const parsed = JSON.parse(json.stdout);
    assert.equal(parsed.valid, false);
    assert.deepEqual(parsed.errors[0], {
      line: 6,
      column: 84,
      path: '$.rules[0].resource.streams[0]',
      message: 'unknown value "pm2.5", did you mean "pm25"? (allowed: pm25, pm10, no2, o3, temperature, humidity)',
    });
  });

  it('refuses JSON syntax errors at their exact position', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{\n  "pythiaPolicy": 1,\n  "name": "x",\n}\n');
    const run = await pythia(['policy', 'validate', broken]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:1: JSON syntax: trailing comma before \\}`));
  });

  let policyId = '';

  it('publishes a valid policy and refuses an invalid one before the chain', async () => {
    const refused = await pythia(at('policy', 'publish', bad));
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /3 errors/);
    const wrongName = await pythia(at('policy', 'publish', example, '--name', 'other'));
    assert.equal(wrongName.code, 2);
    assert.match(wrongName.stderr, /--name other differs from the document's name/);

    const run = await pythia(at('policy', 'publish', example, '--uri', 'https://council.example/research.json', '--json'));
    assert.equal(run.code, 0, run.stderr);
    const published = JSON.parse(run.stdout);
    assert.equal(published.version, 1);
    assert.match(published.policyId, /^0x[0-9a-f]{64}$/);
    policyId = published.policyId;
    assert.equal(published.gatewayUpload, 'stored', 'the gateway holds the document, so it can enforce it');

    const again = await pythia(at('policy', 'publish', example));
    assert.equal(again.code, 1);
    assert.match(again.stderr, /DuplicatePolicyContent/);

    const second = await pythia(at('policy', 'publish', edited));
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /policy research-no-onward-sharing version 2 published: 0x[0-9a-f]{64}/);
  });

  it('shows a version and lists them', async () => {
    const run = await pythia(at('policy', 'show', policyId));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /policy research-no-onward-sharing version 1/);
    assert.match(run.stdout, /document +https:\/\/council\.example\/research\.json/);
    assert.match(run.stdout, /onward sharing forbidden/);
    assert.match(run.stdout, /delete on revoke yes, within 30 days/);
    const json = JSON.parse((await pythia(at('policy', 'show', policyId, '--json'))).stdout);
    assert.equal(json.terms.retentionSeconds, String(90 * 86_400));
    assert.equal(json.terms.penaltyWei, '1000000000000000000');
    const unknown = await pythia(at('policy', 'show', `0x${'ab'.repeat(32)}`));
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no policy version has the id/);
    const badId = await pythia(at('policy', 'show', '0x12'));
    assert.equal(badId.code, 2);
    const list = await pythia(at('policy', 'list', '--json'));
    assert.deepEqual(
      JSON.parse(list.stdout).map((v: { version: number }) => v.version),
      [1, 2],
    );
  });

  it('verifies the published document and detects a different one', async () => {
    const ok = await pythia(at('policy', 'verify', policyId, example));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /matches policy research-no-onward-sharing version 1/);

    // Layout does not matter: the canonical bytes are the same.
    const compact = join(dir, 'compact.json');
    writeFileSync(compact, JSON.stringify(JSON.parse(readFileSync(example, 'utf8'))));
    assert.equal((await pythia(at('policy', 'verify', policyId, compact))).code, 0);

    const mismatch = await pythia(at('policy', 'verify', policyId, edited));
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.stderr, /content hash: the document hashes to 0x[0-9a-f]{64}, the chain holds 0x[0-9a-f]{64}/);
    assert.match(mismatch.stderr, /terms.penaltyWei: the document compiles to 1, the chain holds 1000000000000000000/);
    assert.match(mismatch.stderr, /does NOT match/);
    const json = JSON.parse((await pythia(at('policy', 'verify', policyId, edited, '--json'))).stdout);
    assert.equal(json.matches, false);
    assert.equal(json.mismatches.length, 2);
  });

  it('evaluates a request offline with ledger records', async () => {
    const request = JSON.stringify({
      subject: '0x1111111111111111111111111111111111111111',
      roles: ['consent-recipient'],
      action: 'read',
      resource: { device: '0x3333333333333333333333333333333333333333', class: 1, stream: 'no2' },
      purpose: 'air-quality-research',
      time: '2026-05-01T10:00:00Z',
      consentId: '3',
    });
    const ledger = join(dir, 'ledger.json');
    writeFileSync(
      ledger,
      JSON.stringify({ liveConsents: ['3'], bonds: { '0x1111111111111111111111111111111111111111': '2000000000000000000' } }),
    );
    const permit = JSON.parse((await pythia(['policy', 'evaluate', example, '--request', request, '--ledger', ledger, '--json'])).stdout);
    assert.equal(permit.decision, 'permit');
    assert.equal(permit.ruleId, 'research-read');
    const noLedger = await pythia(['policy', 'evaluate', example, '--request', request]);
    assert.equal(noLedger.code, 0);
    assert.match(noLedger.stdout, /^not-applicable\n {2}rule "research-read" does not apply: consent-live: consent 3 is not live/);
    const badRequest = await pythia(['policy', 'evaluate', example, '--request', '{"subject": "0x12"}']);
    assert.equal(badRequest.code, 2);
    assert.match(badRequest.stderr, /--request: subject must be an address/);
  });
});
