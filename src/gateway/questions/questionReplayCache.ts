/**
 * Replay protection of POST /v1/questions, per device: the highest question sequence answered,
 * and the device's last `challengesPerDevice` challenges. A question is taken only with a
 * sequence above that floor and a challenge not among them. In memory, bounded to `maxDevices`
 * (least recently asking device forgotten first); a restart forgets it. That is acceptable
 * because an answer is public chain state bound to the device's own challenge: a replayed
 * request gets an answer the device no longer waits for. It costs a chain read and a signature,
 * which rate limits bound.
 */
export type QuestionReplayCacheOptions = { maxDevices?: number; challengesPerDevice?: number };

type Entry = { sequence: bigint; challenges: string[] };

export type ReplayCheck = { ok: true; undo: () => void } | { ok: false; why: string };

export class QuestionReplayCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxDevices: number;
  private readonly challengesPerDevice: number;

  constructor({ maxDevices = 100_000, challengesPerDevice = 16 }: QuestionReplayCacheOptions = {}) {
    this.maxDevices = maxDevices;
    this.challengesPerDevice = challengesPerDevice;
  }

  /**
   * Checks and records in one step (so two concurrent copies of a request cannot both pass).
   * `undo` gives the sequence back when the answer could not be produced (chain unavailable),
   * so the device's retry of the same bytes is taken.
   */
  take(device: string, sequence: bigint, challenge: Uint8Array): ReplayCheck {
    const key = device.toLowerCase();
    const hex = Buffer.from(challenge).toString('hex');
    const previous = this.entries.get(key);
    if (previous && sequence <= previous.sequence) {
      return { ok: false, why: `question sequence ${sequence} is not above ${previous.sequence}, the last answered for ${device}` };
    }
    if (previous?.challenges.includes(hex)) return { ok: false, why: 'the challenge repeats one of the device’s recent questions' };
    const entry: Entry = { sequence, challenges: [...(previous?.challenges ?? []), hex].slice(-this.challengesPerDevice) };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxDevices) this.entries.delete(this.entries.keys().next().value!);
    return {
      ok: true,
      undo: () => {
        if (this.entries.get(key) !== entry) return;
        if (previous) this.entries.set(key, previous);
        else this.entries.delete(key);
      },
    };
  }
}
