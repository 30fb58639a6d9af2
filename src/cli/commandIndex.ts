import type { Command } from 'commander';

/**
 * The top-level commands of `pythia`, each with the module that declares it, loaded only when the
 * command runs: `pythia --help` loads none of them (no viem, no fastify, no SQLite), `pythia device
 * show` loads the device commands alone. `summary` is what `pythia --help` lists; it must be the
 * description the module gives the command (src/cli/main.test.ts checks it).
 */
export type CommandIndexEntry = {
  name: string;
  summary: string;
  /** The module's register function: declares the command (and its subcommands) on the program. */
  load: () => Promise<(program: Command) => void>;
};

export const commandIndex: readonly CommandIndexEntry[] = [
  {
    name: 'up',
    summary:
      'Start the chain (a geth Clique validator of its own, or the nodes given), deploy the contracts once, and run the gateway until stopped',
    load: async () => (await import('./commands/up.js')).registerUpCommand,
  },
  {
    name: 'watch',
    summary:
      "Print a running node's event lines live, as `pythia up` does: flags, suspensions, revocations, refusals by reason, relayer retries",
    load: async () => (await import('./commands/watch.js')).registerWatchCommand,
  },
  {
    name: 'demo',
    summary: 'Run the smart-city air-quality demonstration, with the attacks of the paper, on the embedded chain',
    load: async () => (await import('./commands/demo.js')).registerDemoCommand,
  },
  {
    name: 'key',
    summary:
      'Key files of people and organisations (an owner, a manufacturer, a buyer, a firmware release key): encrypted at rest, passphrase from $PYTHIA_KEY_PASSPHRASE',
    load: async () => (await import('./commands/key.js')).registerKeyCommands,
  },
  {
    name: 'fund',
    summary:
      "Send ETH for gas (and bonds, escrows, feeds) to an account: from the node's operator account, on the chain the node runs itself (its own geth validator or the embedded Anvil), or from any account's own key file (--signer-key) on any chain. Without --signer-key on a chain the node does not run, says how to fund the account instead",
    load: async () => (await import('./commands/fund.js')).registerFundCommand,
  },
  {
    name: 'device',
    summary: 'Devices: registration and status (operator), identity (DID, provisioning, key rotation) and ownership transfer',
    load: async () => (await import('./commands/device.js')).registerDeviceCommands,
  },
  {
    name: 'simulate',
    summary:
      "Run simulated air-quality sensors against the running node: register N new ones (keys made here, registered by the node's operator) or use registered devices' key files, then send signed readings to the node's gateway over HTTP or MQTT, as the device SDK does, and report what the chain made of each (accepted, flagged, refused)",
    load: async () => (await import('./commands/simulate.js')).registerSimulateCommand,
  },
  {
    name: 'manufacturer',
    summary: 'Device class manufacturers: who may provision devices of each class',
    load: async () => (await import('./commands/deviceIdentity.js')).registerManufacturerCommands,
  },
  {
    name: 'profile',
    summary: 'Expected behaviour of a device class or of one device (operator)',
    load: async () => (await import('./commands/profile.js')).registerProfileCommands,
  },
  {
    name: 'pythia',
    summary: 'The Pythia registry: attested gateway keys devices may trust, and the approved code measurements',
    load: async () => (await import('./commands/pythia.js')).registerPythiaCommands,
  },
  {
    name: 'firmware',
    summary: 'Firmware releases per device class (threshold-signed manifests), revocation, and owners’ update decisions',
    load: async () => (await import('./commands/firmware.js')).registerFirmwareCommands,
  },
  {
    name: 'policy',
    summary: 'Data-use policies (docs/policies.md): validate, publish immutable versions, show, verify, evaluate',
    load: async () => (await import('./commands/policy.js')).registerPolicyCommands,
  },
  {
    name: 'consent',
    summary: 'Consents: what a device owner lets a recipient read (data streams) or do (commands), revocation, receipts',
    load: async () => (await import('./commands/consent.js')).registerConsentCommands,
  },
  {
    name: 'command',
    summary: 'Commands to devices under consent: a recipient signs, the Pythia relays and logs',
    load: async () => (await import('./commands/command.js')).registerCommandCommands,
  },
  {
    name: 'feed',
    summary:
      "Data feeds for sale: an owner offers its devices' streams for a price and a period; a buyer pays in the chain's currency and receives a consent for the period; the owner withdraws the earnings",
    load: async () => (await import('./commands/feed.js')).registerFeedCommands,
  },
  {
    name: 'bond',
    summary:
      "A data recipient's bond: what it stakes to receive data; a proven violation (canary leak, missed deletion) pays the owner from it",
    load: async () => (await import('./commands/bond.js')).registerBondCommands,
  },
  {
    name: 'share',
    summary: "Onward sharing: a recipient logs every share of consented data; the consent's policy must allow it",
    load: async () => (await import('./commands/sharing.js')).registerSharingCommands,
  },
  {
    name: 'canary',
    summary:
      'Trap streets: canary values given to recipients, committed on chain with the delivery that carried them, revealed to claim a leak; a claim holds the penalty until it is settled (dispute window, arbiter)',
    load: async () => (await import('./commands/canary.js')).registerCanaryCommands,
  },
  {
    name: 'admin',
    summary:
      'Role changes through the council\'s timelock: schedule a grant or a revocation, see what is scheduled, execute it once its delay has passed (docs/operations.md, "Who holds which role")',
    load: async () => (await import('./commands/admin.js')).registerAdminCommands,
  },
  {
    name: 'deletion',
    summary:
      'Data deletion requests: an owner asks a recipient to delete data by a deadline; the recipient acknowledges on chain, or anyone triggers the penalty once the deadline has passed',
    load: async () => (await import('./commands/deletion.js')).registerDeletionCommands,
  },
  {
    name: 'attest',
    summary: 'Remote attestation evidence (Intel SGX / TDX DCAP quotes)',
    load: async () => (await import('./commands/attest.js')).registerAttestCommands,
  },
  {
    name: 'ask',
    summary: 'Ask the Pythia a question as a device would, and verify the signed answer against the provisioning bundle',
    load: async () => (await import('./commands/ask.js')).registerAskCommands,
  },
  {
    name: 'bundle',
    summary: 'Provisioning bundles for devices',
    load: async () => (await import('./commands/ask.js')).registerAskCommands,
  },
  {
    name: 'verify',
    summary:
      "Check every reading on chain against the devices' keys and profiles on your own node, trusting neither the gateway nor the contract's verdicts (docs/verify.md)",
    load: async () => (await import('./commands/verify.js')).registerVerifyCommand,
  },
  {
    name: 'network',
    summary: 'A proof-of-authority network of geth Clique validators, one folder per partner (docs/network.md)',
    load: async () => (await import('./commands/network.js')).registerNetworkCommands,
  },
];

/**
 * The top-level command that `args` (the words after `pythia`) run, if any: the first word that is
 * not an option, or the word after `help` (`pythia help device`).
 */
export function commandNameOf(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}
