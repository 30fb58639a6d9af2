/** Display helpers shared by the pages. */
export const short = (hex: string, keep = 6): string => (hex.length > 2 * keep + 4 ? `${hex.slice(0, keep + 2)}…${hex.slice(-keep)}` : hex);

export const time = (unixSeconds: number | null): string =>
  unixSeconds === null ? '—' : new Date(unixSeconds * 1000).toISOString().replace('T', ' ').slice(0, 19);

export const statusClass = (status: string): string => `status status-${status.toLowerCase()}`;
