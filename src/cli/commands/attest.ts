import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AttestationError, intelSgxRootCaDer, verifyQuote, type VerifyQuoteReturnType } from '../../attestation/index.js';
import { parseTimeArg } from '../args/index.js';
import { withCommon } from '../options.js';
import { CliError, printResult, progress, UsageError } from '../output.js';

/** `at`: Unix seconds to judge validity at (default now). */
export type AttestVerifyOptions = { at?: bigint; rootCa?: string; json?: boolean };

/** The action of `pythia attest verify`, callable without a process (for tests). */
export function attestVerify(quotePath: string, collateralPath: string, options: AttestVerifyOptions): VerifyQuoteReturnType {
  const now = options.at === undefined ? new Date() : new Date(Number(options.at) * 1000);
  const read = (path: string, what: string) => {
    try {
      return new Uint8Array(readFileSync(path));
    } catch (error) {
      throw new UsageError(`cannot read ${what} ${path}: ${(error as Error).message}`);
    }
  };
  const quote = read(quotePath, 'quote');
  let collateral: unknown;
  try {
    collateral = JSON.parse(Buffer.from(read(collateralPath, 'collateral')).toString('utf8'));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new UsageError(`collateral ${collateralPath} is not JSON`);
  }
  const rootCaDer = options.rootCa === undefined ? intelSgxRootCaDer() : read(options.rootCa, 'root CA');
  try {
    return verifyQuote({ quote, collateral, rootCaDer, now });
  } catch (error) {
    if (error instanceof AttestationError) throw new CliError(`attestation refused (${error.code}): ${error.message}`);
    throw error;
  }
}

export function formatVerifiedQuote(result: VerifyQuoteReturnType): string {
  const rows: [string, string][] = [
    ['teeType', `${result.teeType} (quote v${result.version})`],
    [result.teeType === 'SGX' ? 'mrenclave' : 'mrtd', result.measurement],
    ...(result.mrsigner ? ([['mrsigner', result.mrsigner]] as [string, string][]) : []),
    ...(result.isvProdId !== undefined ? ([['isvProdId/Svn', `${result.isvProdId} / ${result.isvSvn}`]] as [string, string][]) : []),
    ['reportData', result.reportData],
    ['tcbStatus', result.tcbStatus],
    ['advisories', result.advisoryIds.join(', ') || 'none'],
    ['fmspc', result.fmspc],
    ['collateral until', result.collateralExpiresAt],
  ];
  return rows.map(([k, v]) => `${k.padEnd(16)} ${v}`).join('\n');
}

export function registerAttestCommands(program: Command): void {
  const attest = program.command('attest').description('Remote attestation evidence (Intel SGX / TDX DCAP quotes)');
  withCommon(
    attest
      .command('verify')
      .description('Verify a DCAP quote against its collateral and the Intel SGX Root CA; print the measurement and TCB status')
      .argument('<quote>', 'raw quote file (SGX v3 or TDX v4)')
      .argument('<collateral>', 'collateral JSON from Intel PCS / PCCS (tcb_info, qe_identity, CRLs, issuer chains)')
      .option('--at <time>', 'judge validity at this time instead of now (ISO time, Unix seconds, -30d)', parseTimeArg('--at'))
      .option('--root-ca <der>', 'Intel SGX Root CA, DER (must match the pinned fingerprint; default: the built-in copy)'),
    { dataDir: false },
  ).action((quote: string, collateral: string, options: AttestVerifyOptions) => {
    progress(options, `verifying ${quote}...`);
    const result = attestVerify(quote, collateral, options);
    printResult(options, result, () => formatVerifiedQuote(result));
  });
}
