import { errorCode } from '../core/errors.ts';
import { createParser } from 'eventsource-parser';
import { request } from 'undici';

export type SseEndReason =
  | 'closed' // we closed it (turn over, newer stream, shutdown)
  | 'ended' // the server ended the stream (Fin revokes the token when the turn ends)
  | 'error_event' // the server sent `event: error`, e.g. an expired token
  | 'http_error' // not a 200 text/event-stream answer
  | 'network_error';

export interface SseEnd {
  readonly reason: SseEndReason;
  readonly detail?: string;
}

export interface SseSubscription {
  /** Settles once the stream is over, whatever the reason; never rejects. */
  readonly done: Promise<SseEnd>;
  close(): void;
}

export interface SseOptions {
  /** Called with each event's parsed JSON `data` (the raw text when it is not JSON); what it means is the caller's business. */
  readonly onData: (data: unknown) => void;
  /** Ably sends keepalives every few seconds; a stream silent for this long is dead. */
  readonly idleTimeoutMs?: number;
  /** Fin's stream tokens live 3 minutes; nothing useful comes after that. */
  readonly maxLifetimeMs?: number;
}

/**
 * Opens one SSE connection to the URL exactly as Fin returned it. It is never reopened: the URL's token is short
 * lived and revoked when the turn ends, and webhooks are the durable path for anything the stream misses.
 */
export function subscribe(url: string, options: SseOptions): SseSubscription {
  const controller = new AbortController();
  const lifetime = setTimeout(() => controller.abort(), options.maxLifetimeMs ?? 6 * 60_000);
  lifetime.unref();
  const done = read(url, options, controller.signal).finally(() => clearTimeout(lifetime));
  return { done, close: () => controller.abort() };
}

async function read(url: string, options: SseOptions, signal: AbortSignal): Promise<SseEnd> {
  let serverError: string | undefined;
  const parser = createParser({
    // A hostile or broken stream must not grow memory without bound.
    maxBufferSize: 1024 * 1024,
    onEvent: (message) => {
      if (message.event === 'error') {
        serverError = message.data.slice(0, 500);
        return;
      }
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        // Handed on as text: the caller's validation refuses it and says so in the log, instead of it vanishing here.
        data = message.data;
      }
      options.onData(data);
    },
  });
  try {
    const res = await request(url, {
      method: 'GET',
      signal,
      headers: { accept: 'text/event-stream', 'cache-control': 'no-cache', 'user-agent': 'fin-slack' },
      headersTimeout: 10_000,
      bodyTimeout: options.idleTimeoutMs ?? 60_000,
    });
    const type = String(res.headers['content-type'] ?? '');
    if (res.statusCode !== 200 || !type.includes('text/event-stream')) {
      await res.body.dump();
      return { reason: 'http_error', detail: `HTTP ${res.statusCode} ${type}`.trim() };
    }
    const decoder = new TextDecoder();
    for await (const chunk of res.body) {
      parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      if (serverError !== undefined) {
        res.body.destroy();
        return { reason: 'error_event', detail: serverError };
      }
    }
    return { reason: 'ended' };
  } catch (error) {
    if (signal.aborted) return { reason: 'closed' };
    return { reason: 'network_error', detail: errorCode(error) };
  }
}
