import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fakeEndpoints } from '../../fakes/app-env.ts';
import { FinSimulator } from '../../fakes/fin-simulator.ts';
import { FakeSlack, type SlackCall } from '../../fakes/slack-api.ts';
import { deliverToApp } from '../../fakes/slack-signing.ts';
import { PLACEHOLDER } from '../../src/bridge/copy.ts';
import { htmlToMrkdwn } from '../../src/format/html-to-mrkdwn.ts';
import { freePort } from '../../test/helpers/net.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import type { AppStats } from './app-process.ts';
import type { EditPolicy } from './policies.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX_LOADER = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;
const SIGNING_SECRET = 'bench-signing-secret-0123456789';

/** A realistic Fin answer: a lead-in, steps with emphasis and a link, a code sample, a closing line. */
export const REPLY_HTML = [
  '<p>You can change the email address on your account in a few steps. You need to be signed in as the <b>account owner</b>.</p>',
  '<ol>',
  '<li>Open <b>Settings</b> from the menu in the top right corner of the dashboard.</li>',
  '<li>Choose <b>Profile</b>, then <i>Email address</i>, and type the new address twice.</li>',
  '<li>Confirm with your password. We send a confirmation link to the new address; it stays valid for 24 hours.</li>',
  '<li>Click the link in that email. Until you do, sign-in keeps using the old address.</li>',
  '</ol>',
  '<p>If you manage users through the API, the same change is one call:</p>',
  '<pre><code>curl -X PATCH https://api.example.com/v1/me \\\n  -H "Authorization: Bearer $TOKEN" \\\n  -d \'{"email": "new@example.com"}\'</code></pre>',
  '<p>More in <a href="https://help.example.com/articles/change-email">Changing your email address</a>. Is there anything else I can help with?</p>',
].join('');

export interface ScenarioOptions {
  readonly conversations: number;
  readonly policy: EditPolicy;
  /** Slack's simulated limits: `chat.update` for the workspace, `chat.postMessage` per channel. */
  readonly slackUpdate: { readonly perMinute: number; readonly burst: number };
  /** The app's own budget (only the `budget` policy uses it). */
  readonly appUpdate: { readonly perMinute: number; readonly burst: number };
  /** Fin streams the answer in this many cumulative chunks, this far apart. */
  readonly chunks: number;
  readonly chunkDelayMs: number;
  /** How long after Fin's last final reply the scenario waits for Slack to show every answer. */
  readonly settleMs: number;
  /** The app process to run: a bundle built as `npm start` builds the app, or the TypeScript source. */
  readonly appEntry: string;
}

export interface ScenarioResult {
  readonly options: ScenarioOptions;
  readonly placeholderMs: Percentiles;
  readonly firstTextMs: Percentiles;
  readonly finalLagMs: Percentiles;
  readonly editsPerReply: number;
  readonly rateLimited: number;
  /** Messages that met a 429 more than once. */
  readonly repeatedRateLimited: number;
  readonly repliesShown: number;
  readonly repliesLost: number;
  readonly cpuMsPerReply: number;
  readonly systemCpuMsPerReply: number;
  readonly app: AppStats;
  readonly wallMs: number;
}

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  /** How many samples (a reply that never showed streamed text has no first-text sample). */
  readonly n: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN);
  return { p50: at(0.5), p99: at(0.99), n: sorted.length };
}

/** Cumulative plain-text chunks of the answer, as Fin streams them. */
function chunksOf(text: string, count: number): string[] {
  const words = text.split(/(?<=\s)/);
  return Array.from({ length: count }, (_, i) => words.slice(0, Math.ceil(((i + 1) * words.length) / count)).join(''));
}

/** Turns run before measuring (Fin answers them without pauses), so the app is measured warm, as it runs for days. */
const WARM_UP_CHANNELS = Array.from({ length: 10 }, (_, i) => `CWARMUP${i}`);

interface Track {
  readonly channel: string;
  readonly warmUp?: boolean;
  root?: string;
  sentAt?: number;
  placeholderTs?: string;
  placeholderAt?: number;
  firstTextAt?: number;
  finalSentAt?: number;
  finalShownAt?: number;
  edits: number;
  limited: number;
}

