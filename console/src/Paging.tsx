/** "← previous · page n · next →" under a paged table. */
export function Paging({ number, previous, next }: { number: number; previous: (() => void) | undefined; next: (() => void) | undefined }) {
  return (
    <div className="paging">
      <button type="button" disabled={!previous} onClick={previous}>
        ← previous
      </button>
      <span className="muted">page {number}</span>
      <button type="button" disabled={!next} onClick={next}>
        next →
      </button>
    </div>
  );
}
