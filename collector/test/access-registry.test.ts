// @vitest-environment node
// The access registry (issue 18 item 1) below the command line: secrets, the config file, key
// rotation, token revocation, origins, and the rate limiter. The commands themselves are run
// through the real bin in access-cli.test.ts.
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileAccessList } from '../src/auth/access-list.js';
import { runAccessCommand } from '../src/auth/commands.js';
import { clientAddress } from '../src/auth/client-address.js';
import { createRateLimiter } from '../src/auth/rate-limit.js';
import { readRegistry } from '../src/auth/registry-file.js';
import { hashToken } from '../src/auth/secrets.js';

const tempConfig = async () => join(await mkdtemp(join(tmpdir(), 'engage-access-')), 'engage.json');
const T0 = new Date('2026-11-24T15:00:00.000Z');
const at = (ms: number) => T0.getTime() + ms;

describe('the config file', () => {
  it('holds the org, its public key, and only the hash of its read token, with mode 0600', async () => {
    const config = await tempConfig();
    const { json } = await runAccessCommand(['org', 'add', 'org_1'], { config, origins: ['https://shop.example/'], now: T0 });
    expect(json).toEqual({ orgId: 'org_1', ingestKey: expect.stringMatching(/^ek_[\w-]{43}$/), readToken: expect.stringMatching(/^er_[\w-]{43}$/) });
    const text = await readFile(config, 'utf8');
    expect(text).not.toContain(json.readToken as string);
    expect(text).toContain(hashToken(json.readToken as string));
    expect(JSON.parse(text).orgs.org_1.origins).toEqual(['https://shop.example']);
    expect((await stat(config)).mode & 0o777).toBe(0o600);
  });

  it('gives every secret a different random value and a prefix of its kind', async () => {
    const config = await tempConfig();
    const a = (await runAccessCommand(['org', 'add', 'a'], { config })).json;
    const b = (await runAccessCommand(['org', 'add', 'b'], { config })).json;
    const admin = (await runAccessCommand(['admin-token', 'create'], { config })).json;
    expect(admin.adminToken).toMatch(/^ea_[\w-]{43}$/);
    expect(new Set([a.ingestKey, a.readToken, b.ingestKey, b.readToken, admin.adminToken]).size).toBe(5);
  });

  it('loses no change when commands run at once', async () => {
    const config = await tempConfig();
    await runAccessCommand(['org', 'add', 'org_1'], { config });
    await Promise.all(Array.from({ length: 8 }, () => runAccessCommand(['token', 'add', 'org_1'], { config })));
    expect((await readRegistry(config)).orgs.org_1.readTokens).toHaveLength(9);
  });

  it('refuses a hand edit that breaks it, naming the place', async () => {
    const config = await tempConfig();
    await runAccessCommand(['org', 'add', 'org_1'], { config });
    const data = JSON.parse(await readFile(config, 'utf8'));
    data.orgs.org_1.ingestKeys[0].expiresAt = 'soon';
    await writeFile(config, JSON.stringify(data));
    await expect(readRegistry(config)).rejects.toThrow('orgs["org_1"].ingestKeys[0].expiresAt: must be an ISO date-time');
  });

  it('refuses an org twice, an unknown org, and an origin with a path', async () => {
    const config = await tempConfig();
    await runAccessCommand(['org', 'add', 'org_1'], { config });
    await expect(runAccessCommand(['org', 'add', 'org_1'], { config })).rejects.toThrow('exists already');
    await expect(runAccessCommand(['token', 'add', 'org_2'], { config })).rejects.toThrow('no org "org_2"');
    await expect(runAccessCommand(['origin', 'add', 'org_1', 'https://shop.example/cart'], { config })).rejects.toThrow('is not an origin');
  });
});

