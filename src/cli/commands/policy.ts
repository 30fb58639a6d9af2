import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Address, Hex } from 'viem';
import { listPolicyVersions, publishPolicy, readPolicy, type PolicyVersionRecord } from '../../chain/policy/index.js';
import {
  compilePolicyTerms,
  diffPolicyTerms,
  evaluatePolicy,
  memoryLedger,
  parsePolicy,
  parsePolicyRequest,
  policyContentHash,
  PolicyRequestError,
  type PolicyDocument,
  type PolicyError,
  type PolicyTerms,
} from '../../policy/index.js';
import { requireContract } from '../../chain/requireContract.js';
import { parseAddress, parseAddressArg, parseBytes32Arg } from '../args/index.js';
import { loadContext, type CommandContext } from '../context.js';
import { type CommonOptions, withCommon } from '../options.js';
import { CliError, UsageError, formatTable, jsonReplacer, printResult, progress, formatEth } from '../output.js';
import { loadSignerAccount, sendAs } from '../signer.js';

const MAX_URI_BYTES = 512;

const policyRefusalHints: Readonly<Record<string, string>> = {
  DuplicatePolicyContent: 'this exact document is already a version of this policy (see the id in the error)',
  EmptyPolicyName: 'the policy needs a name',
  EmptyContentHash: 'the content hash is zero',
  InvalidPolicyTerms: 'the compiled terms are inconsistent',
  UnknownPolicy: 'no policy version has this id',
};

const parsePolicyIdArg = parseBytes32Arg('<policyId>');

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${file}: ${(error as Error).message}`);
  }
}

type Checked = { ok: true; policy: PolicyDocument } | { ok: false; errors: PolicyError[] };

/** Reads and validates a policy file; on errors prints them as file:line:col and sets exit code 1. */
function checkPolicyFile(file: string, options: { json?: boolean }): Checked {
  const result = parsePolicy(readText(file, 'the policy'));
  if (result.ok) return result;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ file, valid: false, errors: result.errors }, null, 2)}\n`);
  } else {
    for (const e of result.errors) process.stderr.write(`${file}:${e.line}:${e.column}: ${e.message} (${e.path})\n`);
    process.stderr.write(`${file}: ${result.errors.length} error${result.errors.length === 1 ? '' : 's'}\n`);
  }
  process.exitCode = 1;
  return result;
}

/** A published policy version, or exit 1 when no version has this id. */
async function readPolicyOrFail(context: CommandContext, policyId: Hex): Promise<PolicyVersionRecord> {
  const version = await readPolicy({
    publicClient: context.publicClient,
    registry: requireContract(context.deployment, 'policyRegistry'),
    policyId,
    fromBlock: BigInt(context.deployment.deploymentBlock),
  });
  if (!version) throw new CliError(`no policy version has the id ${policyId}`);
  return version;
}

function describeTerms(terms: PolicyTerms): string[] {
  const days = (s: bigint) => `${Number(s) / 86_400} days`;
  return [
    `onward sharing ${terms.onwardSharing ? 'allowed' : 'forbidden'}`,
    `owner notified ${terms.notifyOwner ? 'of every onward share' : 'no'}`,
    `retention ${terms.retentionSeconds === 0n ? 'no limit stated' : `at most ${days(terms.retentionSeconds)}`}`,
    `delete on revoke ${terms.deleteOnRevoke ? `yes, within ${days(terms.deletionPeriodSeconds)}` : 'no'}`,
    `penalty ${formatEth(terms.penaltyWei)} per violation, minimum bond ${formatEth(terms.minimumBondWei)}`,
  ];
}

function versionLines(v: PolicyVersionRecord): string {
  return [
    `policy ${v.name} version ${v.version} (${v.policyId})`,
    `  publisher     ${v.publisher}`,
    `  content hash  ${v.contentHash}`,
    `  document      ${v.uri}`,
    `  published at  ${new Date(Number(v.publishedAt) * 1000).toISOString()}`,
    ...describeTerms(v.terms).map((line) => `  ${line}`),
  ].join('\n');
}

