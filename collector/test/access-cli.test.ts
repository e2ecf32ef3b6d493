// @vitest-environment node
// The real engage-collector bin (issue 18 items 1, 7 and 8): the access commands with --json,
// the config file they write, the safe defaults at start, and SIGTERM losing no acknowledged
// event. Needs the build (`npm run build`).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batch, ev } from './support/access.js';
import { readStoredRows } from './support/db.js';

const BIN = join(import.meta.dirname, '../dist/cli.js');

let dir: string;
let config: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'engage-cli-'));
  config = join(dir, 'engage.json');
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the bin to its end. */
function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, ENGAGE_CONFIG: '', HOST: '', PORT: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', fail).on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Runs a command with --json: exit 0 and exactly one JSON object on stdout. */
async function json(args: string[], env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const result = await run([...args, '--json'], env);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout.trim().split('\n')).toHaveLength(1);
  return JSON.parse(result.stdout);
}

const servers: ChildProcess[] = [];
afterEach(() => {
  for (const child of servers.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts `serve` and resolves with its URL once it listens, and its output so far. */
function serve(args: string[]): Promise<{ child: ChildProcess; url: string; output: string[]; exited: Promise<number | null> }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args, '--port', '0'], { cwd: dir, env: { ...process.env, ENGAGE_CONFIG: '', HOST: '', PORT: '' } });
    servers.push(child);
    const output: string[] = [];
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => output.push(d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output.push(...d.split('\n').filter(Boolean));
      const listening = /listening on (http:\/\/\S+)/.exec(d);
      if (listening) done({ child, url: listening[1], output, exited });
    });
    void exited.then((code) => fail(new Error(`exited ${code}: ${output.join('\n')}`)));
  });
}

