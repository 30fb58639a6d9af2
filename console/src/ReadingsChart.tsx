import type { IndexedReading } from './api.js';

export type MetricAxis = { index: number; label: string; unit: string; scale: number; min: number; max: number };

const WIDTH = 720;
const HEIGHT = 200;
const PAD = { left: 56, right: 12, top: 12, bottom: 24 };

/**
 * One metric's readings over the device's signed time, as SVG: the line of the values, the
 * profile's minimum and maximum as dashed lines, each flagged reading a red mark that opens its
 * evidence. Values in raw units are shown divided by the metric's scale.
 */
export function ReadingsChart({
  axis,
  readings,
  selected,
  onSelect,
}: {
  axis: MetricAxis;
  readings: IndexedReading[];
  selected?: IndexedReading;
  onSelect: (reading: IndexedReading) => void;
}) {
  const points = readings.flatMap((r) =>
    r.values && r.timestamp !== null && r.values[axis.index] !== undefined ? [{ r, t: r.timestamp, v: r.values[axis.index]! }] : [],
  );
  const values = [axis.min, axis.max, ...points.map((p) => p.v)];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const yLo = lo - span * 0.05;
  const yHi = hi + span * 0.05;
  const times = points.map((p) => p.t);
  const tLo = Math.min(...times);
  const tHi = Math.max(...times);
  const x = (t: number) => PAD.left + (tHi === tLo ? 0.5 : (t - tLo) / (tHi - tLo)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - yLo) / (yHi - yLo)) * (HEIGHT - PAD.top - PAD.bottom);
  const shown = (raw: number) => `${+(raw / axis.scale).toFixed(2)}`;
  const line = points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
  const flagged = points.filter((p) => p.r.outcome === 'flagged');
  return (
    <figure className="chart" data-metric={axis.index}>
      <figcaption>
        {axis.label} {axis.unit && <span className="muted">({axis.unit})</span>}
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${axis.label} readings with the profile's limits`}>
        <rect x={PAD.left} y={PAD.top} width={WIDTH - PAD.left - PAD.right} height={HEIGHT - PAD.top - PAD.bottom} className="plot" />
        {(['min', 'max'] as const).map((limit) => (
          <g key={limit} className={`limit limit-${limit}`} data-limit={limit}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(axis[limit])} y2={y(axis[limit])} />
            <text x={PAD.left - 4} y={y(axis[limit]) + 4} textAnchor="end">
              {limit} {shown(axis[limit])}
            </text>
          </g>
        ))}
        {points.length > 1 && <polyline points={line} className="values" />}
        {points
          .filter((p) => p.r.outcome !== 'flagged')
          .map((p) => (
            <circle key={p.r.sequence} cx={x(p.t)} cy={y(p.v)} r={2.5} className="point" />
          ))}
        {flagged.map((p) => (
          // biome-ignore lint/a11y/useSemanticElements: an SVG mark cannot be a <button>; it takes the keyboard like one
          <circle
            key={`f${p.r.sequence}`}
            cx={x(p.t)}
            cy={y(p.v)}
            r={p.r === selected ? 8 : 6}
            className="flagged"
            data-sequence={p.r.sequence}
            role="button"
            tabIndex={0}
            onClick={() => onSelect(p.r)}
            onKeyDown={(e) => e.key === 'Enter' && onSelect(p.r)}
          >
            <title>{`reading #${p.r.sequence} flagged: ${p.r.flag?.rules.join(', ')} (${shown(p.v)})`}</title>
          </circle>
        ))}
        {points.length === 0 && (
          <text x={WIDTH / 2} y={HEIGHT / 2} textAnchor="middle" className="muted">
            no readings
          </text>
        )}
      </svg>
    </figure>
  );
}
