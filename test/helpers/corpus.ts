import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface CorpusCase {
  readonly name: string;
  readonly html: string;
  readonly mrkdwn: string;
}

const DIR = resolve(import.meta.dirname, '../fixtures/fin-answers');

/** The fixture corpus of Fin answers, with the readable stand-ins for invisible characters decoded. */
export function loadCorpus(): CorpusCase[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.html'))
    .sort()
    .map((f) => {
      const name = f.replace(/\.html$/, '');
      const expected = readFileSync(join(DIR, `${name}.mrkdwn`), 'utf8').replace(/\n$/, '');
      return {
        name,
        html: readFileSync(join(DIR, f), 'utf8'),
        mrkdwn: expected.replace(/\{zwsp\}/g, '\u200B').replace(/\{wj\}/g, '\u2060'),
      };
    });
}
