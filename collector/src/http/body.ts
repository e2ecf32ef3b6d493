// Request bodies, capped: past the cap, reading stops and nothing of the body is kept.
import type { IncomingMessage } from 'node:http';

export const MAX_BODY_BYTES = 1024 * 1024;

/** The body, or undefined when it is over `limit` bytes (by its length header or by counting). */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer | undefined> {
  return new Promise((done, fail) => {
    if (Number(req.headers['content-length']) > limit) return done(undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData).pause();
      chunks.length = 0;
      done(undefined);
    };
    req.on('data', onData);
    req.on('end', () => done(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}
