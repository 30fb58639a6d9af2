/**
 * The crash harness (issue #11): a load generator with a ledger of acknowledgements, a killer
 * that SIGKILLs a target at random moments and starts it again, and an audit of the chain's
 * events against the ledger. Independent of how the chain runs: give it an RPC client and a
 * CrashTarget (the gateway process, an Anvil node, a whole `pythia up` tree, one validator of a network).
 */
export { auditReadings, type ReadingAudit } from './auditReadings.js';
export { gatewayProcess, type GatewayProcess } from './gatewayProcess.js';
export type { CrashGatewayConfig } from './gatewayMain.js';
export { Killer, seededRandom, type CrashTarget, type KillRecord } from './killer.js';
export { generateLoad } from './loadGenerator.js';
export { ReadingLedger, ledgerKey, type LedgerKey } from './readingLedger.js';
export { runGatewayCrash } from './runGatewayCrash.js';
export { allFinal, formatCrashReport, runCrashScenario, type CrashReport } from './runCrashScenario.js';
export { anvilCrashTarget, type AnvilCrashTarget } from './anvilTarget.js';
export { runAnvilCrash } from './runAnvilCrash.js';
export { pythiaUpProcess, type PythiaUpProcess, type PythiaUpProcessParameters } from './pythiaUpProcess.js';
export { runSingleNodeCrash, type RunSingleNodeCrashParameters } from './runSingleNodeCrash.js';
export { validatorCrashTarget, type ValidatorCrashTarget, type ValidatorCrashTargetParameters } from './validatorTarget.js';
export { runValidatorCrash, type CrashNetwork, type RunValidatorCrashParameters } from './runValidatorCrash.js';
