// WebKit through WebKitGTK's WebKitWebDriver (Debian's webkit2gtk-driver) over classic
// WebDriver, with a client of a few lines over fetch. WebKitGTK has no headless mode: the
// driver's MiniBrowser draws into an Xvfb display of our own. Each profile is one WebDriver
// session, i.e. one MiniBrowser started with --automation, which keeps its website data in
// memory only: a fresh profile every time.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';
import type { Engine, Profile, Tab } from './driver';
import { historyStep, navigateBy } from './navigation';

/** What classic WebDriver cannot do here, known before the engine starts (the test report names it). */
export const WEBKIT_CANNOT = {
  offline: 'classic WebDriver has no network emulation (WebKitWebDriver speaks no BiDi), so the browser cannot be taken offline',
  console: 'classic WebDriver gives no console log (WebKitWebDriver has no log endpoint)',
} as const;

export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver';

/** A process group started detached, ended with its children (MiniBrowser, its web processes). */
function stopGroup(child: ChildProcess) {
  if (child.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
}

/**
 * Spawns `command` in a process group of its own, under a small shell that ends the group once
 * this Node process is gone: a test worker killed mid-run leaves no display or browser behind.
 */
function spawnGuarded(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const watch = `"$@" & while kill -0 ${process.pid} 2>/dev/null && kill -0 $! 2>/dev/null; do sleep 1; done; kill -TERM 0`;
  return spawn('sh', ['-c', watch, 'sh', command, ...args], { ...options, detached: true });
}

const freePort = (): Promise<number> =>
  new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });

/** Starts Xvfb on a free display number, which it reports on fd 3. */
async function startXvfb(): Promise<{ display: string; child: ChildProcess }> {
  const child = spawnGuarded('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const display = await new Promise<string>((ok, fail) => {
    child.once('error', (err) => fail(new Error(`cannot start Xvfb (apt-get install -y xvfb): ${err.message}`)));
    child.once('exit', (code) => fail(new Error(`Xvfb exited with ${code} (installed? apt-get install -y xvfb)`)));
    child.stdio[3]?.once('data', (d: Buffer) => ok(':' + String(d).trim()));
  });
  return { display, child };
}

interface WireError {
  error: string;
  message: string;
}

