/**
 * A refusal names what it refuses, but never echoes it whole: at most `max` characters of it,
 * as a JSON string, and how long it was. A 1 MB unknown property costs a 1 MB request, not a
 * 2 MB answer.
 */
export function quoteInput(value: string, max = 40): string {
  if (value.length <= max) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, max))}… (${value.length} characters)`;
}
