// Files for the dashboard and the demo: inside the given folder only (after resolving `..`,
// encoded slashes and symlinks), with a content type the browser will not second-guess.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** Answers with the file at `urlPath` (starting with '/') under `root`, or an error status; resolves to the status. */
export async function sendFile(res: ServerResponse, root: string, urlPath: string): Promise<number> {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return sendStatus(res, 400);
  }
  if (path.includes('\0')) return sendStatus(res, 400);
  if (path.endsWith('/')) path += 'index.html';

  let file: string;
  try {
    const base = await realpath(root);
    const inside = (p: string) => p.startsWith(base + sep);
    if (!inside(resolve(base, '.' + path))) return sendStatus(res, 403);
    // Again once symlinks are followed: a link must not lead out either.
    file = await realpath(resolve(base, '.' + path));
    if (!inside(file)) return sendStatus(res, 403);
    if (!(await stat(file)).isFile()) return sendStatus(res, 404);
  } catch {
    return sendStatus(res, 404);
  }
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  });
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
  return 200;
}

function sendStatus(res: ServerResponse, status: number): number {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${status}\n`);
  return status;
}
