import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FinSimulator } from '../../../fakes/fin-simulator.ts';
import type { FinClient } from '../../../src/fin/client.ts';
import { procedureCapability, startFinParts } from '../../helpers/fin-parts.ts';
import { ProcedureCatalog } from '../../../src/fin/procedure-catalog.ts';

const REFUND = procedureCapability('201', 'Refund an order', 'Orders under 30 days.');

describe('ProcedureCatalog (against the Fin simulator)', () => {
  let sim: FinSimulator;
  let client: FinClient;
  let clock = 0;
  let catalog: ProcedureCatalog;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ sim, client, close } = await startFinParts({ attempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 0 }));
  });
  afterAll(() => close());
  beforeEach(() => {
    clock = Date.now();
    sim.onCapabilities(undefined);
    sim.setFeatureEnabled('capabilities', true);
    catalog = new ProcedureCatalog({ fin: client, logger: pino({ level: 'silent' }), now: () => clock });
  });
  const callsFor = (user: string) => sim.callsOf('capabilities').filter((c) => c.body.user.id === user).length;

  it('asks Fin once per person for a few minutes, however many ask at once, then again', async () => {
    sim.setCapabilities('U-once', [REFUND]);
    const [a, b] = await Promise.all([catalog.forUser({ id: 'U-once' }), catalog.forUser({ id: 'U-once' })]);
    expect(a.map((p) => p.name)).toEqual(['Refund an order']);
    expect(b).toBe(a);
    expect(callsFor('U-once')).toBe(1);
    clock += 5 * 60_000 + 1;
    await catalog.forUser({ id: 'U-once' });
    expect(callsFor('U-once')).toBe(2);
  });

  it('offers none while Fin will not say (the feature off) or says what cannot be read, and asks again soon after', async () => {
    sim.setCapabilities('U-off', [REFUND]);
    sim.setFeatureEnabled('capabilities', false);
    expect(await catalog.forUser({ id: 'U-off' })).toEqual([]);
    sim.setFeatureEnabled('capabilities', true);
    clock += 30_001;
    expect((await catalog.forUser({ id: 'U-off' })).map((p) => p.id)).toEqual(['201']);

    sim.onCapabilities(() => ({ status: 200, body: { version: 'Preview', capabilities: 'everything' } }));
    expect(await catalog.forUser({ id: 'U-odd' })).toEqual([]);
    sim.onCapabilities(undefined);
    sim.setCapabilities('U-odd', [REFUND]);
    // An unreadable list is not kept as the person's list for minutes: Fin is asked again after the short pause.
    clock += 30_001;
    expect((await catalog.forUser({ id: 'U-odd' })).map((p) => p.id)).toEqual(['201']);
  });

  it('answers within a wait with the list Fin last gave when Fin is slow, and none when it never gave one', async () => {
    sim.setCapabilities('U-slow', [REFUND]);
    await catalog.forUser({ id: 'U-slow' });
    clock += 5 * 60_000 + 1;
    sim.onCapabilities(() => ({ status: 200, body: { version: 'Preview', capabilities: [] }, delayMs: 1_000 }));
    expect((await catalog.within({ id: 'U-slow' }, 50)).map((p) => p.id)).toEqual(['201']);
    expect(await catalog.within({ id: 'U-new' }, 50)).toEqual([]);
  });
});