export function registerPolicyCommands(program: Command): void {
  const policy = program
    .command('policy')
    .description('Data-use policies (docs/policies.md): validate, publish immutable versions, show, verify, evaluate');

  withCommon(
    policy
      .command('validate')
      .description('Check a policy document; prints file:line:column: message for every error (exit 1 when invalid)')
      .argument('<file>', 'the policy document (JSON)'),
    { dataDir: false },
  ).action((file: string, options: { json?: boolean }) => {
    const result = checkPolicyFile(file, options);
    if (!result.ok) return;
    const { policy: doc } = result;
    const contentHash = policyContentHash(doc);
    printResult(
      options,
      { file, valid: true, name: doc.name, rules: doc.rules.length, contentHash, terms: compilePolicyTerms(doc) },
      () =>
        `${file}: valid policy "${doc.name}" (${doc.rules.length} rule${doc.rules.length === 1 ? '' : 's'}), content hash ${contentHash}`,
    );
  });

  withCommon(
    policy
      .command('publish')
      .description('Validate a policy, compile its terms and publish it as the next version of its name (the signer is the publisher)')
      .argument('<file>', 'the policy document (JSON)')
      .option('--name <name>', "the policy's registry name (default and must equal the document's name)")
      .option(
        '--uri <uri>',
        "where the document can be fetched (default: this deployment's gateway's /v1/policies, which serves it as /v1/policies/<policyId>)",
      )
      .option('--no-upload', "do not give the document to this deployment's gateway (it then cannot enforce the policy)"),
    { signer: "the publisher's key (keystore v3) instead of the operator role key" },
  ).action(async (file: string, options: CommonOptions & { name?: string; uri?: string; upload: boolean }) => {
    const result = checkPolicyFile(file, options);
    if (!result.ok) return;
    const doc = result.policy;
    if (options.name !== undefined && options.name !== doc.name) {
      throw new UsageError(
        `--name ${options.name} differs from the document's name "${doc.name}": a version is published under its document's name`,
      );
    }
    const context = loadContext(options);
    const uri = options.uri ?? `${context.deployment.gatewayUrl.replace(/\/$/, '')}/v1/policies`;
    const uriBytes = Buffer.byteLength(uri);
    if (uriBytes === 0 || uriBytes > MAX_URI_BYTES) throw new UsageError(`--uri must be 1 to ${MAX_URI_BYTES} bytes`);
    const contentHash = policyContentHash(doc);
    const terms = compilePolicyTerms(doc);
    const registry = requireContract(context.deployment, 'policyRegistry');
    const account = await loadSignerAccount(context, { signerKey: options.signerKey, role: 'operator', purpose: 'publisher' });
    progress(options, `publishing policy ${doc.name} (content hash ${contentHash})...`);
    const published = await sendAs(
      context,
      account,
      'policy publish',
      () => publishPolicy({ clients: context, account, address: registry, name: doc.name, contentHash, uri, terms }),
      policyRefusalHints,
    );
    const uploaded = options.upload ? await uploadPolicyDocument(context.deployment.gatewayUrl, published.policyId, doc) : 'skipped';
    printResult(
      options,
      {
        policyId: published.policyId,
        name: doc.name,
        version: published.version,
        publisher: account.address,
        contentHash,
        uri,
        terms,
        transactionHash: published.hash,
        blockNumber: published.blockNumber,
        gatewayUpload: uploaded,
      },
      () =>
        `policy ${doc.name} version ${published.version} published: ${published.policyId} (transaction ${published.hash})\n` +
        `gateway copy: ${uploaded === 'stored' ? 'stored (the gateway enforces it)' : uploaded}`,
    );
  });

  withCommon(
    policy
      .command('show')
      .description('A published policy version: publisher, content hash, document location, enforced terms')
      .argument('<policyId>', 'the policy version id (0x + 64 hex digits)', parsePolicyIdArg),
  ).action(async (policyId: Hex, options: CommonOptions) => {
    const context = loadContext(options);
    const version = await readPolicyOrFail(context, policyId);
    printResult(options, version, () => versionLines(version));
  });

  withCommon(
    policy
      .command('list')
      .description('Every published policy version, by publisher, name and version')
      .option('--publisher <address>', 'only this publisher', parseAddressArg('--publisher'))
      .option('--name <name>', 'only this policy name'),
  ).action(async (options: CommonOptions & { publisher?: Address; name?: string }) => {
    const context = loadContext(options);
    const versions = await listPolicyVersions({
      publicClient: context.publicClient,
      registry: requireContract(context.deployment, 'policyRegistry'),
      fromBlock: BigInt(context.deployment.deploymentBlock),
      ...(options.publisher ? { publisher: options.publisher } : {}),
      ...(options.name ? { name: options.name } : {}),
    });
    printResult(options, versions, () =>
      versions.length === 0
        ? 'no policy published'
        : formatTable(
            versions.map((v) => ({ name: v.name, version: v.version, publisher: v.publisher, policyId: v.policyId, uri: v.uri })),
            ['name', 'version', 'publisher', 'policyId', 'uri'],
          ),
    );
  });

  withCommon(
    policy
      .command('verify')
      .description("Recompute a document's content hash and terms and compare them with a published version (exit 1 on a mismatch)")
      .argument('<policyId>', 'the policy version id', parsePolicyIdArg)
      .argument('<file>', 'the policy document (JSON)'),
  ).action(async (policyId: Hex, file: string, options: CommonOptions) => {
    const result = checkPolicyFile(file, options);
    if (!result.ok) return;
    const doc = result.policy;
    const context = loadContext(options);
    const version = await readPolicyOrFail(context, policyId);
    const contentHash = policyContentHash(doc);
    const terms = compilePolicyTerms(doc);
    const mismatches: string[] = [];
    if (contentHash !== version.contentHash)
      mismatches.push(`content hash: the document hashes to ${contentHash}, the chain holds ${version.contentHash}`);
    for (const field of diffPolicyTerms(terms, version.terms)) {
      mismatches.push(`terms.${field}: the document compiles to ${String(terms[field])}, the chain holds ${String(version.terms[field])}`);
    }
    if (doc.name !== version.name) mismatches.push(`name: the document says "${doc.name}", the version was published as "${version.name}"`);
    const matches = mismatches.length === 0;
    if (!matches) process.exitCode = 1;
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ policyId, file, matches, contentHash, chain: version, mismatches }, jsonReplacer, 2)}\n`);
      return;
    }
    if (matches) process.stdout.write(`${file} matches policy ${version.name} version ${version.version} (${policyId})\n`);
    else {
      for (const line of mismatches) process.stderr.write(`${file}: ${line}\n`);
      process.stderr.write(`${file} does NOT match policy ${version.name} version ${version.version} (${policyId})\n`);
    }
  });

  withCommon(
    policy
      .command('evaluate')
      .description('Decide one request against a policy with the evaluator the gateway uses (offline; ledger records from --ledger)')
      .argument('<file>', 'the policy document (JSON)')
      .requiredOption(
        '--request <json>',
        'the request as JSON, or @file: {subject, roles?, action, resource: {device, class?, stream?}, purpose?, time, consentId?, party?, retentionDays?}',
      )
      .option('--ledger <file>', 'ledger records as JSON: {"liveConsents": ["7"], "sharingLog": [["7", "0x…"]], "bonds": {"0x…": "wei"}}'),
    { dataDir: false },
  ).action(async (file: string, options: { request: string; ledger?: string; json?: boolean }) => {
    const requestText = options.request.startsWith('@') ? readText(options.request.slice(1), 'the request') : options.request;
    let request: ReturnType<typeof parsePolicyRequest>;
    try {
      request = parsePolicyRequest(JSON.parse(requestText));
    } catch (error) {
      if (error instanceof PolicyRequestError || error instanceof SyntaxError) throw new UsageError(`--request: ${error.message}`);
      throw error;
    }
    const ledger = options.ledger ? parseLedgerFile(options.ledger) : memoryLedger();
    const result = checkPolicyFile(file, options);
    if (!result.ok) return;
    const decision = await evaluatePolicy(result.policy, request, ledger);
    printResult(options, decision, () =>
      [
        `${decision.decision}${decision.ruleId ? ` (rule ${decision.ruleId})` : ''}`,
        ...decision.reasons.map((r) => `  ${r}`),
        ...decision.obligations.map((o) => {
          const details = Object.entries(o).filter(([k]) => k !== 'kind');
          return `  obligation: ${o.kind}${details.length ? ` (${details.map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`;
        }),
      ].join('\n'),
    );
  });
}

