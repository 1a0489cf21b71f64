import type { Logger } from '../core/log.ts';

/**
 * Runs the slow part of an interaction once its acknowledgement is out. Over HTTP the app acknowledges only when a
 * listener returns (so that events are recorded before Slack hears "ok"); buttons, forms and commands must not wait
 * for Fin, the database queue or the Web API, or Slack shows the user an error after 3 seconds.
 */
export function afterAck(log: Logger, what: string, work: () => Promise<void>): void {
  setImmediate(() => {
    work().catch((error: unknown) => log.error({ err: error }, `${what} failed`));
  });
}

/** `promise`, or `undefined` once `ms` have passed: for work that must finish inside Slack's 3-second window. */
export async function within<T>(ms: number, promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
