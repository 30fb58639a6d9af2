/**
 * A device's question sequence: milliseconds since 1970, bumped to stay strictly increasing, so it
 * survives reboots on a sane clock and never repeats within one holder. The gateway refuses a
 * question whose sequence is not above the device's last one, so one device asks through one
 * sequence (its device client or guard holds it).
 */
export type QuestionSequence = { next(): bigint };

export function createQuestionSequence({ now = Date.now }: { now?: () => number } = {}): QuestionSequence {
  let last = 0n;
  return {
    next() {
      const current = BigInt(now());
      last = current > last ? current : last + 1n;
      return last;
    },
  };
}
