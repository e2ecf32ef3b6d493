// What a page may send as it goes away. Browsers allow 64 KiB of keepalive request bodies in
// flight per page, and Chromium counts sendBeacon bodies in the same 64 KiB: a beacon cannot
// take over past it. So there is one allowance, shared by every tracker of the page whichever
// bundle started it (it lives on the global object), and no beacon.
import { post, type Answer } from './transport';

/** The 64 KiB, less room for what else the browser counts. */
export const KEEPALIVE_BYTES = 64_000;

const KEY = Symbol.for('engage-tracker:keepalive');

/** Bytes of this page's keepalive bodies in flight, for every tracker of the page. */
const inFlight = (): { bytes: number } => {
  // (Not `??=`, which the ES2020 output spells with a temporary.)
  const page = globalThis as unknown as Record<symbol, { bytes: number }>;
  return page[KEY] ?? (page[KEY] = { bytes: 0 });
};

export const byteLength = (text: string): number => new Blob([text]).size;

/** What is left of the allowance now. */
export const keepaliveRoom = (): number => KEEPALIVE_BYTES - inFlight().bytes;

/** Sends `body` so it may outlive the page, when the allowance takes it; else undefined. */
export function sendKeepalive(endpoint: string, body: string): Promise<Answer> | undefined {
  const bytes = byteLength(body);
  const allowance = inFlight();
  if (allowance.bytes + bytes > KEEPALIVE_BYTES) return undefined;
  allowance.bytes += bytes;
  return post(endpoint, body, {}, true).finally(() => (allowance.bytes -= bytes));
}
