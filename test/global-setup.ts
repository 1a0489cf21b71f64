import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

/** Builds dist/main.mjs once, as `npm start` does, so tests that run the app as a process run what admins run. */
export default function setup(): void {
  const root = resolve(import.meta.dirname, '..');
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
}
