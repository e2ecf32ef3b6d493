// @vitest-environment node
// Org ids are the customer's own strings: one that is also the name of a property every
// JavaScript object has (`__proto__`, `constructor`) is an org like any other, in the config
// file the access commands write and for the commands that come after. Through the real bin;
// needs the build (`npm run build`).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../dist/cli.js');

let dir: string;
let config: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'engage-org-ids-'));
  config = join(dir, 'engage.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs an access command with --json: its exit code and the one JSON object it printed. */
function command(args: string[]): Promise<{ code: number | null; out: Record<string, unknown> }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args, '--config', config, '--json'], { cwd: dir, env: { ...process.env, ENGAGE_CONFIG: '' } });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.on('error', fail).on('close', (code) => done({ code, out: JSON.parse(stdout) }));
  });
}

describe('org ids that are names of object properties', () => {
  it.each(['__proto__', 'constructor', 'toString'])('org add %s keeps the org in the file, and later commands find it', async (orgId) => {
    const added = await command(['org', 'add', orgId]);
    expect(added).toEqual({ code: 0, out: { orgId, ingestKey: expect.stringMatching(/^ek_/), readToken: expect.stringMatching(/^er_/) } });
    const orgs = JSON.parse(readFileSync(config, 'utf8')).orgs;
    expect(Object.keys(orgs)).toEqual([orgId]);
    expect(readFileSync(config, 'utf8')).toContain(added.out.ingestKey as string);
    expect(await command(['token', 'add', orgId])).toEqual({ code: 0, out: { readToken: expect.stringMatching(/^er_/) } });
    expect((await command(['org', 'add', orgId])).code).toBe(1);
  });
});
