/**
 * The demonstration's limits, in a module of their own so that `pythia demo --help` can show them
 * without loading the node.
 */
/** The fewest sensors the demonstration runs with: 3 of them are taken over by attacks. */
export const MIN_DEMO_DEVICES = 5;
