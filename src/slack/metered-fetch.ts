import type { FetchFunction } from '@slack/web-api';
import type { Metrics } from '../ops/metrics.ts';

/** Web API methods are the last path segment (`…/api/chat.postMessage`); anything else is counted as `other`. */
function methodOf(url: string | URL): string {
  const last = String(url).split('?')[0]?.split('/').pop() ?? '';
  return /^[a-z]+(\.[a-zA-Z]+)+$/.test(last) ? last : 'other';
}

/**
 * The fetch every Slack Web API client of the app uses (Bolt's, the interim-edit client, the startup check), so each
 * HTTP call and each 429 is counted once, whichever client made it and whatever it then does about a 429.
 */
export function meteredFetch(metrics: Metrics, base: FetchFunction = globalThis.fetch): FetchFunction {
  return async (url, init) => {
    const method = methodOf(url);
    try {
      const response = await base(url, init);
      metrics.slackApiCalls.inc({ method, status: String(response.status) });
      if (response.status === 429) metrics.slackRateLimited.inc({ method });
      return response;
    } catch (error) {
      metrics.slackApiCalls.inc({ method, status: 'error' });
      throw error;
    }
  };
}
