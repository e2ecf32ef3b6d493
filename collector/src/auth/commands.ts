// The access commands of the command line (cli.ts parses argv and prints): each changes the
// config file under its lock and returns what to print, as JSON (--json) and as text. Secrets
// appear here once and nowhere else.
import { parseDuration } from './duration.js';
import { updateRegistry } from './registry-file.js';
import { addOrg, addOrigin, addReadToken, createAdminToken, removeOrigin, RegistryError, revokeReadToken, rotateKey } from './registry.js';

export const ACCESS_USAGE = `  org add ORG_ID [--origin URL]...    create an org: prints its ingest key and a read token
  admin-token create                  prints a token that reads every org
  key rotate ORG_ID [--grace 7d]      prints a new ingest key; older ones stop after the grace (s, m, h, d; 0s: now)
  token add ORG_ID                    prints a new read token of the org
  token revoke ORG_ID TOKEN           revokes a read token (the token, or its sha256:… from the file)
  origin add|remove ORG_ID URL        allows (or no longer allows) an origin to post with the org's key
  Each takes --config FILE (or $ENGAGE_CONFIG) and --json (one JSON object on stdout).`;

/** The first words of every access command. */
export const ACCESS_COMMANDS = ['org', 'admin-token', 'key', 'token', 'origin'] as const;

export interface AccessCommandOptions {
  /** The config file; created if missing. */
  config: string;
  /** --grace of key rotate; default 7d. */
  grace?: string;
  /** --origin of org add. */
  origins?: string[];
  now?: Date;
}

export interface CommandOutput {
  json: Record<string, unknown>;
  text: string;
}

const SHOWN_ONCE = 'Shown once: it is not stored, only its hash.';

export async function runAccessCommand(words: string[], options: AccessCommandOptions): Promise<CommandOutput> {
  const now = options.now ?? new Date();
  const [command, action, orgId, value] = words;
  const arity = (count: number, usage: string) => {
    if (words.length !== count) throw new RegistryError(`usage: engage-collector ${usage}`);
  };
  const update = <T>(change: Parameters<typeof updateRegistry<T>>[1]) => updateRegistry(options.config, change);

  switch (`${command} ${action}`) {
    case 'org add': {
      arity(3, 'org add ORG_ID [--origin URL]...');
      const { ingestKey, readToken } = await update((r) => addOrg(r, orgId, options.origins ?? [], now));
      return {
        json: { orgId, ingestKey, readToken },
        text: `org ${orgId} created\ningest key (public: the widget's key option): ${ingestKey}\nread token (secret: dashboard and API): ${readToken}\n${SHOWN_ONCE.replace('it is', 'the token is')}`,
      };
    }
    case 'admin-token create': {
      arity(2, 'admin-token create');
      const adminToken = await update((r) => createAdminToken(r, now));
      return { json: { adminToken }, text: `admin token (secret: reads every org, and /metrics): ${adminToken}\n${SHOWN_ONCE}` };
    }
    case 'key rotate': {
      arity(3, 'key rotate ORG_ID [--grace 7d]');
      const graceMs = parseDuration(options.grace ?? '7d');
      if (graceMs === undefined) throw new RegistryError(`--grace ${JSON.stringify(options.grace)}: a whole number and s, m, h or d, like 7d or 0s`);
      const ingestKey = await update((r) => rotateKey(r, orgId, graceMs, now));
      const until = new Date(now.getTime() + graceMs).toISOString();
      return { json: { ingestKey }, text: `new ingest key of ${orgId}: ${ingestKey}\nolder keys work until ${until}` };
    }
    case 'token add': {
      arity(3, 'token add ORG_ID');
      const readToken = await update((r) => addReadToken(r, orgId, now));
      return { json: { readToken }, text: `read token of ${orgId}: ${readToken}\n${SHOWN_ONCE}` };
    }
    case 'token revoke': {
      arity(4, 'token revoke ORG_ID TOKEN');
      const revoked = await update((r) => {
        if (!revokeReadToken(r, orgId, value)) throw new RegistryError(`org ${JSON.stringify(orgId)} has no such read token`);
        return true;
      });
      return { json: { revoked }, text: `read token revoked (it stops working within a second on a running collector)` };
    }
    case 'origin add':
    case 'origin remove': {
      arity(4, `origin ${action} ORG_ID URL`);
      const origins = await update((r) => {
        const changed = action === 'add' ? addOrigin(r, orgId, value) : removeOrigin(r, orgId, value);
        if (!changed) throw new RegistryError(`${value} ${action === 'add' ? 'is already' : 'is not'} an allowed origin of ${orgId}`);
        return r.orgs[orgId].origins;
      });
      const text = origins.length ? `origins of ${orgId}: ${origins.join(' ')}` : `${orgId} has no origin list: pages of any origin may post with its key`;
      return { json: { orgId, origins }, text };
    }
    default:
      throw new RegistryError(`unknown command: ${words.join(' ')}\n${ACCESS_USAGE}`);
  }
}