/**
 * One run: `conversations` people ask at once, each in a thread of its own (two threads per channel), Fin streams
 * the same realistic answer to each, and the fake Slack enforces its limits. Times are measured from the fakes'
 * side: when Slack got the placeholder, the first streamed text, the final answer.
 */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const channelCount = Math.max(1, Math.ceil(options.conversations / 2));
  const channels = Array.from({ length: channelCount }, (_, i) => `CBENCH${String(i).padStart(4, '0')}`);
  const slack = await FakeSlack.start({
    channels: [
      ...[...channels, ...WARM_UP_CHANNELS].map((id) => ({ id, name: id.toLowerCase(), kind: 'channel' as const })),
      { id: 'CAGENTS', name: 'agents', kind: 'channel' as const },
    ],
    users: [{ id: 'UASKER', name: 'asker', realName: 'Asker', email: 'asker@example.com' }],
    limits: { update: options.slackUpdate, postPerChannel: { perMinute: 60, burst: 5 } },
  });
  const fin = await FinSimulator.start();
  const dir = mkdtempSync(join(tmpdir(), 'fin-slack-bench-'));
  const finalText = htmlToMrkdwn(REPLY_HTML);
  const chunks = chunksOf(finalText.replace(/[*_`]/g, ''), options.chunks);
  const tracks: Track[] = Array.from({ length: options.conversations }, (_, i) => ({
    channel: channels[i % channelCount] ?? '',
    edits: 0,
    limited: 0,
  }));
  const byRoot = new Map<string, Track>();
  const byPlaceholder = new Map<string, Track>();

  slack.on('call', (call: SlackCall) => {
    const channel = String(call.args.channel ?? '');
    if (call.method === 'chat.postMessage') {
      const track = byRoot.get(`${channel}:${String(call.args.thread_ts ?? '')}`);
      if (track === undefined || track.placeholderTs !== undefined || !call.ok || call.args.text !== PLACEHOLDER) return;
      const message = slack.messages.findLast((m) => m.channel === channel && m.threadTs === track.root && m.botId !== undefined);
      if (message === undefined) return;
      track.placeholderTs = message.ts;
      track.placeholderAt = call.doneAt ?? call.at;
      byPlaceholder.set(`${channel}:${message.ts}`, track);
    } else if (call.method === 'chat.update') {
      const track = byPlaceholder.get(`${channel}:${String(call.args.ts ?? '')}`);
      if (track === undefined) return;
      if (call.error === 'ratelimited') {
        track.limited += 1;
        return;
      }
      if (!call.ok) return;
      if (call.args.text === finalText) {
        track.finalShownAt ??= call.doneAt ?? call.at;
      } else {
        track.edits += 1;
        track.firstTextAt ??= call.doneAt ?? call.at;
      }
    }
  });

  fin.onTurn((turn) => {
    const track = byRoot.get(
      String(turn.call.body.conversation_id ?? '')
        .replace(/^slack-[^-]+-/, '')
        .replace(/-(?=[^-]*$)/, ':'),
    );
    const streamId = `s-${turn.conversationId}`;
    void (async () => {
      await turn.connected(10_000);
      // Warm-up turns stream a few chunks only: enough to run every code path, not to spend the budgets.
      for (const [i, text] of chunks.entries()) {
        if (track?.warmUp && i < chunks.length - 3) continue;
        await turn.chunk(streamId, i, text);
        if (!track?.warmUp) await new Promise((r) => setTimeout(r, options.chunkDelayMs));
      }
      if (track !== undefined) track.finalSentAt = Date.now();
      await turn.reply(REPLY_HTML, { streamId });
    })();
  });

  const port = await freePort();
  const entry = options.appEntry;
  const child = fork(entry, [], {
    // BENCH_PROFILE=<dir> writes a CPU profile of the app (for `node --cpu-prof` readers such as Chrome DevTools).
    execArgv: [
      ...(entry.endsWith('.ts') ? ['--import', TSX_LOADER] : []),
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
    ],
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...fakeEndpoints(slack, fin),
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_AGENT_CHANNEL: 'CAGENTS',
      PORT: String(port),
      DATABASE_PATH: join(dir, 'fin-slack.sqlite'),
      STREAM_UPDATE_INTERVAL_MS: '1000',
      SLACK_UPDATE_RATE_PER_MIN: String(options.appUpdate.perMinute),
      SLACK_UPDATE_BURST: String(options.appUpdate.burst),
      LOG_LEVEL: 'error',
      // Every question arrives at once, each on a connection of its own: more than Slack would ever open together.
      HTTP_MAX_CONNECTIONS: String(Math.max(1024, options.conversations * 2)),
      BENCH_EDIT_POLICY: options.policy,
    },
  });
  try {
    await message(child, 'ready');
    const url = `http://127.0.0.1:${port}/slack/events`;
    // Every conversation is someone else's: one person may start only a few a minute (FIN_USER_TURNS_PER_MIN).
    let askers = 0;
    const ask = async (track: Track) => {
      askers += 1;
      const user = `UASKER${askers}`;
      const { ts, envelopes } = slack.userMessage({
        user,
        channel: track.channel,
        text: `<@${slack.botUserId}> how do I change my email?`,
      });
      track.root = ts;
      track.sentAt = Date.now();
      byRoot.set(`${track.channel}:${ts}`, track);
      for (const envelope of envelopes) await deliverToApp(url, SIGNING_SECRET, envelope);
    };
    // Code loaded and optimised on first use is not the cost of a reply: the app is measured warm, as it runs for days.
    const warmUp = WARM_UP_CHANNELS.flatMap((channel): Track[] => [1, 2].map(() => ({ channel, edits: 0, limited: 0, warmUp: true })));
    await Promise.all(warmUp.map(ask));
    await waitFor(() => warmUp.every((t) => t.finalShownAt !== undefined), { timeoutMs: 60_000, what: 'the warm-up answers' });
    // A quiet spell, so the budgets the warm-up spent (the app's and Slack's) are full again when measuring starts.
    await new Promise((r) => setTimeout(r, 2_000));
    const firstMeasuredCall = slack.calls.length;
    await request(child, 'reset');
    // Everyone asks at once (as fast as the events can be delivered).
    await Promise.all(tracks.map(ask));
    // Wait for every answer, or until the settle time after Fin's last final reply; and never longer than the whole
    // answer's streaming plus the settle time (plus 10 s) after the questions: a policy that drowns Slack in edits
    // delays even Fin's side, and what it has not shown by then counts as lost.
    const deadline = Date.now() + options.chunks * options.chunkDelayMs + options.settleMs + 10_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      if (tracks.every((t) => t.finalShownAt !== undefined) || Date.now() > deadline) break;
      const lastFinal = Math.max(...tracks.map((t) => t.finalSentAt ?? Number.NaN).filter(Number.isFinite));
      const allSent = tracks.every((t) => t.finalSentAt !== undefined);
      if (allSent && Date.now() - lastFinal > options.settleMs) break;
    }
    const stats = (await request(child, 'stats')) as { stats: AppStats };
    if (process.env.BENCH_DEBUG) {
      for (const t of tracks.filter((x) => x.finalShownAt === undefined).slice(0, 3)) {
        console.error(
          'LOST',
          JSON.stringify(t),
          JSON.stringify(
            slack.calls
              .filter((c) => c.args.channel === t.channel)
              .map((c) => [c.method, c.args.ts ?? c.args.thread_ts, c.error, String(c.args.text).slice(0, 30), c.at - (t.sentAt ?? 0)]),
          ),
        );
      }
    }
    const shown = tracks.filter((t) => t.finalShownAt !== undefined);
    const measured = slack.calls.slice(firstMeasuredCall);
    const updates = measured.filter((c) => c.method === 'chat.update');
    return {
      options,
      placeholderMs: percentiles(
        tracks.flatMap((t) => (t.placeholderAt !== undefined && t.sentAt !== undefined ? [t.placeholderAt - t.sentAt] : [])),
      ),
      firstTextMs: percentiles(
        tracks.flatMap((t) => (t.firstTextAt !== undefined && t.sentAt !== undefined ? [t.firstTextAt - t.sentAt] : [])),
      ),
      finalLagMs: percentiles(
        shown.flatMap((t) => (t.finalSentAt !== undefined && t.finalShownAt !== undefined ? [t.finalShownAt - t.finalSentAt] : [])),
      ),
      editsPerReply: tracks.reduce((n, t) => n + t.edits, 0) / tracks.length,
      rateLimited:
        updates.filter((c) => c.error === 'ratelimited').length +
        measured.filter((c) => c.method === 'chat.postMessage' && c.error === 'ratelimited').length,
      repeatedRateLimited: tracks.filter((t) => t.limited > 1).length,
      repliesShown: shown.length,
      repliesLost: tracks.length - shown.length,
      cpuMsPerReply: stats.stats.cpuMs / tracks.length,
      systemCpuMsPerReply: stats.stats.systemCpuMs / tracks.length,
      app: stats.stats,
      wallMs: performance.now() - started,
    };
  } finally {
    // A profile is written only on a clean exit.
    child.kill(process.env.BENCH_PROFILE ? 'SIGTERM' : 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await Promise.all([slack.close(), fin.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

function message(child: ChildProcess, type: string): Promise<unknown> {
  return new Promise((resolvePromise, reject) => {
    const onMessage = (m: { type?: string }) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolvePromise(m);
    };
    const onExit = (code: number | null) => reject(new Error(`the app exited (${code}) before "${type}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function request(child: ChildProcess, type: string): Promise<unknown> {
  const answer = message(child, type);
  child.send({ type });
  return answer;
}
