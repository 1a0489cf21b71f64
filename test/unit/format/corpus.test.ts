import { describe, expect, it } from 'vitest';
import { htmlToMrkdwn } from '../../../src/format/html-to-mrkdwn.ts';
import { loadCorpus } from '../../helpers/corpus.ts';

const corpus = loadCorpus();

describe('the Fin answer corpus', () => {
  it('has at least 40 answers', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
  });

  it.each(corpus.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(htmlToMrkdwn(c.html)).toBe(c.mrkdwn);
  });
});
