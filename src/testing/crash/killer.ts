/**
 * Kills a process of the system under test at random moments of a run and starts it again: the
 * moments are thresholds of acknowledged readings drawn from a seeded generator (a failing run
 * can be replayed with its seed), each followed by a random delay so that kills land anywhere in
 * the gateway's cycle (mid-request, mid-commit, mid-broadcast). What is killed is a CrashTarget:
 * a gateway process today; a chain node or a whole `pythia up` tree implement the same two calls.
 */
import { seededRandom } from '../seededRandom.js';

export type CrashTarget = {
  name: string;
  /** Starts (or starts again) and resolves once it serves. */
  start(): Promise<void>;
  /** SIGKILL: no chance to flush or clean up. Resolves once the process is gone. */
  kill(): Promise<void>;
};

export type KillPlanParameters = {
  kills: number;
  /** Readings the run will acknowledge; kills fall within [5 %, 90 %] of them. */
  totalReadings: number;
  seed: number;
  /** Random delay after a threshold is crossed (ms). Default 0–400. */
  jitterMs?: readonly [number, number];
  /** How long the target stays down (ms). Default 0–1,500. */
  downtimeMs?: readonly [number, number];
};

/** A kill: the threshold it served, the readings acknowledged when it was served, and when (ms). */
export type KillRecord = { threshold: number; atAcknowledged: number; afterLoad: boolean; killedAt: number; restartedAt: number };

export class Killer {
  private readonly random: () => number;
  private readonly thresholds: number[];
  private readonly jitter: readonly [number, number];
  private readonly downtime: readonly [number, number];
  private busy: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;
  private acknowledged = 0;
  readonly kills: KillRecord[] = [];

  constructor(
    private readonly target: CrashTarget,
    plan: KillPlanParameters,
  ) {
    this.random = seededRandom(plan.seed);
    const low = Math.floor(plan.totalReadings * 0.05);
    const span = Math.max(1, Math.floor(plan.totalReadings * 0.85));
    this.thresholds = Array.from({ length: plan.kills }, () => low + Math.floor(this.random() * span)).sort((a, b) => a - b);
    this.jitter = plan.jitterMs ?? [0, 400];
    this.downtime = plan.downtimeMs ?? [0, 1500];
  }

  /** Acknowledged readings at which the kills are due. */
  get plan(): readonly number[] {
    return this.thresholds;
  }

  get lastRestartAt(): number | undefined {
    return this.kills.at(-1)?.restartedAt;
  }

  /**
   * Progress of the run: kills the target (in the background) when the next threshold is crossed.
   * One kill at a time; thresholds crossed meanwhile are served one after the other.
   */
  progress(acknowledged: number): void {
    this.acknowledged = acknowledged;
    if (this.busy || this.failure || this.thresholds.length === 0 || acknowledged < this.thresholds[0]!) return;
    const threshold = this.thresholds.shift()!;
    // Runs in the background: a failure is kept for finish() to throw (never an unhandled
    // rejection that ends the test runner's process mid-run), and no further kill follows it.
    this.busy = this.killAndRestart(threshold, false)
      .catch((error: unknown) => {
        this.failure = { error };
      })
      .finally(() => {
        this.busy = undefined;
      });
  }

  /** Waits for a kill in progress, then runs the kills still due (a run may end before its last thresholds); throws what a kill or a restart failed with. */
  async finish(): Promise<void> {
    await this.busy;
    if (this.failure) throw this.failure.error;
    while (this.thresholds.length > 0) await this.killAndRestart(this.thresholds.shift()!, true);
  }

  private async killAndRestart(threshold: number, afterLoad: boolean): Promise<void> {
    await sleep(this.between(this.jitter));
    const atAcknowledged = this.acknowledged;
    await this.target.kill();
    const killedAt = Date.now();
    await sleep(this.between(this.downtime));
    await this.target.start();
    this.kills.push({ threshold, atAcknowledged, afterLoad, killedAt, restartedAt: Date.now() });
  }

  private between([min, max]: readonly [number, number]): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { seededRandom };
