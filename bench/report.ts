import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const FILE = resolve(import.meta.dirname, '../BENCHMARKS.md');

/** Replaces one named section of BENCHMARKS.md (between markers), leaving the others as they were. */
export function writeSection(name: string, body: string): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const current = existsSync(FILE)
    ? readFileSync(FILE, 'utf8')
    : '# Benchmarks\n\nWritten by `npm run bench`; each section is replaced when its benchmark runs again.\n';
  const block = `${start}\n${body.trim()}\n${end}`;
  const at = current.indexOf(start);
  const after = current.indexOf(end);
  const next =
    at !== -1 && after !== -1
      ? `${current.slice(0, at)}${block}${current.slice(after + end.length)}`
      : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(FILE, next);
}
