import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { waitFor } from './wait.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/** Built by the tests' global setup, as `npm start` builds it first. */
const MAIN = join(ROOT, 'dist', 'main.mjs');

export interface ChildApp {
  readonly child: ChildProcess;
  readonly exit: Promise<number | null>;
  /** Its exit code once its output has been read to the end (`exit` can come before the last of it). */
  readonly closed: Promise<number | null>;
  /** Everything the process wrote, stdout and stderr interleaved. */
  output(): string;
  /** What it wrote on stderr alone (what a person starting it reads; the JSON log goes to stdout). */
  stderr(): string;
  /** Resolves once `/healthz` answers 200 on `port`. */
  healthy(port: number, timeoutMs?: number): Promise<void>;
}

/**
 * Runs the app as its own process, exactly as `npm start` does (node dist/main.mjs), from `cwd` (an
 * empty folder, so no .env is picked up), with only the given environment. Tests kill it to see what survives.
 */
export function runApp(env: Record<string, string>, cwd: string): ChildApp {
  const child = spawn(process.execPath, ['--enable-source-maps', MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  let output = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
    stderr += d.toString();
  });
  const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const closed = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  return {
    child,
    exit,
    closed,
    output: () => output,
    stderr: () => stderr,
    healthy: async (port, timeoutMs = 15_000) => {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200, {
        timeoutMs,
        what: `/healthz on port ${port} (output so far: ${output})`,
      });
    },
  };
}