describe('keys and tokens', () => {
  it('keeps a rotated key working during its grace and refuses it after', async () => {
    const config = await tempConfig();
    const { ingestKey: old } = (await runAccessCommand(['org', 'add', 'org_1'], { config, now: T0 })).json;
    const { ingestKey: next } = (await runAccessCommand(['key', 'rotate', 'org_1'], { config, grace: '2h', now: T0 })).json;
    const list = compileAccessList(await readRegistry(config));
    expect(list.ingestKey(old, at(2 * 3_600_000 - 1))?.orgId).toBe('org_1');
    expect(list.ingestKey(old, at(2 * 3_600_000))).toBeUndefined();
    expect(list.ingestKey(next, at(365 * 86_400_000))?.orgId).toBe('org_1');
  });

  it('ends the old keys at once with --grace 0s', async () => {
    const config = await tempConfig();
    const { ingestKey: old } = (await runAccessCommand(['org', 'add', 'org_1'], { config, now: T0 })).json;
    await runAccessCommand(['key', 'rotate', 'org_1'], { config, grace: '0s', now: T0 });
    expect(compileAccessList(await readRegistry(config)).ingestKey(old, at(0))).toBeUndefined();
  });

  it('refuses a grace that is not a number and a unit', async () => {
    const config = await tempConfig();
    await runAccessCommand(['org', 'add', 'org_1'], { config });
    await expect(runAccessCommand(['key', 'rotate', 'org_1'], { config, grace: '7 days' })).rejects.toThrow('--grace "7 days"');
  });

  it('tells a read token, an admin token, a revoked token and a key used as a token apart', async () => {
    const config = await tempConfig();
    const { ingestKey, readToken } = (await runAccessCommand(['org', 'add', 'org_1'], { config })).json as Record<string, string>;
    const { readToken: second } = (await runAccessCommand(['token', 'add', 'org_1'], { config })).json as Record<string, string>;
    const { adminToken } = (await runAccessCommand(['admin-token', 'create'], { config })).json as Record<string, string>;
    await runAccessCommand(['token', 'revoke', 'org_1', second], { config });
    const list = compileAccessList(await readRegistry(config));
    expect(list.reader(readToken)).toEqual({ kind: 'read', orgId: 'org_1' });
    expect(list.reader(adminToken)).toEqual({ kind: 'admin' });
    expect(list.reader(second)).toBeUndefined();
    expect(list.reader(ingestKey)).toBeUndefined();
    expect(list.ingestKey(readToken, Date.now())).toBeUndefined();
  });

  it('revokes a token by the hash the file shows, for an operator who lost the token', async () => {
    const config = await tempConfig();
    const { readToken } = (await runAccessCommand(['org', 'add', 'org_1'], { config })).json as Record<string, string>;
    await runAccessCommand(['token', 'revoke', 'org_1', hashToken(readToken)], { config });
    expect(compileAccessList(await readRegistry(config)).reader(readToken)).toBeUndefined();
    await expect(runAccessCommand(['token', 'revoke', 'org_1', readToken], { config })).rejects.toThrow('no such read token');
  });
});

describe('rate limits', () => {
  const limit = { perSecond: 2, burst: 3 };

  it('allows a burst, then refuses with the seconds until the next request is allowed', () => {
    const limiter = createRateLimiter();
    expect([1, 2, 3].map(() => limiter.take('k', limit, 0).ok)).toEqual([true, true, true]);
    expect(limiter.take('k', limit, 0)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take('k', limit, 500).ok).toBe(true); // refilled one
  });

  it('keeps each name apart', () => {
    const limiter = createRateLimiter();
    for (let i = 0; i < 10; i++) limiter.take('flooder', limit, 0);
    expect(limiter.take('flooder', limit, 0).ok).toBe(false);
    expect(limiter.take('quiet', limit, 0).ok).toBe(true);
  });

  it('bounds its memory: past maxBuckets the longest idle bucket is forgotten', () => {
    const limiter = createRateLimiter(2);
    for (let i = 0; i < 5; i++) limiter.take('a', limit, 0);
    limiter.take('b', limit, 0);
    limiter.take('c', limit, 0); // pushes out 'a'
    expect(limiter.take('a', limit, 0).ok).toBe(true);
  });
});

describe('the client address a limit counts', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:aaaa::1', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:bbbb:cccc:dddd:eeee', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('counts %s as %s', (address, key) => {
    expect(clientAddress(address, undefined, false)).toBe(key);
  });

  it('takes the address a trusted proxy saw, and ignores the header otherwise', () => {
    expect(clientAddress('10.0.0.1', '198.51.100.1, 203.0.113.9', true)).toBe('203.0.113.9');
    expect(clientAddress('10.0.0.1', '203.0.113.9', false)).toBe('10.0.0.1');
  });
});
