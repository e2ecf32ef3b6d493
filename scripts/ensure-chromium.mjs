// The browser tests drive Debian's chromium through playwright-core (which cannot download a
// browser here). Installs it when missing and we are root with apt; otherwise says how.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log('chromium is missing: installing it with apt-get');
    execSync('apt-get update && apt-get install -y chromium', { stdio: 'inherit' });
  } else {
    console.error(`chromium not found at ${CHROMIUM}: run "sudo apt-get install -y chromium" (or set CHROMIUM_PATH)`);
    process.exit(1);
  }
}
