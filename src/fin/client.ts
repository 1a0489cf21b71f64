import type { RetryPolicy } from '../core/backoff.ts';
import { FinApiError, type FinFailure } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Metrics } from '../ops/metrics.ts';
import { type IntercomAnswer, IntercomHttp, IntercomUnreachableError } from './http.ts';
import {
  type CsatRating,
  type FinUser,
  finCsatErrorBodySchema,
  finCapabilitiesResponseSchema,
  finCsatResponseSchema,
  finErrorBodySchema,
  type FinProcedure,
  type FinTurnRequest,
  type FinTurnResponse,
  finTurnResponseSchema,
} from './schemas.ts';

export interface FinClientOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly apiVersion: string;
  readonly logger: Logger;
  readonly retry?: RetryPolicy;
  readonly metrics?: Metrics;
}

/** Procedures, escalation on request, capabilities and asks are Preview features of the Fin Agent API. */
const PREVIEW = 'Preview';

/**
 * Why Fin would not record a rating (its 422 answers): the survey's window closed, Fin never asked (or no longer
 * knows the conversation), the rating is locked by a comment, or the rating is not one Fin offers.
 */
export type CsatRefusal = 'window_closed' | 'no_survey' | 'locked' | 'invalid_rating' | 'refused';

export type CsatResult =
  | { readonly kind: 'rated'; readonly rating: CsatRating }
  | { readonly kind: 'refused'; readonly why: CsatRefusal; readonly detail: string };

/** Reads a 422 from `/fin/csat`: Fin documents the causes only as messages, so they are matched by their words. */
function csatRefusal(errors: Readonly<Record<string, string>>): CsatRefusal {
  if (errors.rating !== undefined) return 'invalid_rating';
  if (errors.external_conversation_id !== undefined || errors.conversation_id !== undefined) return 'no_survey';
  const base = errors.base ?? '';
  if (/window/i.test(base) && /clos/i.test(base)) return 'window_closed';
  if (/can no longer be changed/i.test(base)) return 'locked';
  if (/no rating survey/i.test(base)) return 'no_survey';
  return 'refused';
}

/**
 * Fin's answer to /fin/start (or a procedure run) for a conversation it already has: an earlier attempt, or an
 * earlier process, got through even though its response was lost. The message then belongs in /fin/reply.
 */
export function isSessionExists(error: unknown): boolean {
  return error instanceof FinApiError && error.status === 400 && /session already exists/i.test(error.finMessage ?? '');
}

/** Calls the Fin Agent API. One instance per process: it owns the connection pool. */
export class FinClient {
  readonly #options: FinClientOptions;
  readonly #http: IntercomHttp;

