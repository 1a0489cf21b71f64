import { createRequire } from 'node:module';
import { htmlToMrkdwn } from '../src/format/html-to-mrkdwn.ts';
import { loadCorpus } from '../test/helpers/corpus.ts';
import { checkConversion, usesOnlyDocumentedElements } from './format-checks.ts';

export interface ConverterScore {
  readonly exact: number;
  readonly passed: number;
  readonly total: number;
  /** Correct answers among those that use only the elements Fin documents, and how many such answers there are. */
  readonly documented: { readonly passed: number; readonly total: number };
  /** The most common failures, with how many answers had each. */
  readonly failures: readonly [string, number][];
}

export interface ConverterResult {
  readonly name: string;
  readonly conversionsPerSecond: number;
  /** Not scored: a speed baseline whose output is not mrkdwn (Markdown), so its correctness would mean nothing. */
  readonly baseline: boolean;
  readonly score: ConverterScore | undefined;
}

// The peers are CommonJS packages used only here, for comparison.
const require = createRequire(import.meta.url);
type PeerConvert = (html: string) => { text: string };
const clearfeed = (require('@clearfeed-ai/html-to-mrkdwn-ts') as { default: PeerConvert }).default;
const githubHtmlToMrkdwn = require('html-to-mrkdwn') as PeerConvert;
// Plain turndown, default options, no Slack rules: HTML → Markdown only, the speed a turndown-based converter cannot beat.
const TurndownService = require('turndown') as typeof import('turndown');
const turndown = new TurndownService();

const converters: readonly { name: string; convert: (html: string) => string; baseline?: true }[] = [
  { name: 'fin-slack (src/format/html-to-mrkdwn.ts)', convert: htmlToMrkdwn },
  { name: '@clearfeed-ai/html-to-mrkdwn-ts 3.0.0', convert: (html) => clearfeed(html).text },
  { name: 'html-to-mrkdwn 3.0.0 (GitHub)', convert: (html) => githubHtmlToMrkdwn(html).text },
  { name: 'turndown 7.2.5, defaults (baseline: Markdown, not mrkdwn)', convert: (html) => turndown.turndown(html), baseline: true },
];

/** Scores every converter on the corpus, then measures conversions per second (median of interleaved rounds). */
export function runFormatBenchmark(options: { roundMs?: number; rounds?: number } = {}): ConverterResult[] {
  const corpus = loadCorpus();
  const roundMs = options.roundMs ?? 1_500;
  const rounds = options.rounds ?? 3;
  const speeds = new Map<string, number[]>(converters.map((c) => [c.name, []]));
  for (const c of converters) for (let i = 0; i < 5; i += 1) for (const a of corpus) c.convert(a.html);
  for (let round = 0; round < rounds; round += 1) {
    for (const c of converters) {
      let done = 0;
      const start = performance.now();
      while (performance.now() - start < roundMs) {
        for (const a of corpus) c.convert(a.html);
        done += corpus.length;
      }
      speeds.get(c.name)?.push(done / ((performance.now() - start) / 1000));
    }
  }
  return converters.map((c) => {
    const sorted = [...(speeds.get(c.name) ?? [0])].sort((a, b) => a - b);
    const conversionsPerSecond = Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0);
    if (c.baseline === true) return { name: c.name, conversionsPerSecond, baseline: true, score: undefined };
    let exact = 0;
    let passed = 0;
    const documented = { passed: 0, total: 0 };
    const counts = new Map<string, number>();
    for (const a of corpus) {
      const onlyDocumented = usesOnlyDocumentedElements(a.html);
      if (onlyDocumented) documented.total += 1;
      let output: string;
      try {
        output = c.convert(a.html);
      } catch {
        counts.set('threw an error', (counts.get('threw an error') ?? 0) + 1);
        continue;
      }
      if (output.trim() === a.mrkdwn) exact += 1;
      const failures = checkConversion(a.mrkdwn, output, a.html);
      if (failures.length === 0) {
        passed += 1;
        if (onlyDocumented) documented.passed += 1;
      }
      for (const f of failures) {
        const kind = f.replace(/ \(.*\)$/, '');
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
      }
    }
    return {
      name: c.name,
      conversionsPerSecond,
      baseline: false,
      score: { exact, passed, total: corpus.length, documented, failures: [...counts.entries()].sort((a, b) => b[1] - a[1]) },
    };
  });
}
