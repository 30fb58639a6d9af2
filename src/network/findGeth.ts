import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The last geth release that seals Clique; the network is built and tested on it. */
export const GETH_VERSION = '1.13.15';

export const GETH_ENV = 'PYTHIA_GETH';
export const TOOLS_DIR_ENV = 'PYTHIA_TOOLS_DIR';

export type GethBinary = {
  path: string;
  /** As `geth version` reports it, e.g. 1.13.15-stable. */
  version: string;
  /** Where it was found. */
  source: 'PYTHIA_GETH' | 'cache' | 'PATH';
};

export class GethNotFoundError extends Error {
  override readonly name = 'GethNotFoundError';
}

type Environment = Readonly<Record<string, string | undefined>>;

/** Where `npm run install:geth` (scripts/install-geth.sh) caches tools: $PYTHIA_TOOLS_DIR, else ~/.cache/pythia/tools. */
export function gethToolsDir(env: Environment = process.env): string {
  return env[TOOLS_DIR_ENV] || join(env.HOME || homedir(), '.cache', 'pythia', 'tools');
}

/** The cached binary that scripts/install-geth.sh builds. */
export function cachedGethPath(env: Environment = process.env): string {
  return join(gethToolsDir(env), `geth-${GETH_VERSION}`, 'geth');
}

/** The version a geth binary reports (`geth version`), or undefined when it is not a geth that runs. */
export function gethVersionOf(path: string): string | undefined {
  const result = spawnSync(path, ['version'], { encoding: 'utf8', timeout: 15_000 });
  if (result.status !== 0) return undefined;
  return /^Version:\s*(\S+)/m.exec(result.stdout)?.[1];
}

const isWanted = (version: string | undefined) => version !== undefined && version.split('-')[0] === GETH_VERSION;

const HOW_TO_INSTALL =
  `build it once with \`npm run install:geth\` (needs Go; it caches geth ${GETH_VERSION} in ` +
  `$${TOOLS_DIR_ENV} or ~/.cache/pythia/tools), or set $${GETH_ENV} to a geth ${GETH_VERSION} binary`;

/**
 * The geth binary the network runs: $PYTHIA_GETH if set (it must be geth 1.13.15), else the cached
 * build of `npm run install:geth`, else `geth` on PATH when it is 1.13.15. Anything else is an
 * error that says how to install it.
 */
export function findGeth(env: Environment = process.env): GethBinary {
  const fromEnv = env[GETH_ENV];
  if (fromEnv) {
    const version = gethVersionOf(fromEnv);
    if (isWanted(version)) return { path: fromEnv, version: version!, source: 'PYTHIA_GETH' };
    throw new GethNotFoundError(
      `$${GETH_ENV} is ${fromEnv}, which ${version ? `is geth ${version}` : 'does not run as geth'}; ` +
        `the network needs geth ${GETH_VERSION} (the last release that seals Clique): ${HOW_TO_INSTALL}`,
    );
  }
  const cached = cachedGethPath(env);
  if (existsSync(cached)) {
    const version = gethVersionOf(cached);
    if (isWanted(version)) return { path: cached, version: version!, source: 'cache' };
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'geth');
    if (!existsSync(candidate) || !statSync(candidate).isFile()) continue;
    const version = gethVersionOf(candidate);
    if (isWanted(version)) return { path: candidate, version: version!, source: 'PATH' };
  }
  throw new GethNotFoundError(`geth ${GETH_VERSION} not found: ${HOW_TO_INSTALL}`);
}
