/**
 * Whether `url` is Slack's own: an https address on `slack.com` or `slack-gov.com` (or a subdomain), or on the
 * origin of the configured Web API (a test or regional deployment), with no credentials in it. What only Slack may
 * receive (the bot token, a response_url's message) goes nowhere else.
 */
export function isSlackUrl(url: string, apiOrigin: string): boolean {
  try {
    const parsed = new URL(url);
    if (parsed.username !== '' || parsed.password !== '') return false;
    if (parsed.origin === apiOrigin) return true;
    return parsed.protocol === 'https:' && /(^|\.)slack(-gov)?\.com$/.test(parsed.hostname);
  } catch {
    return false;
  }
}
