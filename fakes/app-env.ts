import type { FinSimulator } from './fin-simulator.ts';
import type { FakeSlack } from './slack-api.ts';

/** The variables that point the app at the fake Slack and the Fin simulator, where production names the real ones. */
export function fakeEndpoints(slack: FakeSlack, fin: FinSimulator): Record<string, string> {
  return { SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl, FIN_API_TOKEN: fin.token, FIN_API_URL: fin.url };
}
