// A small router: exact paths or path prefixes, per method, tried in the order added. A route
// handler gets the request, the response and the parsed URL; what it throws becomes a 500.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
}

export type Handler = (ctx: RouteContext) => unknown;

interface Route {
  path: string;
  prefix: boolean;
  methods: Map<string, Handler>;
}

export interface Router {
  /** `path` ending in `/*` matches that folder and everything below it. */
  add(methods: string | readonly string[], path: string, handler: Handler): Router;
  /** The route's handler for the request, or why there is none (404, or 405 with Allow). */
  find(method: string, pathname: string): { handler: Handler } | { status: 404 } | { status: 405; allow: string };
}

export function createRouter(): Router {
  const routes: Route[] = [];
  const router: Router = {
    add(methods, path, handler) {
      const prefix = path.endsWith('/*');
      const clean = prefix ? path.slice(0, -1) : path;
      let route = routes.find((r) => r.path === clean && r.prefix === prefix);
      if (!route) routes.push((route = { path: clean, prefix, methods: new Map() }));
      for (const method of typeof methods === 'string' ? [methods] : methods) route.methods.set(method, handler);
      return router;
    },
    find(method, pathname) {
      const route = routes.find((r) => (r.prefix ? pathname.startsWith(r.path) : pathname === r.path));
      if (!route) return { status: 404 };
      const handler = route.methods.get(method) ?? (method === 'HEAD' ? route.methods.get('GET') : undefined);
      if (handler) return { handler };
      return { status: 405, allow: [...route.methods.keys(), 'OPTIONS'].join(', ') };
    },
  };
  return router;
}
