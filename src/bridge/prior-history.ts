import { z } from 'zod';
import type { FinMessage } from '../fin/schemas.ts';

/**
 * What was said with Fin before a thread's conversation began (a private answer shared into the channel): its
 * messages, and the thread's last message they cover (Fin reads the thread's own messages after it as history too).
 * Stored as JSON with the conversation; read back through this schema, so a row written by an older release, or
 * damaged, yields no history rather than a malformed request.
 */
export interface PriorHistory {
  readonly afterTs: string;
  readonly messages: readonly FinMessage[];
}

const priorHistorySchema = z.object({
  afterTs: z.string().min(1),
  messages: z.array(z.object({ author: z.enum(['user', 'agent', 'fin']), body: z.string(), timestamp: z.string() })),
});

export function encodePriorHistory(history: PriorHistory): string {
  return JSON.stringify(history);
}

export function decodePriorHistory(json: string | null): PriorHistory | undefined {
  if (json === null) return undefined;
  try {
    const parsed = priorHistorySchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
