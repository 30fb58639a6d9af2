import { Command, CommanderError } from 'commander';
import { registerAskCommands } from './commands/ask.js';
import { registerAttestCommands } from './commands/attest.js';
import { registerCommandCommands } from './commands/command.js';
import { registerConsentCommands } from './commands/consent.js';
import { registerBondCommands } from './commands/bond.js';
import { registerAdminCommands } from './commands/admin.js';
import { registerCanaryCommands } from './commands/canary.js';
import { registerDeletionCommands } from './commands/deletion.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDeviceCommands } from './commands/device.js';
import { registerFeedCommands } from './commands/feed.js';
import { registerFirmwareCommands } from './commands/firmware.js';
import { registerManufacturerCommands } from './commands/deviceIdentity.js';
import { registerNetworkCommands } from './commands/network.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerProfileCommands } from './commands/profile.js';
import { registerPythiaCommands } from './commands/pythia.js';
import { registerSharingCommands } from './commands/sharing.js';
import { registerUpCommand } from './commands/up.js';
import { registerVerifyCommand } from './commands/verify.js';
import { CliError } from './output.js';
import { ContractRefusal } from '../chain/sendContractTransaction.js';
import { ContractMissingError } from '../chain/requireContract.js';

export function buildProgram(): Command {
  const program = new Command('pythia')
    .description('Secure IoT device fleets with a permissioned Ethereum ledger and attested gateways')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerUpCommand(program);
  registerDemoCommand(program);
  registerDeviceCommands(program);
  registerManufacturerCommands(program);
  registerProfileCommands(program);
  registerPythiaCommands(program);
  registerFirmwareCommands(program);
  registerPolicyCommands(program);
  registerConsentCommands(program);
  registerCommandCommands(program);
  registerFeedCommands(program);
  registerBondCommands(program);
  registerSharingCommands(program);
  registerCanaryCommands(program);
  registerAdminCommands(program);
  registerDeletionCommands(program);
  registerAttestCommands(program);
  registerAskCommands(program);
  registerVerifyCommand(program);
  registerNetworkCommands(program);
  return program;
}

/** Runs the CLI; returns the exit code. Errors go to stderr, never as a stack trace for expected failures. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // A command may have set a failure code while still printing its result (e.g. the demo).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed help or the usage error.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? 0 : 2;
    }
    if (error instanceof CliError) {
      process.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof ContractRefusal || error instanceof ContractMissingError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`error: ${(error as Error)?.message ?? String(error)}\n`);
    if (process.env.PYTHIA_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`);
    return 1;
  }
}
