import { useEffect, useState } from 'react';
import { indexGet, isRefused, type MapDevice, type TownMapAnswer } from './api.js';
import { short } from './format.js';

const WIDTH = 720;
const HEIGHT = 360;
const MARGIN = 24;
const KM_PER_DEGREE = 111.32;
/** The drawing's grid lines (a town plan's squares; not a scale: the scale bar is). */
const GRID_X = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => (WIDTH / 10) * i);
const GRID_Y = [1, 2, 3, 4].map((i) => (HEIGHT / 5) * i);

/** Status colours of the markers (the fleet table's badges). */
const FILL: Record<string, string> = { active: '#2e7d32', suspended: '#b26a00', revoked: '#b3261e' };

/**
 * The town's projection: equirectangular around the fleet's middle latitude (longitudes shrink by
 * its cosine), fitted to the drawing; precise enough for a town, and it needs no tile.
 */
export function projectTown(devices: readonly Pick<MapDevice, 'latitude' | 'longitude'>[]) {
  const lats = devices.map((d) => d.latitude);
  const lons = devices.map((d) => d.longitude);
  const [south, north, west, east] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  const squeeze = Math.cos((((south + north) / 2) * Math.PI) / 180);
  // Kilometres of the box; at least 1 km each way, so that one sensor (or a row) is not a division by zero.
  const widthKm = Math.max((east - west) * KM_PER_DEGREE * squeeze, 1);
  const heightKm = Math.max((north - south) * KM_PER_DEGREE, 1);
  const pxPerKm = Math.min((WIDTH - 2 * MARGIN) / widthKm, (HEIGHT - 2 * MARGIN) / heightKm);
  const [midLat, midLon] = [(south + north) / 2, (west + east) / 2];
  return {
    pxPerKm,
    point: (d: Pick<MapDevice, 'latitude' | 'longitude'>) => ({
      x: WIDTH / 2 + (d.longitude - midLon) * KM_PER_DEGREE * squeeze * pxPerKm,
      y: HEIGHT / 2 - (d.latitude - midLat) * KM_PER_DEGREE * pxPerKm,
    }),
  };
}

/** A scale bar of a round length (0.1, 0.2, 0.5, 1, 2, 5 km ...) near a fifth of the drawing. */
function scaleBar(pxPerKm: number): { km: number; px: number } {
  const target = WIDTH / 5 / pxPerKm;
  const power = 10 ** Math.floor(Math.log10(target));
  const km =
    [1, 2, 5, 10]
      .map((m) => m * power)
      .filter((v) => v <= target)
      .pop() ?? power;
  return { km, px: km * pxPerKm };
}

/**
 * A schematic map of the town: each device with a location in the operator's metadata, placed by
 * its coordinates, coloured by status, ringed red when flagged; a click opens the device's page.
 */
export function TownMap({ onRefused }: { onRefused: () => void }) {
  const [map, setMap] = useState<TownMapAnswer>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let current = true;
    indexGet<TownMapAnswer>('/v1/index/map')
      .then((answer) => current && setMap(answer))
      .catch((e: unknown) => {
        if (isRefused(e)) onRefused();
        else if (current) setError((e as Error).message);
      });
    return () => {
      current = false;
    };
  }, [onRefused]);
  if (error) return <p className="error">{error}</p>;
  if (!map) return null;
  if (map.items.length === 0)
    return (
      <p className="muted">
        No device has a location yet: a registration request&apos;s <code>metadata</code> gives one (<code>latitude</code>,{' '}
        <code>longitude</code>).
      </p>
    );
  const { point, pxPerKm } = projectTown(map.items);
  const bar = scaleBar(pxPerKm);
  const flagged = map.items.filter((d) => d.flags > 0).length;
  return (
    <figure className="town-map">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label="map of the town's sensors">
        <rect className="town" x={0} y={0} width={WIDTH} height={HEIGHT} />
        {GRID_X.map((x) => (
          <line key={`x${x}`} className="grid" x1={x} x2={x} y1={0} y2={HEIGHT} />
        ))}
        {GRID_Y.map((y) => (
          <line key={`y${y}`} className="grid" y1={y} y2={y} x1={0} x2={WIDTH} />
        ))}
        <text className="north" x={WIDTH - 10} y={22} textAnchor="end">
          N ↑
        </text>
        <g className="scale">
          <line x1={MARGIN} x2={MARGIN + bar.px} y1={HEIGHT - 12} y2={HEIGHT - 12} />
          <text x={MARGIN} y={HEIGHT - 16}>
            {bar.km >= 1 ? `${bar.km} km` : `${Math.round(bar.km * 1000)} m`}
          </text>
        </g>
        {map.items.map((d) => {
          const { x, y } = point(d);
          return (
            <a key={d.device} href={`#/devices/${d.device}`} data-device={d.device} data-status={d.status} data-flagged={d.flags > 0}>
              <title>{`${d.name ?? short(d.device)}: ${d.status}${d.flags > 0 ? `, ${d.flags} flagged readings` : ''}`}</title>
              {d.flags > 0 && <circle className="flag-ring" cx={x} cy={y} r={11} />}
              <circle cx={x} cy={y} r={6} fill={FILL[d.status] ?? '#555'} className="sensor" />
              {d.name && (
                <text className="label" x={x + 14} y={y + 4}>
                  {d.name}
                </text>
              )}
            </a>
          );
        })}
      </svg>
      <figcaption className="muted">
        {map.items.length} sensors placed by the operator&apos;s metadata
        {map.unplaced > 0 && `, ${map.unplaced} without a location`}
        {map.truncated && ' (the first ones only)'}; {flagged} flagged (red ring). <span className="legend-active">●</span> active{' '}
        <span className="legend-suspended">●</span> suspended <span className="legend-revoked">●</span> revoked. Click a sensor for its
        page.
      </figcaption>
    </figure>
  );
}