function parseLedgerFile(file: string): ReturnType<typeof memoryLedger> {
  const fail = (why: string): never => {
    throw new UsageError(`--ledger ${file}: ${why}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(readText(file, 'the ledger'));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return fail(`not JSON: ${(error as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail('must be an object');
  const r = raw as Record<string, unknown>;
  const id = (v: unknown): bigint =>
    (typeof v === 'string' || typeof v === 'number') && /^[1-9]\d*$/.test(String(v)) ? BigInt(v) : fail(`consent id ${JSON.stringify(v)}`);
  const address = (v: unknown): Address => {
    try {
      return parseAddress('a ledger party', String(v));
    } catch {
      return fail(`not an address: ${JSON.stringify(v)}`);
    }
  };
  const list = (v: unknown, name: string): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : fail(`${name} must be a list`));
  const bonds = r.bonds === undefined ? {} : typeof r.bonds === 'object' && r.bonds !== null ? r.bonds : fail('bonds must be an object');
  return memoryLedger({
    liveConsents: list(r.liveConsents, 'liveConsents').map(id),
    sharingLog: list(r.sharingLog, 'sharingLog').map((pair) =>
      Array.isArray(pair) && pair.length === 2
        ? ([id(pair[0]), address(pair[1])] as const)
        : fail('sharingLog entries are [consentId, party]'),
    ),
    bonds: Object.entries(bonds).map(
      ([who, wei]) => [address(who), /^\d+$/.test(String(wei)) ? BigInt(String(wei)) : fail(`bond of ${who}`)] as const,
    ),
  });
}

/**
 * Gives the document to the gateway, which checks it against the chain and then enforces it.
 * 'stored', 'skipped', or why not (the version is published either way; upload later with
 * PUT /v1/policies/{id}).
 */
async function uploadPolicyDocument(gatewayUrl: string, policyId: Hex, document: unknown): Promise<string> {
  try {
    const response = await fetch(`${gatewayUrl.replace(/\/$/, '')}/v1/policies/${policyId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(document),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.ok) return 'stored';
    return `not stored: the gateway answered ${response.status} ${await response.text()}`;
  } catch (error) {
    return `not stored: the gateway at ${gatewayUrl} cannot be reached (${(error as Error).message})`;
  }
}
