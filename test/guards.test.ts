// @vitest-environment node
// Import guards (STYLE.md): the few files allowed to touch the page, idb, or anything with side
// effects are named here, so a stray `window.` or `import 'idb'` fails a test, not a customer page.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = 'src';
const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => /\.[cm]?[jt]s$/.test(f)).map((f) => f.split('\\').join('/'));
/** Source without comments and string contents, so prose and messages never trip a guard. */
const code = (file: string) =>
  readFileSync(join(SRC, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/(['"`])(?:\\.|(?!\1)[^\\\n])*\1/g, '""');
const importsOf = (file: string) => [...readFileSync(join(SRC, file), 'utf8').matchAll(/^import\s+(type\s+)?[^'"]*['"]([^'"]+)['"]/gm)].map((m) => ({ typeOnly: !!m[1], from: m[2] }));

describe('import guards', () => {
  it('found the sources', () => {
    expect(files).toEqual(expect.arrayContaining(['tracker.ts', 'store.ts', 'env.ts', 'metrics/aggregate.ts']));
  });

  it('only env.ts and hooks.ts read window or document (and the two script-tag files, which define window.engage)', () => {
    const allowed = ['env.ts', 'hooks.ts', 'script-tag.ts', 'snippet.js'];
    const offenders = files.filter((f) => !allowed.includes(f) && /\b(window|document)\b/.test(code(f)));
    expect(offenders).toEqual([]);
  });

  it('only store.ts imports idb', () => {
    const offenders = files.filter((f) => f !== 'store.ts' && importsOf(f).some((i) => i.from === 'idb' || i.from.startsWith('idb/')));
    expect(offenders).toEqual([]);
    expect(importsOf('store.ts').some((i) => i.from === 'idb')).toBe(true);
  });

  it('engage-tracker/metrics is pure: it imports only its own files and types', () => {
    const offenders = files
      .filter((f) => f.startsWith('metrics/'))
      .flatMap((f) => importsOf(f).filter((i) => !i.typeOnly && !i.from.startsWith('./')).map((i) => `${f} imports ${i.from}`));
    expect(offenders).toEqual([]);
  });

  it('the pure rule modules import no code with side effects (types and other pure modules only)', () => {
    const pure = ['classify.ts', 'session.ts', 'backoff.ts', 'apply.ts', 'metric-event.ts'];
    const offenders = pure.flatMap((f) =>
      importsOf(f)
        .filter((i) => !i.typeOnly && !pure.includes(i.from.replace('./', '') + '.ts'))
        .map((i) => `${f} imports ${i.from}`),
    );
    expect(offenders).toEqual([]);
  });
});
