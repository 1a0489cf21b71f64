/**
 * A Slack ts ("1700000000.123456") as the ISO-8601 instant Fin expects, with milliseconds. Derived, never read
 * from the clock, so a retried call resends the identical `message.timestamp` and Fin deduplicates it.
 */
export function slackTsToIso(ts: string): string {
  const [seconds = '0', fraction = ''] = ts.split('.');
  const ms = Number(seconds) * 1000 + Number(fraction.padEnd(3, '0').slice(0, 3));
  return new Date(ms).toISOString();
}

/** Orders two Slack timestamps as Slack does (seconds, then the six-digit sequence); negative when `a` is earlier. */
export function compareTs(a: string, b: string): number {
  const [as = '0', af = '0'] = a.split('.');
  const [bs = '0', bf = '0'] = b.split('.');
  return Number(as) - Number(bs) || Number(af.padEnd(6, '0')) - Number(bf.padEnd(6, '0'));
}
