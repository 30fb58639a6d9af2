import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CommanderError } from 'commander';
import { BaseError, HttpRequestError, keccak256, toBytes } from 'viem';
import { ChainUnreachableError } from '../chain/chainTransport.js';
import { DeploymentFileError, readDeployment } from '../chain/deployment.js';
import { ContractMissingError } from '../chain/requireContract.js';
import { ContractRefusal } from '../chain/sendContractTransaction.js';
import { exitCodes, failureContextOf, failureOf, reportFailure, wordsOf } from './failure.js';
import { jsonErrorOutputError } from './jsonOutputSchemas.js';
import { CliError, UsageError } from './output.js';

const dataDir = '/srv/pythia/council';
const context = { dataDir, dataDirGiven: true };
const device = '0xbd9302f395cd8356bb228dBB2e118893FE6D45d7';

/** viem wraps a transport's failure in the error of the call that made it. */
const wrapped = (cause: Error) => new BaseError('The contract function "devices" reverted', { cause });

describe('failureOf: one sentence, one exit code, one stable code per kind of failure', () => {
  it('decodes a custom error into words, enum members by name, and keeps the command hint and the error name', () => {
    const failure = failureOf(
      new ContractRefusal('InvalidStatusTransition', [device, 3], 'contract refused', 'the device is not in a status that allows this'),
      context,
    );
    assert.equal(failure.code, 'contract-refused');
    assert.equal(failure.exitCode, 1);
    assert.equal(
      failure.message,
      `the contract refused: invalid status transition (device ${device}, current revoked): the device is not in a status that allows this [InvalidStatusTransition]`,
    );
    assert.deepEqual(failure.contractError, { name: 'InvalidStatusTransition', args: { device, current: 'revoked' } });
  });

  it('names the enum member of an argument the contract declares as a plain uint8', () => {
    const failure = failureOf(new ContractRefusal('DeviceNotActive', [device, 2], ''), context);
    assert.equal(failure.message, `the contract refused: device not active (device ${device}, status suspended) [DeviceNotActive]`);
  });

  it('names the role an account lacks instead of its hash', () => {
    const failure = failureOf(
      new ContractRefusal('AccessControlUnauthorizedAccount', [device, keccak256(toBytes('OPERATOR_ROLE'))], ''),
      context,
    );
    assert.match(failure.message, /unauthorized account \(account 0x[0-9a-fA-F]{40}, needed role OPERATOR_ROLE\)/);
    assert.equal(failure.contractError?.args.neededRole, 'OPERATOR_ROLE');
  });

  it('shows a refusal it has no ABI entry for by its name and numbered arguments', () => {
    const failure = failureOf(new ContractRefusal('SomethingNew', [7n], ''), context);
    assert.equal(failure.message, 'the contract refused: something new (argument 1 7) [SomethingNew]');
  });

  it('tells that Pythia is not running when the node of the data directory does not answer (IPC), with the command to start it', () => {
    const failure = failureOf(wrapped(new ChainUnreachableError(join(dataDir, 'chain', 'node.ipc'), new Error('connect ENOENT'))), context);
    assert.deepEqual(failure, {
      code: 'node-unreachable',
      exitCode: 3,
      message: `Pythia is not running on this data directory (${dataDir}); start it with \`pythia up --data-dir ${dataDir}\``,
    });
  });

  it('names the URL of a remote node that does not answer, and not the request body', () => {
    const failure = failureOf(
      wrapped(new HttpRequestError({ url: 'http://10.0.0.7:8545', body: { method: 'eth_getLogs' }, details: 'fetch failed' })),
      context,
    );
    assert.equal(failure.code, 'node-unreachable');
    assert.equal(failure.exitCode, exitCodes.unreachable);
    assert.match(failure.message, /^the chain node at http:\/\/10\.0\.0\.7:8545 does not answer/);
    assert.doesNotMatch(failure.message, /eth_getLogs|Request body/);
  });

  it('does not call a node that answered with an HTTP error status unreachable, and shows one line of it', () => {
    const failure = failureOf(
      wrapped(new HttpRequestError({ url: 'http://10.0.0.7:8545', status: 500, body: { method: 'eth_call' }, details: 'oops' })),
      context,
    );
    assert.equal(failure.code, 'failed');
    assert.equal(failure.exitCode, 1);
    assert.doesNotMatch(failure.message, /\n/);
  });

  it('tells how to start Pythia on a data directory that has no deployment', () => {
    let missing: unknown;
    try {
      readDeployment(join(dataDir, 'nowhere'));
    } catch (error) {
      missing = error;
    }
    assert.ok(missing instanceof DeploymentFileError);
    const failure = failureOf(missing, { dataDir: '/srv/empty', dataDirGiven: true });
    assert.deepEqual(failure, {
      code: 'not-set-up',
      exitCode: 3,
      message: 'Pythia has not been started on this data directory (/srv/empty): start it with `pythia up --data-dir /srv/empty`',
    });
  });

  it('keeps the exit codes of usage errors (2) and refusals (1) of the commands themselves', () => {
    assert.deepEqual(failureOf(new UsageError('--class must be an integer'), context), {
      code: 'usage',
      exitCode: 2,
      message: '--class must be an integer',
    });
    assert.deepEqual(failureOf(new CliError('unknown device 0x12'), context), {
      code: 'refused',
      exitCode: 1,
      message: 'unknown device 0x12',
    });
    assert.deepEqual(failureOf(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--jsn'"), context), {
      code: 'usage',
      exitCode: 2,
      message: "unknown option '--jsn'",
    });
    assert.equal(failureOf(new ContractMissingError('feedMarket', 'this deployment has no feed market'), context).code, 'contract-missing');
  });

  it('shows only the first line of an unexpected error', () => {
    const failure = failureOf(new Error('something broke\n  Request body: {"method":"eth_call"}\n  Version: viem@2'), context);
    assert.deepEqual(failure, { code: 'failed', exitCode: 1, message: 'something broke' });
  });
});

