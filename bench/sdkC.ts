import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Issue #15's Cortex-M4 targets, in bytes, as sdk-c/mcu/mcu.mk states them (`make -s print-mcu-targets`). */
type McuTargets = { images: Record<string, { flash: number; ram: number }>; chainProofRam: number };

const isBytes = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;

/** The targets from make's answer, checked: a malformed answer is an error that says what was wrong, never a target of undefined. */
function parseMcuTargets(text: string): McuTargets {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`make print-mcu-targets did not answer JSON: ${text.trim().slice(0, 200)}`);
  }
  const { images, chainProofRam } = (parsed ?? {}) as Partial<McuTargets>;
  const entries = typeof images === 'object' && images !== null ? Object.entries(images) : [];
  if (entries.length === 0 || !entries.every(([, target]) => isBytes(target?.flash) && isBytes(target?.ram)) || !isBytes(chainProofRam))
    throw new Error(`make print-mcu-targets answered no targets in bytes: ${text.trim().slice(0, 200)}`);
  return { images: Object.fromEntries(entries), chainProofRam };
}

const make = (sdkC: string, target: string) => spawnSync('make', ['-s', '-C', sdkC, target], { encoding: 'utf8', timeout: 900_000 });
const failure = (target: string, run: ReturnType<typeof make>) =>
  `sdk-c: make -C sdk-c ${target} failed (exit ${run.status}): ${(run.stderr || run.stdout || String(run.error)).trim().split('\n').slice(-3).join(' | ')}`;

/**
 * The C SDK's footprint on a Cortex-M4: runs `make -C sdk-c mcu-check` (the vectors on qemu's
 * mps2-an386, flash and RAM of the SDK, the stack measured by painting, a verify's instructions)
 * and returns its lines, each with the target and whether it is met.
 */
export function measureSdkC(): string[] {
  const sdkC = fileURLToPath(new URL('../sdk-c/', import.meta.url));
  const asked = make(sdkC, 'print-mcu-targets');
  if (asked.status !== 0) return [failure('print-mcu-targets', asked)];
  const targets = parseMcuTargets(asked.stdout);
  const run = make(sdkC, 'mcu-check');
  if (run.status !== 0) return [failure('mcu-check', run)];
  const kb = (bytes: number) => bytes / 1024;
  const lines: string[] = [];
  for (const line of run.stdout.split('\n')) {
    // Issue #15 item 5: a header + storage proof, streamed, within a 16 KB RAM budget.
    const chain = /^cortex-m4.* chain proof: .*peak RAM (\d+) bytes/.exec(line);
    if (chain) {
      lines.push(`sdk-c ${line}`);
      lines.push(
        `  target: header + proof streamed within ${kb(targets.chainProofRam)} KB RAM: ${Number(chain[1]) <= targets.chainProofRam ? 'met' : 'NOT met'}`,
      );
      continue;
    }
    const match = /^(cortex-m4[^:]*): flash (\d+) bytes, ram (\d+) bytes/.exec(line);
    if (!match) continue;
    const target = targets.images[match[1]!];
    const flash = Number(match[2]);
    const ram = Number(match[3]);
    const met = target && flash <= target.flash && ram <= target.ram;
    lines.push(`sdk-c ${line}`);
    if (target)
      lines.push(`  target ≤ ${kb(target.flash)} KB flash and ${kb(target.ram)} KB RAM, stack included: ${met ? 'met' : 'NOT met'}`);
  }
  return lines.length > 0 ? lines : ['sdk-c: make -C sdk-c mcu-check printed no figures'];
}
