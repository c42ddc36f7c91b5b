import type { Express } from 'express';

export interface RouteEntry {
  method: string;
  /** Express path syntax, e.g. `/api/v1/events/:id`. */
  path: string;
}

interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/**
 * Express apps mounted inside an app (Bull Board's): Express keeps no reference from the parent
 * to them, so whoever mounts one records it here for `listRoutes`.
 */
const mountedApps = new WeakMap<Express, Array<{ path: string; app: Express }>>();

export function recordMountedApp(parent: Express, path: string, app: Express): void {
  mountedApps.set(parent, [...(mountedApps.get(parent) ?? []), { path, app }]);
}

function joinPath(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

/**
 * Every (method, path) an Express app routes, mounted routers included (read from Express 5's
 * router stack): what the fuzz test aims at, and what an API description must cover.
 */
export function listRoutes(app: Express): RouteEntry[] {
  const routes: RouteEntry[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths.filter((item): item is string => typeof item === 'string')) {
          for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') routes.push({ method: method.toUpperCase(), path: joinPath(prefix, path) });
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, typeof layer.rawPath === 'string' ? joinPath(prefix, layer.rawPath) : prefix);
      }
    }
  };
  const walkApp = (inner: Express, prefix: string) => {
    walk((inner as unknown as { router: { stack: Layer[] } }).router.stack, prefix);
    for (const mounted of mountedApps.get(inner) ?? []) walkApp(mounted.app, joinPath(prefix, mounted.path));
  };
  walkApp(app, '');
  const seen = new Set<string>();
  return routes.filter((route) => {
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