describe('access commands', () => {
  it('org add prints the org, its ingest key and a read token, and writes them to a 0600 file', async () => {
    const out = await json(['org', 'add', 'org_1', '--origin', 'https://shop.example', '--origin', 'https://www.shop.example', '--config', config]);
    expect(Object.keys(out)).toEqual(['orgId', 'ingestKey', 'readToken']);
    expect(out).toMatchObject({ orgId: 'org_1', ingestKey: expect.stringMatching(/^ek_/), readToken: expect.stringMatching(/^er_/) });
    expect(statSync(config).mode & 0o777).toBe(0o600);
    const file = readFileSync(config, 'utf8');
    expect(JSON.parse(file).orgs.org_1.origins).toEqual(['https://shop.example', 'https://www.shop.example']);
    expect(file).toContain(out.ingestKey as string);
    expect(file).not.toContain(out.readToken as string);
  });

  it('admin-token create, key rotate, token add and revoke, origin add and remove each print one JSON object', async () => {
    await json(['org', 'add', 'org_1', '--config', config]);
    expect(await json(['admin-token', 'create', '--config', config])).toEqual({ adminToken: expect.stringMatching(/^ea_[\w-]{43}$/) });
    expect(await json(['key', 'rotate', 'org_1', '--grace', '1h', '--config', config])).toEqual({ ingestKey: expect.stringMatching(/^ek_[\w-]{43}$/) });
    const { readToken } = await json(['token', 'add', 'org_1', '--config', config]);
    expect(readToken).toMatch(/^er_[\w-]{43}$/);
    expect(await json(['token', 'revoke', 'org_1', readToken as string, '--config', config])).toEqual({ revoked: true });
    expect(await json(['origin', 'add', 'org_1', 'https://shop.example/', '--config', config])).toEqual({ orgId: 'org_1', origins: ['https://shop.example'] });
    expect(await json(['origin', 'remove', 'org_1', 'https://shop.example', '--config', config])).toEqual({ orgId: 'org_1', origins: [] });
    const org = JSON.parse(readFileSync(config, 'utf8')).orgs.org_1;
    expect(org.ingestKeys).toHaveLength(2);
    expect(org.ingestKeys[0].expiresAt).toEqual(expect.any(String));
    expect(org.readTokens).toHaveLength(1);
  });

  it('reads the config file from ENGAGE_CONFIG', async () => {
    await json(['org', 'add', 'org_1'], { ENGAGE_CONFIG: config });
    expect(Object.keys(JSON.parse(readFileSync(config, 'utf8')).orgs)).toEqual(['org_1']);
  });

  it('fails with exit code 1 and, with --json, one JSON error object', async () => {
    await json(['org', 'add', 'org_1', '--config', config]);
    const again = await run(['org', 'add', 'org_1', '--config', config, '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toEqual({ error: { message: 'org "org_1" exists already' } });
    const noConfig = await run(['token', 'add', 'org_1']);
    expect(noConfig.code).toBe(1);
    expect(noConfig.stderr).toContain('--config FILE or ENGAGE_CONFIG');
  });

  it('prints secrets for a person without --json, saying they are shown once', async () => {
    const result = await run(['org', 'add', 'org_1', '--config', config]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ingest key \(public: the widget's key option\): ek_\S+/);
    expect(result.stdout).toContain('Shown once');
  });
});

describe('safe defaults', () => {
  it('refuses to listen on 0.0.0.0 without a config file, saying what to run', async () => {
    const result = await run(['--host', '0.0.0.0', '--port', '0', '--db', join(dir, 'x.duckdb')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('refusing to listen on 0.0.0.0 without a config file');
    expect(result.stderr).toContain('engage-collector org add');
    expect(result.stdout).not.toContain('listening');
  });

  it('refuses HOST=:: from the environment too', async () => {
    const result = await run(['--port', '0', '--db', join(dir, 'x.duckdb')], { HOST: '::' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('refusing to listen on ::');
  });

  it('runs in open demo mode on loopback without a config, saying so in one line', async () => {
    const server = await serve(['--db', join(dir, 'open.duckdb')]);
    expect(server.output.filter((l) => l.includes('open demo mode'))).toHaveLength(1);
    const session = await fetch(`${server.url}/v1/session`);
    expect(await session.json()).toEqual({ mode: 'open', orgs: [] });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('refuses to start with a config file that does not exist', async () => {
    const result = await run(['--port', '0', '--db', join(dir, 'x.duckdb'), '--config', join(dir, 'missing.json')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no config file at');
  });
});

describe('SIGTERM', () => {
  it('stops accepting, commits what is in flight, and exits 0, losing no acknowledged event', async () => {
    const { ingestKey } = await json(['org', 'add', 'org_1', '--config', config]);
    // The stream is one address with one key: room for it under the limits.
    const data = JSON.parse(readFileSync(config, 'utf8'));
    data.limits = { ingestPerKey: { perSecond: 10_000, burst: 10_000 }, ingestPerAddress: { perSecond: 10_000, burst: 10_000 } };
    (await import('node:fs')).writeFileSync(config, JSON.stringify(data));
    const db = join(dir, 'term.duckdb');
    const server = await serve(['--db', db, '--config', config]);
    const acknowledged: string[] = [];
    let stop = false;
    const stream = async () => {
      while (!stop) {
        const events = Array.from({ length: 20 }, () => ev());
        try {
          const res = await fetch(`${server.url}/v1/engage`, { method: 'POST', body: JSON.stringify(batch(ingestKey as string, events)) });
          if (res.status === 200) acknowledged.push(...events.map((e) => e.id));
        } catch {
          stop = true; // the collector went away: the SDK would retry this batch
        }
      }
    };
    const streams = Array.from({ length: 4 }, stream);
    while (acknowledged.length < 400) await new Promise((resume) => setTimeout(resume, 20));
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    stop = true;
    await Promise.all(streams);
    const stored = new Set((await readStoredRows(db)).map((r) => r.id));
    expect(acknowledged.length).toBeGreaterThanOrEqual(400);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
  });
});
