import { pino } from 'pino';
import { FinSimulator } from '../../fakes/fin-simulator.ts';
import type { RetryPolicy } from '../../src/core/backoff.ts';
import { FinClient } from '../../src/fin/client.ts';

/** A real Fin client against the Fin simulator on loopback, quiet, with short retries (or the ones given). */
export async function startFinParts(
  retry: RetryPolicy = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 1_500 },
): Promise<{ sim: FinSimulator; client: FinClient; close(): Promise<void> }> {
  const sim = await FinSimulator.start();
  const client = new FinClient({ baseUrl: sim.url, token: sim.token, apiVersion: '2.15', logger: pino({ level: 'silent' }), retry });
  return {
    sim,
    client,
    close: async () => {
      await client.close();
      await sim.close();
    },
  };
}

/** One entry of Fin's `/fin/capabilities`: a procedure the person may run. */
export function procedureCapability(id: string, name: string, description = '') {
  return { type: 'procedure', id, name, description, endpoint: `/fin/procedures/${id}/run`, method: 'POST' };
}
