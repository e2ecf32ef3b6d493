// The engines a run covers: all three, or those named in ENGINES (e.g. ENGINES=firefox,webkit).
import type { Engine, EngineName } from './driver';
import { startChromium } from './chromium';
import { startFirefox } from './firefox';
import { startWebKit, WEBKIT_CANNOT } from './webkit';

export * from './driver';

const STARTERS: Record<EngineName, () => Promise<Engine>> = { chromium: startChromium, firefox: startFirefox, webkit: startWebKit };
export const ALL_ENGINES = Object.keys(STARTERS) as EngineName[];

/** ENGINES from the environment (comma-separated), all three when unset; an unknown name is an error, not a silent skip. */
export function selectedEngines(value = process.env.ENGINES): EngineName[] {
  if (!value?.trim()) return ALL_ENGINES;
  const names = value.split(',').map((n) => n.trim().toLowerCase()).filter(Boolean);
  const unknown = names.filter((n) => !(n in STARTERS));
  if (unknown.length) throw new Error(`ENGINES: unknown engine(s) ${unknown.join(', ')}; known: ${ALL_ENGINES.join(', ')}`);
  return names as EngineName[];
}

export const startEngine = (name: EngineName): Promise<Engine> => STARTERS[name]();

/** What each engine cannot do, known before it starts: a scenario needing it is reported as skipped, with the reason. */
export const CANNOT: Record<EngineName, Engine['cannot']> = { chromium: {}, firefox: {}, webkit: WEBKIT_CANNOT };