describe('the --json error', () => {
  it('matches the schema docs/cli.md shows, contract errors included', () => {
    for (const error of [
      new UsageError('bad'),
      new CliError('no'),
      new ContractRefusal('InvalidStatusTransition', [device, 2], ''),
      wrapped(new ChainUnreachableError('/x/node.ipc', new Error('ENOENT'))),
      new Error('boom'),
    ]) {
      const failure = failureOf(error, context);
      assert.equal(jsonErrorOutputError({ error: failure }), undefined, failure.code);
    }
    assert.match(jsonErrorOutputError({ error: { code: 'oops', exitCode: 1, message: 'x' } }) ?? '', /code must be equal to one of/);
  });
});

describe('failureContextOf', () => {
  it('finds the data directory in the arguments, in both spellings', () => {
    assert.deepEqual(failureContextOf(['device', 'show', 'x', '--data-dir', '/a/b']), { dataDir: '/a/b', dataDirGiven: true });
    assert.deepEqual(failureContextOf(['device', 'show', '--data-dir=/c']), { dataDir: '/c', dataDirGiven: true });
  });
});

describe('wordsOf', () => {
  it('splits a Solidity name into words', () => {
    assert.equal(wordsOf('AccessControlUnauthorizedAccount'), 'access control unauthorized account');
    assert.equal(wordsOf('NotDeviceOwner'), 'not device owner');
    assert.equal(wordsOf('neededRole'), 'needed role');
  });
});

describe('reportFailure', () => {
  /** reportFailure is synchronous: nothing else can write while the streams are held. */
  const captured = (run: () => number) => {
    const writes = { stdout: '', stderr: '' };
    const original = { stdout: process.stdout.write, stderr: process.stderr.write };
    const into = (stream: 'stdout' | 'stderr') =>
      ((chunk: string) => {
        writes[stream] += chunk;
        return true;
      }) as typeof process.stdout.write;
    process.stdout.write = into('stdout');
    process.stderr.write = into('stderr');
    try {
      return { code: run(), ...writes };
    } finally {
      process.stdout.write = original.stdout;
      process.stderr.write = original.stderr;
    }
  };

  it('writes the sentence to stderr, and with --json the error object to stdout', () => {
    const plain = captured(() => reportFailure(new CliError('no consent 9'), ['consent', 'show', '9']));
    assert.deepEqual(plain, { code: 1, stdout: '', stderr: 'error: no consent 9\n' });
    const json = captured(() => reportFailure(new CliError('no consent 9'), ['consent', 'show', '9', '--json']));
    assert.equal(json.code, 1);
    assert.deepEqual(JSON.parse(json.stdout), { error: { code: 'refused', exitCode: 1, message: 'no consent 9' } });
  });

  it('exits 0 after help and version, printing nothing more', () => {
    const help = captured(() => reportFailure(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), ['--help', '--json']));
    assert.deepEqual(help, { code: 0, stdout: '', stderr: '' });
  });
});
