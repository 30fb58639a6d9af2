/**
 * Seeded, stateless randomness: every random quantity of the simulator is a pure function of
 * (seed, stream, ...), so a value never depends on the order or number of earlier calls.
 */

/** A 32-bit seed from a number or a string (FNV-1a). */
export function seedOf(seed: number | string): number {
  if (typeof seed === 'number') return seed >>> 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's finaliser over a sequence of 32-bit integers. */
export function hash32(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    h ^= Math.imul((v | 0) ^ ((v / 0x100000000) | 0), 0xcc9e2d51);
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform in [0, 1) determined by its arguments. */
export function uniform(...values: number[]): number {
  return hash32(...values) / 0x100000000;
}

/**
 * Smooth 1-D value noise in [-1, 1]: random knots every `period` seconds, cosine-interpolated,
 * so consecutive samples differ by at most π/period · |Δt| (bounded change per reading).
 */
export function valueNoise(seed: number, stream: number, t: number, period: number): number {
  const x = t / period;
  const k = Math.floor(x);
  const f = x - k;
  const a = uniform(seed, stream, k) * 2 - 1;
  const b = uniform(seed, stream, k + 1) * 2 - 1;
  const w = (1 - Math.cos(Math.PI * f)) / 2;
  return a + (b - a) * w;
}
