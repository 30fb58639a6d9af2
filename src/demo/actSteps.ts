/** One step of a demonstration act: what the rules say should happen, and what the device, the gateway or the chain recorded. */
export type ActStep = { step: string; expected: string; recorded: string };

/** The steps of an act as it runs: `record` each, then the `steps` and the `mismatches` among them. */
export function actSteps(): {
  steps: ActStep[];
  record: (step: string, expected: string, recorded: string) => void;
  mismatches: () => ActStep[];
} {
  const steps: ActStep[] = [];
  return {
    steps,
    record: (step, expected, recorded) => {
      steps.push({ step, expected, recorded });
    },
    mismatches: () => steps.filter((s) => s.expected !== s.recorded),
  };
}

/** A mismatch as the demo's summary lists it among the unexpected. */
export const unexpectedStep = (act: string, mismatch: ActStep): string =>
  `${act}: ${mismatch.step}: expected ${mismatch.expected}, recorded ${mismatch.recorded}`;
