import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { EditPolicy } from '../../src/bridge/context.ts';
import { machine } from '../machine.ts';
import { type Percentiles, runScenario, type ScenarioResult } from './scenario.ts';

/**
 * Slack's Tier 3 (`chat.update`: about 50 a minute per workspace) compressed 60 times, so that 1,000 conversations
 * drain in seconds rather than twenty minutes. Fin's streaming is not compressed: the budget binds from about 9
 * concurrent streams on (each streams 5 chunks a second).
 */
const SLACK_UPDATE = { perMinute: 3000, burst: 50 } as const;
/** The app keeps a margin below Slack's limit, as SLACK_UPDATE_RATE_PER_MIN does in production. */
const APP_UPDATE = { perMinute: 2700, burst: 30 } as const;
const CHUNKS = 25;
const CHUNK_DELAY_MS = 200;

const POLICIES: readonly { readonly policy: EditPolicy; readonly label: string }[] = [
  { policy: 'budget', label: 'fin-slack (workspace budget)' },
  { policy: 'every-chunk', label: 'naive: edit every chunk' },
  { policy: 'interval-500ms', label: 'naive: edit every 500 ms' },
];

function levels(): number[] {
  const chosen = process.env.BENCH_LEVELS;
  return chosen ? chosen.split(',').map(Number).filter((n) => n > 0) : [1, 10, 100, 1000];
}

function policies(): typeof POLICIES {
  const chosen = process.env.BENCH_POLICIES?.split(',');
  return chosen ? POLICIES.filter((p) => chosen.includes(p.policy)) : POLICIES;
}

/** Long enough for every final to get through Slack's limit, with room to spare; a reply not shown by then is lost. */
function settleMs(conversations: number): number {
  return Math.max(10_000, (1.2 * conversations * 60_000) / SLACK_UPDATE.perMinute);
}

const ms = (v: number) => (Number.isFinite(v) ? (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`) : '—');
const pair = (p: Percentiles) => `${ms(p.p50)} / ${ms(p.p99)}`;

function row(label: string, r: ScenarioResult): string {
  const mb = (r.app.maxRssBytes / 2 ** 20).toFixed(0);
  return `| ${label} | ${r.options.conversations.toLocaleString('en-US')} | ${pair(r.placeholderMs)} | ${pair(r.firstTextMs)} | ${pair(r.finalLagMs)} | ${r.editsPerReply.toFixed(1)} | ${r.rateLimited} | ${r.repeatedRateLimited} | ${r.repliesLost} | ${r.cpuMsPerReply.toFixed(1)} (${r.systemCpuMsPerReply.toFixed(1)}) | ${mb} | ${r.app.eventLoopDelayP99Ms.toFixed(0)} (${r.app.eventLoopDelayMaxMs.toFixed(0)}) | ${(r.wallMs / 1000).toFixed(0)} |`;
}

/** Runs every concurrency level under every policy and returns the BENCHMARKS.md section. */
export async function streamingSection(): Promise<string> {
  const rows: string[] = [];
  // The app runs compiled, as `npm start` runs it (BENCH_APP_ENTRY=bench/streaming/app-process.ts runs the source).
  const root = resolve(import.meta.dirname, '../..');
  const bundled = join(root, 'dist', 'bench-app-process.mjs');
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'bench/streaming/app-process.ts', bundled], { stdio: 'inherit' });
  const appEntry = process.env.BENCH_APP_ENTRY ? resolve(process.env.BENCH_APP_ENTRY) : bundled;
  for (const conversations of levels()) {
    for (const { policy, label } of policies()) {
      const result = await runScenario({
        conversations,
        policy,
        slackUpdate: SLACK_UPDATE,
        appUpdate: APP_UPDATE,
        chunks: CHUNKS,
        chunkDelayMs: CHUNK_DELAY_MS,
        settleMs: settleMs(conversations),
        appEntry,
      });
      const line = row(label, result);
      console.log(line);
      rows.push(line);
    }
  }
  return [
    '## Streaming at scale',
    '',
    `Run ${new Date().toISOString().slice(0, 10)} on ${machine()}.`,
    '',
    'The real app runs in a process of its own (`bench/streaming/app-process.ts`, compiled and started as `npm start` compiles',
    'and starts the app) against',
    'the Fin simulator and the fake Slack of the tests. *N* people mention the app at once, each in a thread of their own',
    `(two threads per channel); Fin streams the same realistic answer to each (about 900 characters with a list, a code block`,
    `and a link) in ${CHUNKS} cumulative chunks ${CHUNK_DELAY_MS} ms apart, then sends its final reply. Twenty turns run before measuring, so the app is measured warm.`,
    '',
    `The fake Slack answers 429 with \`Retry-After\` beyond its limits: \`chat.update\` ${SLACK_UPDATE.perMinute}/min for the workspace`,
    `(burst ${SLACK_UPDATE.burst}) and \`chat.postMessage\` 60/min per channel (burst 5). That is Slack's Tier 3 (about 50/min)`,
    'compressed 60 times so that 1,000 conversations drain in seconds (on real Slack their final answers alone would take 20',
    'minutes: that is the budget, whatever the app). Fin\'s streaming is not compressed, so the budget binds from about 9',
    'concurrent streams on. The app\'s own budget is set below Slack\'s',
    `(\`SLACK_UPDATE_RATE_PER_MIN=${APP_UPDATE.perMinute}\`, \`SLACK_UPDATE_BURST=${APP_UPDATE.burst}\`), as the production default of 50/min is.`,
    '',
    'The two naive policies are the same app with the scheduler switched off (`editPolicy` in `startApp`): one edits the',
    'message on every chunk, the other at most every 500 ms per message; both send the final answer through Slack\'s',
    'client with its usual retries on 429. Times are taken on the fake Slack\'s side: *placeholder* and *first text* from',
    'the moment the event was delivered, *final lag* from Fin\'s final reply to the `chat.update` that showed it.',
    `A reply is *lost* when Slack never showed its final answer within ${ms(settleMs(1000))} (for 1,000; at least ${ms(settleMs(1))}) after`,
    'Fin\'s last final reply. *Repeated 429s* counts messages that met a 429 more than once. CPU, peak RSS and',
    'event-loop delay are the app process\'s own (CPU from the first measured event to the last answer, divided by the conversations; in brackets the part spent in the kernel).',
    '',
    '| policy | N | placeholder p50 / p99 | first text p50 / p99 | final lag p50 / p99 | edits per reply | 429s | repeated 429s | lost | CPU ms per reply (kernel) | peak RSS MB | loop delay p99 (max) ms | wall s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}