  constructor(options: FinClientOptions) {
    this.#options = options;
    this.#http = new IntercomHttp({
      token: options.token,
      logger: options.logger,
      metrics: options.metrics,
      ...(options.retry !== undefined ? { retry: options.retry } : {}),
    });
  }

  start(body: FinTurnRequest): Promise<FinTurnResponse> {
    return this.#call('/fin/start', body, this.#options.apiVersion, 'start');
  }

  reply(body: FinTurnRequest): Promise<FinTurnResponse> {
    const { conversation_metadata: _history, ...reply } = body;
    return this.#call('/fin/reply', reply, this.#options.apiVersion, 'reply');
  }

  /**
   * Runs a Fin Procedure on a new conversation. A procedure takes attributes but no history, and its message is
   * optional: an empty one is left out.
   */
  runProcedure(procedureId: string, body: FinTurnRequest): Promise<FinTurnResponse> {
    // A procedure run takes no attachments (the app tells the user their files were left out).
    const { conversation_metadata: metadata, message, attachments: _files, ...run } = body;
    const attributes = metadata?.attributes;
    return this.#call(
      `/fin/procedures/${encodeURIComponent(procedureId)}/run`,
      {
        ...run,
        ...(message.body.trim() !== '' ? { message } : {}),
        ...(attributes !== undefined ? { conversation_metadata: { attributes } } : {}),
      },
      PREVIEW,
      'run_procedure',
    );
  }

  /**
   * Records the user's rating (and, once, a comment) for a survey Fin asked for. A refusal Fin explains (422) is a
   * result; anything else that fails (5xx or 429 after retries, unreachable, unauthorized) throws a `FinApiError`.
   */
  async csat(body: { conversation_id: string; rating: CsatRating; remark?: string }): Promise<CsatResult> {
    const answer = await this.#send('/fin/csat', body, this.#options.apiVersion, 'csat');
    if (answer.status >= 200 && answer.status < 300) {
      const parsed = finCsatResponseSchema.safeParse(parseJson(answer.text));
      return { kind: 'rated', rating: (parsed.success ? parsed.data.rating : undefined) ?? body.rating };
    }
    const refusal = answer.status === 422 ? finCsatErrorBodySchema.safeParse(parseJson(answer.text)) : undefined;
    if (refusal?.success) {
      return {
        kind: 'refused',
        why: csatRefusal(refusal.data.errors),
        detail: Object.values(refusal.data.errors).join('; ').slice(0, 300),
      };
    }
    throw finError('/fin/csat', answer);
  }

  /**
   * Hands the conversation to a person at the user's request (Preview only). `context` is an internal note for the
   * teammate. Fin then reports `escalated` and `complete` like any escalation, by webhook and on the returned stream.
   */
  async escalate(body: { conversation_id: string; context: string }): Promise<FinTurnResponse> {
    return this.#call('/fin/escalate', body, PREVIEW, 'escalate');
  }

  /**
   * One self-contained question (Preview): Fin answers once, by `fin_replied`, then reports `complete`; it asks nothing
   * back, runs no procedure and escalates to no one. Its conversation cannot be continued.
   */
  ask(body: FinTurnRequest): Promise<FinTurnResponse> {
    const { conversation_metadata: metadata, ...question } = body;
    const attributes = metadata?.attributes;
    return this.#call(
      '/fin/ask',
      { ...question, ...(attributes !== undefined ? { conversation_metadata: { attributes } } : {}) },
      PREVIEW,
      'ask',
    );
  }

  /**
   * The procedures this user may run (Preview). Throws a `FinApiError` when Fin will not say (403: the feature is off)
   * or says something that cannot be read.
   */
  async capabilities(user: FinUser): Promise<readonly FinProcedure[]> {
    const answer = await this.#send('/fin/capabilities', { user }, PREVIEW, 'capabilities');
    if (answer.status < 200 || answer.status >= 300) throw finError('/fin/capabilities', answer);
    const parsed = finCapabilitiesResponseSchema.safeParse(parseJson(answer.text));
    if (parsed.success) return parsed.data.capabilities;
    // Not "none": an unreadable list must not stand in for a good one the way an empty list would.
    throw new FinApiError('server_error', "Fin's list of capabilities could not be read", {
      status: answer.status,
      requestId: answer.requestId ?? undefined,
    });
  }

  async close(): Promise<void> {
    await this.#http.close();
  }

  /** Posts to Fin (with the HTTP layer's retries); unreachable becomes a `FinApiError` like any other failure. */
  async #send(path: string, body: object, version: string, operation: string): Promise<IntercomAnswer> {
    try {
      // Retries are logged with the conversation they are for.
      const conversationId = 'conversation_id' in body ? String(body.conversation_id) : undefined;
      const log = conversationId !== undefined ? this.#options.logger.child({ conversationId }) : this.#options.logger;
      return await this.#http.post(`${this.#options.baseUrl}${path}`, body, version, operation, log);
    } catch (error) {
      if (error instanceof IntercomUnreachableError) {
        throw new FinApiError('unreachable', `Fin could not be reached for ${path} (${error.detail})`, { cause: error });
      }
      throw error;
    }
  }

  async #call(path: string, body: object, version: string, operation: string): Promise<FinTurnResponse> {
    const answer = await this.#send(path, body, version, operation);
    if (answer.status >= 200 && answer.status < 300) {
      const parsed = finTurnResponseSchema.safeParse(parseJson(answer.text));
      if (parsed.success) return parsed.data;
      // Fin took the message (2xx); only its receipt is unreadable. Failing here would make the user resend it.
      this.#options.logger.warn(
        { path, status: answer.status, requestId: answer.requestId, issues: parsed.error.issues.map((i) => i.path.join('.')) },
        'Fin accepted the call but its response could not be read',
      );
      return {};
    }
    throw finError(path, answer);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** An Intercom `error.list` answer as an error the app acts on, keeping Fin's request id and reason. */
export function finError(path: string, answer: IntercomAnswer): FinApiError {
  const { status } = answer;
  const body = finErrorBodySchema.safeParse(parseJson(answer.text));
  const first = body.success ? body.data.errors?.[0] : undefined;
  const requestId = (body.success ? body.data.request_id : undefined) ?? answer.requestId;
  const failure: FinFailure =
    status === 401 || status === 403
      ? 'unauthorized'
      : status === 429
        ? 'rate_limited'
        : status >= 500 || status === 408
          ? 'server_error'
          : status === 404
            ? 'not_found'
            : 'rejected';
  const finMessage = first?.message ?? undefined;
  return new FinApiError(failure, `Fin answered ${path} with HTTP ${status}${finMessage ? `: ${finMessage}` : ''}`, {
    status,
    requestId: requestId ?? undefined,
    finCode: first?.code ?? undefined,
    finMessage,
  });
}
