/**
 * Slack's date formatting, for mrkdwn's `<!date^TIMESTAMP^FORMAT[^LINK]|fallback>` and rich text's `date` element:
 * the format's `{tokens}` replaced by the timestamp as the reader sees it, in the reader's time zone (the browser's)
 * and in English, as the Slack client shows it to an English-speaking reader with the default 12-hour clock.
 *
 * The tokens are the ones Slack documents (and `@slack/types` lists): `{date_num}`, `{date_slash}`, `{date}`,
 * `{date_short}`, `{date_long}`, `{date_long_full}`, their `_pretty` forms, `{day_divider_pretty}`, `{time}`,
 * `{time_secs}` and `{ago}`. Slack's two descriptions of `{date}` differ ("February 18th, 2014" in the mrkdwn guide,
 * `{date_long_full}` without the year in the date element's reference): here it has the year only when the date is not
 * in the current year, which fits both. A token Slack does not document stays as typed.
 */

export interface DateContext {
  /** What "now" is (for `{ago}` and today/yesterday/tomorrow); the real now when not given. */
  readonly now?: Date;
  /** An IANA time zone; the browser's own when not given. */
  readonly timeZone?: string;
}

interface Parts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly weekday: string;
  readonly monthLong: string;
  readonly monthShort: string;
}

/** Formatters are costly to build and a page formats many dates on every render: one per zone and shape. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${timeZone ?? ''} ${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (found === undefined) {
    found = new Intl.DateTimeFormat('en-US', { ...options, timeZone });
    formatters.set(key, found);
  }
  return found;
}

function partsOf(date: Date, timeZone: string | undefined): Parts {
  const parts = formatter(timeZone, { year: 'numeric', month: 'numeric', day: 'numeric', weekday: 'long' }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const name = (month: 'long' | 'short') => formatter(timeZone, { month }).format(date);
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    weekday: get('weekday'),
    monthLong: name('long'),
    monthShort: name('short'),
  };
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `today`, `yesterday` or `tomorrow` when the date is one of them, in the reader's calendar. */
function pretty(date: Parts, now: Parts): string | undefined {
  const days = (Date.UTC(date.year, date.month - 1, date.day) - Date.UTC(now.year, now.month - 1, now.day)) / 86_400_000;
  return days === 0 ? 'today' : days === -1 ? 'yesterday' : days === 1 ? 'tomorrow' : undefined;
}

function ago(seconds: number): string {
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'always' });
  const abs = Math.abs(seconds);
  const [unit, size]: [Intl.RelativeTimeFormatUnit, number] =
    abs < 60
      ? ['second', 1]
      : abs < 3_600
        ? ['minute', 60]
        : abs < 86_400
          ? ['hour', 3_600]
          : abs < 30 * 86_400
            ? ['day', 86_400]
            : abs < 365 * 86_400
              ? ['month', 30 * 86_400]
              : ['year', 365 * 86_400];
  return format.format(Math.trunc(seconds / size), unit);
}

/** The format with its tokens filled in, or undefined when the timestamp is no date (the caller shows the fallback). */
export function formatSlackDate(timestamp: unknown, format: string, context: DateContext = {}): string | undefined {
  const seconds = typeof timestamp === 'string' && /^-?\d+(\.\d+)?$/.test(timestamp) ? Number(timestamp) : timestamp;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return undefined;
  const when = new Date(seconds * 1000);
  if (Number.isNaN(when.getTime())) return undefined;
  const now = context.now ?? new Date();
  const { timeZone } = context;
  const d = partsOf(when, timeZone);
  const today = partsOf(now, timeZone);
  const time = (withSeconds: boolean) =>
    formatter(timeZone, { hour: 'numeric', minute: '2-digit', ...(withSeconds ? { second: '2-digit' } : {}), hour12: true })
      .format(when)
      // Newer ICU puts a narrow no-break space before AM/PM; Slack shows an ordinary one.
      .replace(/\u202f/g, ' ');
  const dateLong = `${d.weekday}, ${d.monthLong} ${ordinal(d.day)}, ${d.year}`;
  const date = `${d.monthLong} ${ordinal(d.day)}${d.year === today.year ? '' : `, ${d.year}`}`;
  const dateShort = `${d.monthShort} ${d.day}, ${d.year}`;
  const tokens: Record<string, () => string> = {
    date_num: () => `${d.year}-${pad(d.month)}-${pad(d.day)}`,
    date_slash: () => `${pad(d.day)}/${pad(d.month)}/${d.year}`,
    date: () => date,
    date_pretty: () => pretty(d, today) ?? date,
    date_short: () => dateShort,
    date_short_pretty: () => pretty(d, today) ?? dateShort,
    date_long: () => dateLong,
    date_long_pretty: () => pretty(d, today) ?? dateLong,
    date_long_full: () => `${d.monthLong} ${d.day}, ${d.year}`,
    day_divider_pretty: () => pretty(d, today) ?? (d.year === today.year ? `${d.weekday}, ${d.monthLong} ${ordinal(d.day)}` : dateLong),
    time: () => time(false),
    time_secs: () => time(true),
    ago: () => ago(seconds - now.getTime() / 1000),
  };
  return format.replace(/\{([a-z_]+)\}/g, (whole, name: string) => tokens[name]?.() ?? whole);
}
