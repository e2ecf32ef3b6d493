// Headers every answer carries: nothing of ours may be framed, sniffed into another type, or
// leak its URL as a referrer; data is never cached (a shared proxy must not keep one org's
// numbers). Pages get a strict CSP: scripts, styles and requests from this origin only.
export type Headers = Record<string, string>;

const COMMON: Headers = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** HTML pages and their scripts and styles (the dashboard, the demo). */
export const PAGE_HEADERS: Readonly<Headers> = {
  ...COMMON,
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/** JSON, CSV and text answers: nothing in them may run, and nobody keeps a copy. */
export const DATA_HEADERS: Readonly<Headers> = {
  ...COMMON,
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
  'Cache-Control': 'no-store',
};
