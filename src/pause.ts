// The pause an endpoint asked for (Retry-After) outlives the page: kept in localStorage, so no
// page or tab of this origin sends to it before the pause ends. Without localStorage (some
// sandboxed frames), this page alone keeps it.
import { localStore } from './env';

export interface Pause {
  /** Milliseconds until the endpoint may be asked again; 0 when it may be now. */
  left(): number;
  /** The endpoint asked for quiet until `until` (epoch ms). The longest pause asked for holds. */
  extend(until: number): void;
}

export function pauseFor(orgId: string): Pause {
  const key = `engage-tracker:${orgId}:pause`;
  let until = 0;
  /** The latest end this page or another one stored. */
  const end = () => Math.max(until, Number(localStore()?.getItem(key)) || 0);
  return {
    left: () => Math.max(0, end() - Date.now()),
    extend(next) {
      until = Math.max(end(), next);
      try {
        localStore()?.setItem(key, String(until));
      } catch {
        // Quota or a disabled storage: this page keeps the pause alone.
      }
    },
  };
}
