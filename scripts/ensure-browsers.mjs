// The browser tests drive Debian's browsers, never a downloaded build: chromium (through
// playwright-core), firefox-esr (puppeteer-core over WebDriver BiDi) and WebKitGTK's
// WebKitWebDriver (webkit2gtk-driver), which needs an X display: Xvfb. Installs what the
// selected engines (ENGINES, default all three) need when missing and we are root with apt;
// otherwise says exactly what to install.
import { execFileSync, execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const onPath = (name) => {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Per engine: what must exist, and the Debian package that brings it. */
const NEEDS = {
  chromium: [{ what: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', present: (p) => existsSync(p), pkg: 'chromium' }],
  firefox: [{ what: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr', present: (p) => existsSync(p), pkg: 'firefox-esr' }],
  webkit: [
    { what: process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver', present: (p) => existsSync(p), pkg: 'webkit2gtk-driver' },
    { what: 'Xvfb', present: onPath, pkg: 'xvfb' },
  ],
};

const engines = (process.env.ENGINES?.trim() ? process.env.ENGINES.split(',') : Object.keys(NEEDS)).map((e) => e.trim().toLowerCase()).filter(Boolean);
const unknown = engines.filter((e) => !(e in NEEDS));
if (unknown.length) {
  console.error(`ENGINES: unknown engine(s) ${unknown.join(', ')}; known: ${Object.keys(NEEDS).join(', ')}`);
  process.exit(1);
}

const missing = engines.flatMap((e) => NEEDS[e].filter((n) => !n.present(n.what)).map((n) => ({ ...n, engine: e })));
if (missing.length) {
  const pkgs = [...new Set(missing.map((m) => m.pkg))];
  const what = missing.map((m) => `${m.what} (${m.engine}, package ${m.pkg})`).join(', ');
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log(`browser tests: missing ${what}: installing with apt-get`);
    try {
      execSync(`apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${pkgs.join(' ')}`, { stdio: 'inherit' });
    } catch {
      console.error(`browser tests: apt-get could not install ${pkgs.join(' ')}; install them by hand, or run fewer engines (e.g. ENGINES=chromium npm test)`);
      process.exit(1);
    }
  } else {
    console.error(`browser tests: missing ${what}.\nInstall them: sudo apt-get install -y ${pkgs.join(' ')}\n(or point CHROMIUM_PATH / FIREFOX_PATH / WEBKIT_DRIVER_PATH at them, or run fewer engines: ENGINES=chromium npm test)`);
    process.exit(1);
  }
}
