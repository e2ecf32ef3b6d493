// @vitest-environment node
// Import guards (STYLE.md): the few files allowed to touch the page, idb, or anything with side
// effects are named here, so a stray `window.` or `import 'idb'` fails a test, not a customer page.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
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

  it('only store.ts imports idb, and no other file speaks to IndexedDB', () => {
    const offenders = files.filter((f) => f !== 'store.ts' && (importsOf(f).some((i) => i.from === 'idb' || i.from.startsWith('idb/')) || /\b(IDBKeyRange|objectStore)\b/.test(code(f))));
    expect(offenders).toEqual([]);
    expect(importsOf('store.ts').some((i) => i.from === 'idb')).toBe(true);
    expect(files.filter((f) => importsOf(f).some((i) => !i.from.startsWith('.') && i.from !== 'idb'))).toEqual([]);
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

describe('a bare clone is self-contained', () => {
  const ROOT = resolve('.');
  const SKIP = new Set(['node_modules', 'dist', '.git', 'coverage']);
  /** Every project file that could read a path: code, configs, pages. */
  const projectFiles = (dir = ROOT): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      if (SKIP.has(entry.name)) return [];
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return projectFiles(path);
      return /\.(?:[cm]?[jt]s|json|html)$/.test(entry.name) || entry.name === 'run' ? [path] : [];
    });
  /** Relative path literals ('../x', './y', '..') resolved against the file's folder. */
  const escapes = (file: string) =>
    [...readFileSync(file, 'utf8').matchAll(/['"`](\.\.?(?:\/[^'"`\s]*)?)['"`]/g)]
      .map((m) => m[1])
      .filter((literal) => {
        const target = resolve(dirname(file), literal);
        return target !== ROOT && !target.startsWith(ROOT + sep);
      });
  /** Absolute paths of a developer's machine: a clone elsewhere has none of them. */
  const machinePaths = (file: string) => [...readFileSync(file, 'utf8').matchAll(/['"`](\/(?:work|home|Users|root|mnt)\/[^'"`]*)['"`]/g)].map((m) => m[1]);

  it('found the project files', () => {
    const names = projectFiles().map((f) => relative(ROOT, f).split(sep).join('/'));
    expect(names).toEqual(expect.arrayContaining(['package.json', 'scripts/build.mjs', 'test/metrics.test.ts', 'examples/start.mjs']));
  });

  it('no file names a path outside the repository', () => {
    const offenders = projectFiles().flatMap((f) => [...escapes(f), ...machinePaths(f)].map((p) => `${relative(ROOT, f)}: ${p}`));
    expect(offenders).toEqual([]);
  });
});
