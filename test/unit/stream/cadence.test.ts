import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Cadence } from '../../../src/stream/cadence.ts';
import { UpdateScheduler } from '../../../src/stream/update-scheduler.ts';

describe('a 429 on a streaming write', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('pauses the message and the whole budget it draws on, from the one place that handles it', async () => {
    const budget = new UpdateScheduler({ ratePerMinute: 600, burst: 10, now: () => Date.now() });
    const refused = new Cadence({ intervalMs: 0, lane: budget.lane(), now: () => Date.now() });
    const other = budget.lane();
    refused.pause(5_000);
    // Another message's edit waits for the pause Slack asked of the workspace's budget…
    const ran: number[] = [];
    other.request(() => ran.push(Date.now()));
    await vi.advanceTimersByTimeAsync(4_900);
    expect(ran).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(ran).toHaveLength(1);
    budget.close();
  });
});
