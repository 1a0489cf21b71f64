import type { FetchFunction } from '@slack/web-api';
import type { Metrics } from '../ops/metrics.ts';
import type { SlackAuthHealth } from '../ops/slack-auth.ts';

/** Web API methods are the last path segment (`…/api/chat.postMessage`); anything else is counted as `other`. */
function methodOf(url: string | URL): string {
  const last = String(url).split('?')[0]?.split('/').pop() ?? '';
  return /^[a-z]+(\.[a-zA-Z]+)+$/.test(last) ? last : 'other';
}

/** Slack error codes are short snake_case words; anything else is not used as a label value. */
function errorLabel(error: string): string {
  return /^[a-z0-9_]{1,64}$/.test(error) ? error : 'other';
}

/**
 * The fetch every Slack Web API client of the app uses (Bolt's, the interim-edit client, the startup check), so each
 * HTTP call and each 429 is counted once, whichever client made it and whatever it then does about a 429. Slack
 * reports most failures as HTTP 200 with `{"ok": false, "error": …}`: a JSON answer is read here (and handed on
 * unchanged) so those are counted by error code too, and so that a dead token shows on `/healthz`.
 */
export function meteredFetch(metrics: Metrics, auth: SlackAuthHealth | undefined, base: FetchFunction = globalThis.fetch): FetchFunction {
  return async (url, init) => {
    const method = methodOf(url);
    try {
      const response = await base(url, init);
      metrics.slackApiCalls.inc({ method, status: String(response.status) });
      if (response.status === 429) metrics.slackRateLimited.inc({ method });
      if (response.status !== 200 || !(response.headers.get('content-type') ?? '').includes('json')) return response;
      // The client reads the whole answer anyway: it is read here first and handed on unchanged.
      const text = await response.text();
      const outcome = outcomeOf(text);
      if (outcome !== undefined) {
        if (!outcome.ok) metrics.slackApiErrors.inc({ method, error: errorLabel(outcome.error) });
        auth?.record(outcome, method);
      }
      return {
        ok: response.ok,
        status: response.status,
        statusText: response.statusText,
        url: response.url,
        headers: response.headers,
        text: async () => text,
        json: async () => JSON.parse(text) as unknown,
        arrayBuffer: async () => {
          const bytes = new TextEncoder().encode(text);
          return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        },
      };
    } catch (error) {
      metrics.slackApiCalls.inc({ method, status: 'error' });
      throw error;
    }
  };
}

function outcomeOf(text: string): { ok: true } | { ok: false; error: string } | undefined {
  try {
    const body = JSON.parse(text) as { ok?: unknown; error?: unknown } | null;
    if (body?.ok === true) return { ok: true };
    if (body?.ok === false) return { ok: false, error: typeof body.error === 'string' ? body.error : 'unknown' };
    return undefined;
  } catch {
    return undefined;
  }
}
