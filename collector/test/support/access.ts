// A config file with two orgs and an admin token, made by the access commands, for tests of
// a collector in token mode; and the wire shapes those tests post.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricEvent, MetricName } from 'engage-tracker/metrics';
import { runAccessCommand } from '../../src/auth/commands.js';
import type { Limits } from '../../src/auth/registry.js';

export interface OrgSecrets {
  ingestKey: string;
  readToken: string;
}

export interface TestConfig {
  dir: string;
  config: string;
  org1: OrgSecrets;
  org2: OrgSecrets;
  adminToken: string;
}

/** org_1 allows https://shop.example only; org_2 allows any origin. */
export async function makeConfig(options: { limits?: Partial<Limits>; trustProxy?: boolean } = {}): Promise<TestConfig> {
  const dir = mkdtempSync(join(tmpdir(), 'engage-access-'));
  const config = join(dir, 'engage.json');
  const org1 = (await runAccessCommand(['org', 'add', 'org_1'], { config, origins: ['https://shop.example'] })).json as unknown as OrgSecrets;
  const org2 = (await runAccessCommand(['org', 'add', 'org_2'], { config })).json as unknown as OrgSecrets;
  const { adminToken } = (await runAccessCommand(['admin-token', 'create'], { config })).json as { adminToken: string };
  if (options.limits || options.trustProxy) {
    // As an operator would: by hand, in the same file.
    const data = JSON.parse(readFileSync(config, 'utf8'));
    Object.assign(data, options.limits ? { limits: options.limits } : {}, options.trustProxy ? { trustProxy: true } : {});
    writeFileSync(config, JSON.stringify(data, null, 2), { mode: 0o600 });
  }
  return { dir, config, org1, org2, adminToken };
}

let lastId = 0;
export const ev = (fields: Partial<MetricEvent> = {}, metric: MetricName = 'inbound_chat_requested'): MetricEvent => ({
  id: `ev-${process.pid}-${++lastId}`,
  metric,
  orgId: 'org_1',
  visitorId: 'v1',
  sessionId: 's1',
  page: '/pricing',
  occurredAt: new Date().toISOString(),
  ...fields,
});

/** A batch body as the SDK sends it (sentAt: now, by a clock that is right, unless given). */
export const batch = (key: string | undefined, events: unknown[], sentAt = new Date().toISOString()) => ({
  ...(key === undefined ? {} : { key }),
  sdk: { name: 'engage-tracker', version: '0.1.0' },
  sentAt,
  events,
});
