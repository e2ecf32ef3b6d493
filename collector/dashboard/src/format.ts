// How numbers, changes and times read on the page. Counts change in %, rates in percentage
// points; "–" wherever there is nothing to compare with. Every change carries a sign and an
// arrow, so nothing is told by colour alone.

export const DASH = '–';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export const formatCount = (n: number): string => integer.format(n);

/** numerator / denominator; undefined when the denominator is 0. */
export const rateOf = (numerator: number, denominator: number): number | undefined =>
  denominator > 0 ? numerator / denominator : undefined;

export const formatRate = (rate: number | undefined): string => (rate === undefined ? DASH : `${oneDecimal.format(rate * 100)} %`);

export type Trend = 'up' | 'down' | 'flat' | 'none';

export interface Change {
  text: string;
  trend: Trend;
  /** Read out in full: "up 12.5 % on the previous range". */
  spoken: string;
}

const ARROW: Record<Trend, string> = { up: '▲', down: '▼', flat: '=', none: '' };

function change(delta: number | undefined, unit: string, spokenUnit: string): Change {
  if (delta === undefined || !Number.isFinite(delta)) {
    return { text: DASH, trend: 'none', spoken: 'no previous value to compare with' };
  }
  const rounded = Math.round(delta * 10) / 10;
  const trend: Trend = rounded > 0 ? 'up' : rounded < 0 ? 'down' : 'flat';
  const magnitude = oneDecimal.format(Math.abs(rounded));
  const sign = trend === 'up' ? '+' : trend === 'down' ? '−' : '±';
  return {
    text: `${ARROW[trend]} ${sign}${magnitude}${unit}`,
    trend,
    spoken: trend === 'flat' ? 'no change on the previous range' : `${trend} ${magnitude}${spokenUnit} on the previous range`,
  };
}

/** Counts: relative change in %, "–" when the previous value is 0. */
export const countChange = (current: number, previous: number): Change =>
  change(previous > 0 ? ((current - previous) / previous) * 100 : undefined, ' %', ' percent');

/** Rates: difference in percentage points, "–" when either rate has a zero denominator. */
export const rateChange = (current: number | undefined, previous: number | undefined): Change =>
  change(current === undefined || previous === undefined ? undefined : (current - previous) * 100, ' pp', ' percentage points');

/** A path longer than `max` keeps its start and end: "/docs/guides/…/install/linux". */
export function shortenPath(path: string, max = 42): string {
  const chars = Array.from(path); // code points: never half an emoji
  if (chars.length <= max) return path;
  const keep = max - 1;
  const head = Math.ceil(keep * 0.4);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (keep - head)).join('')}`;
}