/** One WebDriver command; throws with the driver's error name and message. */
async function command<T>(base: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<T> {
  const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  const { value } = (await res.json()) as { value: T | WireError };
  if (!res.ok) {
    const e = value as WireError;
    throw new Error(`WebDriver ${method} ${path}: ${e.error}: ${e.message}`);
  }
  return value as T;
}

/**
 * One WebDriver session. Commands go to "the current window", so every tab's command runs in
 * turn, switching windows first: a queue keeps two tabs' commands from interleaving.
 */
class Session {
  private queue: Promise<unknown> = Promise.resolve();
  private current = '';
  browserVersion = '';
  constructor(
    private readonly base: string,
    readonly id: string,
  ) {}

  static async start(base: string): Promise<Session> {
    const s = await command<{ sessionId: string; capabilities: { browserVersion?: string } }>(base, 'POST', '/session', { capabilities: { alwaysMatch: { pageLoadStrategy: 'normal' } } });
    const session = new Session(base, s.sessionId);
    session.browserVersion = s.capabilities.browserVersion ?? '?';
    session.current = await session.raw<string>('GET', '/window');
    return session;
  }

  private raw<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<T> {
    return command<T>(this.base, method, `/session/${this.id}${path}`, body);
  }

  /** Runs `method path` in window `handle` (undefined: whichever is current), after the commands before it. */
  run<T>(handle: string | undefined, method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<T> {
    const next = this.queue.then(async () => {
      if (handle && handle !== this.current) {
        await this.raw('POST', '/window', { handle });
        this.current = handle;
      }
      const value = await this.raw<T>(method, path, body);
      if (method === 'DELETE' && path === '/window') this.current = '';
      return value;
    });
    this.queue = next.catch(() => {});
    return next;
  }

  firstWindow(): string {
    return this.current;
  }

  end(): Promise<unknown> {
    return this.queue.then(() => this.raw('DELETE', ''));
  }
}

/** The page side of evaluate: the function's result, or its error as text (never thrown into WebDriver). */
const ASYNC_WRAPPER = (source: string) => `
const done = arguments[arguments.length - 1];
const arg = arguments[0];
Promise.resolve().then(() => (${source})(arg)).then(
  (value) => done({ ok: value === undefined ? null : value }),
  (err) => done({ error: String((err && err.stack) || err) }),
);`;

function tabOf(session: Session, handle: string): Tab {
  const tab: Tab = {
    goto: async (url) => void (await session.run(handle, 'POST', '/url', { url })),
    async evaluate(fn, arg) {
      const r = await session.run<{ ok?: never; error?: string }>(handle, 'POST', '/execute/async', { script: ASYNC_WRAPPER(fn.toString()), args: [arg ?? null] });
      if (r.error !== undefined) throw new Error(`in the page: ${r.error}`);
      return r.ok as never;
    },
    evaluateAndNavigate: (fn, arg) => navigateBy(tab, fn, arg),
    back: () => historyStep(tab, -1),
    forward: () => historyStep(tab, 1),
    // WebDriver's Close Window runs the page's pagehide and unload handlers, as a visitor closing it.
    close: async () => void (await session.run(handle, 'DELETE', '/window')),
    consoleProblems: () => [],
  };
  return tab;
}

function profileOf(session: Session): Profile {
  let first: string | undefined = session.firstWindow();
  return {
    async open(url) {
      let handle = first;
      first = undefined;
      // A window, not a tab: a tab in the background would be hidden, which the scenarios do not ask for.
      if (!handle) handle = (await session.run<{ handle: string }>(undefined, 'POST', '/window/new', { type: 'window' })).handle;
      const tab = tabOf(session, handle);
      await tab.goto(url);
      return tab;
    },
    setOffline: () => Promise.reject(new Error('WebKit: ' + WEBKIT_CANNOT.offline)),
    close: async () => void (await session.end()),
  };
}


/** Starts one WebKitWebDriver on a free port and waits until it answers. */
async function startDriver(display: string): Promise<{ base: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawnGuarded(WEBKIT_DRIVER, [`--port=${port}`], { env: { ...process.env, DISPLAY: display }, stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  await new Promise<void>((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`${WEBKIT_DRIVER} exited with ${code} (installed? apt-get install -y webkit2gtk-driver)`)));
    const until = Date.now() + 20_000;
    const poll = () =>
      command<{ ready: boolean }>(base, 'GET', '/status').then(
        () => ok(),
        () => (Date.now() > until ? fail(new Error('WebKitWebDriver did not answer in 20 s')) : setTimeout(poll, 100)),
      );
    poll();
  });
  return { base, child };
}

export async function startWebKit(): Promise<Engine> {
  const children: ChildProcess[] = [];
  const stop = () => children.forEach(stopGroup);
  // A test run that dies must not leave a display and a browser behind.
  process.once('exit', stop);
  try {
    const xvfb = await startXvfb();
    children.push(xvfb.child);
    // Starting MiniBrowser takes seconds, and a WebKitWebDriver runs one session at a time: two
    // drivers take turns, so the next test's fresh session starts while this test runs.
    const drivers = await Promise.all([startDriver(xvfb.display), startDriver(xvfb.display)]);
    children.push(...drivers.map((d) => d.child));
    let turn = 0;
    const startSpare = () => {
      const next = Session.start(drivers[turn++ % drivers.length].base);
      next.catch(() => {}); // reported when a test takes it
      return next;
    };
    const first = await startSpare();
    let spare: Promise<Session> = Promise.resolve(first);
    return {
      name: 'webkit',
      version: `WebKitGTK ${first.browserVersion}`,
      cannot: WEBKIT_CANNOT,
      async profile() {
        const session = await spare;
        spare = startSpare();
        return profileOf(session);
      },
      close: async () => {
        await spare.then((s) => s.end()).catch(() => {});
        stop();
        process.removeListener('exit', stop);
      },
    };
  } catch (err) {
    stop();
    process.removeListener('exit', stop);
    throw err;
  }
}
