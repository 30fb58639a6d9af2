import { Command, CommanderError } from 'commander';
import { commandIndex, commandNameOf } from './commandIndex.js';

const HELP_AND_VERSION = ['commander.helpDisplayed', 'commander.version', 'commander.help'];

/**
 * The `pythia` program. With `commandName`, only that command's module is loaded and the others
 * are listed by name and summary (enough for `pythia --help`); without it, every command is
 * loaded (for the tests that walk the whole CLI).
 */
export async function buildProgram(commandName?: string): Promise<Command> {
  const program = new Command('pythia')
    .description('Secure IoT device fleets with a permissioned Ethereum ledger and attested gateways')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  const wanted = commandName === undefined ? commandIndex : commandIndex.filter((entry) => entry.name === commandName);
  const registers = new Set(await Promise.all(wanted.map((entry) => entry.load())));
  for (const register of registers) register(program);
  for (const entry of commandIndex)
    if (!program.commands.some((command) => command.name() === entry.name)) program.command(entry.name).description(entry.summary);
  const order = commandIndex.map((entry) => entry.name);
  (program.commands as Command[]).sort((a, b) => order.indexOf(a.name()) - order.indexOf(b.name()));
  return program;
}

/**
 * Runs the CLI; returns the exit code (docs/cli.md, "Errors and exit codes"). Errors go to stderr as
 * one sentence (and to stdout as JSON with --json), never as a stack trace.
 */
export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(commandNameOf(argv.slice(2)) ?? '');
  try {
    await program.parseAsync(argv);
    // A command may have set a failure code while still printing its result (e.g. the demo).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    // commander ends --help and --version with an error too: they need nothing more.
    if (error instanceof CommanderError && HELP_AND_VERSION.includes(error.code)) return 0;
    // The error path loads the chain's error types: only a failing command pays for them.
    const { reportFailure } = await import('./failure.js');
    return reportFailure(error, argv.slice(2));
  }
}
