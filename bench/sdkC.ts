import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Issue #15's Cortex-M4 targets, in bytes. */
const targets = {
  'cortex-m4': { flash: 96 * 1024, ram: 16 * 1024 },
  'cortex-m4 without the ECC library': { flash: 32 * 1024, ram: 8 * 1024 },
} as const;

/**
 * The C SDK's footprint on a Cortex-M4: runs `make -C sdk-c mcu-check` (the vectors on qemu's
 * mps2-an386, flash and RAM of the SDK, the stack measured by painting, a verify's instructions)
 * and returns its lines, each with the target and whether it is met.
 */
export function measureSdkC(): string[] {
  const sdkC = fileURLToPath(new URL('../sdk-c/', import.meta.url));
  const run = spawnSync('make', ['-s', '-C', sdkC, 'mcu-check'], { encoding: 'utf8', timeout: 900_000 });
  if (run.status !== 0)
    return [
      `sdk-c: make -C sdk-c mcu-check failed (exit ${run.status}): ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}`,
    ];
  const lines: string[] = [];
  for (const line of run.stdout.split('\n')) {
    // Issue #15 item 5: a header + storage proof, streamed, within a 16 KB RAM budget.
    const chain = /^cortex-m4.* chain proof: .*peak RAM (\d+) bytes/.exec(line);
    if (chain) {
      lines.push(`sdk-c ${line}`);
      lines.push(`  target: header + proof streamed within 16 KB RAM: ${Number(chain[1]) <= 16 * 1024 ? 'met' : 'NOT met'}`);
      continue;
    }
    const match = /^(cortex-m4[^:]*): flash (\d+) bytes, ram (\d+) bytes/.exec(line);
    if (!match) continue;
    const target = targets[match[1] as keyof typeof targets];
    const flash = Number(match[2]);
    const ram = Number(match[3]);
    const met = target && flash <= target.flash && ram <= target.ram;
    lines.push(`sdk-c ${line}`);
    if (target)
      lines.push(`  target ≤ ${target.flash / 1024} KB flash and ${target.ram / 1024} KB RAM, stack included: ${met ? 'met' : 'NOT met'}`);
  }
  return lines.length > 0 ? lines : ['sdk-c: make -C sdk-c mcu-check printed no figures'];
}
