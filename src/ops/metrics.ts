import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * What an operator watches on `/metrics`. One registry per running app (never prom-client's global one), so two apps
 * in one process (tests) count separately. Labels only ever take a small, fixed set of values.
 */
export class Metrics {
  readonly registry = new Registry();

  /** Slack message events by what became of them: accepted, ignored, deduplicated (a retry or the twin event), prompted. */
  readonly slackEvents = new Counter({
    name: 'fin_slack_slack_events_total',
    help: 'Slack message events received, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** Calls to the Intercom API (Fin and human-in-the-loop callbacks), by final HTTP status or `unreachable`. */
  readonly finCalls = new Counter({
    name: 'fin_slack_fin_calls_total',
    help: 'Calls to the Fin Agent API, by operation and final outcome (HTTP status or unreachable)',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly finCallSeconds = new Histogram({
    name: 'fin_slack_fin_call_duration_seconds',
    help: 'Time until Fin answered a call, retries included',
    labelNames: ['operation'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly finRetries = new Counter({
    name: 'fin_slack_fin_call_retries_total',
    help: 'Calls to Fin repeated after a network error, 408, 429 or 5xx',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  readonly sseOpen = new Gauge({
    name: 'fin_slack_sse_streams_open',
    help: 'Fin reply streams currently open',
    registers: [this.registry],
  });

  readonly sseEnded = new Counter({
    name: 'fin_slack_sse_streams_ended_total',
    help: 'Fin reply streams that ended, by reason (closed, ended, error_event, http_error, network_error)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly webhookEvents = new Counter({
    name: 'fin_slack_webhook_events_total',
    help: 'Webhook deliveries, by sender (fin, intercom) and outcome',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly slackApiCalls = new Counter({
    name: 'fin_slack_slack_api_calls_total',
    help: 'HTTP calls to the Slack Web API, by method and HTTP status (or error)',
    labelNames: ['method', 'status'] as const,
    registers: [this.registry],
  });

  /** Slack answers HTTP 200 to most failures, with an error code in the body: those are counted here by code. */
  readonly slackApiErrors = new Counter({
    name: 'fin_slack_slack_api_errors_total',
    help: 'Slack Web API calls Slack refused, by method and Slack error code (invalid_auth, not_in_channel, ratelimited…)',
    labelNames: ['method', 'error'] as const,
    registers: [this.registry],
  });

  readonly slackRateLimited = new Counter({
    name: 'fin_slack_slack_api_rate_limited_total',
    help: 'Slack Web API calls answered 429, by method',
    labelNames: ['method'] as const,
    registers: [this.registry],
  });

  readonly repliesDelivered = new Counter({
    name: 'fin_slack_replies_delivered_total',
    help: 'Final Fin answers shown in Slack',
    registers: [this.registry],
  });

  readonly turnsTimedOut = new Counter({
    name: 'fin_slack_turns_timed_out_total',
    help: 'Turns with no final answer from Fin within FIN_REPLY_TIMEOUT_MS',
    registers: [this.registry],
  });

  readonly csatRatings = new Counter({
    name: 'fin_slack_csat_ratings_total',
    help: 'Ratings users gave when Fin asked (CSAT), by rating key; a changed rating counts again',
    labelNames: ['rating'] as const,
    registers: [this.registry],
  });

  readonly personRequests = new Counter({
    name: 'fin_slack_person_requests_total',
    help: 'Users asking for a person, by how (reaction or shortcut) and what came of it',
    labelNames: ['via', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    // Memory, CPU, event-loop lag and open handles: the first things to look at when the app misbehaves.
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'fin_slack_' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
