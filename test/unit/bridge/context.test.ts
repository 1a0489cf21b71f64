import { describe, expect, it } from 'vitest';
import { type BridgeOptions, createContext } from '../../../src/bridge/context.ts';
import { createLogger } from '../../../src/core/log.ts';

function context() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info', secrets: [], destination: { write: (line: string) => lines.push(JSON.parse(line)) } });
  // The conversation order needs only the log; the rest of the options play no part in it.
  return { ctx: createContext({ logger } as unknown as BridgeOptions), lines };
}

describe('the conversation order', () => {
  it('settles as its task does: with the result, or rejected with the error, and the next task still runs', async () => {
    const { ctx } = context();
    const order: string[] = [];
    const first = ctx.inOrder('c1', async () => {
      order.push('first');
      return 42;
    });
    const failing = ctx.inOrder('c1', async () => {
      order.push('failing');
      throw new Error('database is locked');
    });
    const third = ctx.inOrder('c1', async () => {
      order.push('third');
      return 'ok';
    });
    await expect(first).resolves.toBe(42);
    await expect(failing).rejects.toThrow('database is locked');
    await expect(third).resolves.toBe('ok');
    expect(order).toEqual(['first', 'failing', 'third']);
  });

  it('logs what failed in work no caller waits on, and lets it go no further', async () => {
    const { ctx, lines } = context();
    ctx.inOrderDetached('c1', 'starting the next turn', async () => {
      throw new Error('database is locked');
    });
    await ctx.idle();
    expect(lines.find((l) => l.msg === 'conversation task failed')).toMatchObject({
      conversationId: 'c1',
      task: 'starting the next turn',
      level: 'error',
    });
  });
});
