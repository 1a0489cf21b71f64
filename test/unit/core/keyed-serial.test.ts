import { describe, expect, it } from 'vitest';
import { KeyedSerial } from '../../../src/core/keyed-serial.ts';

describe('KeyedSerial', () => {
  it('runs tasks of one key in order, one at a time, and other keys alongside', async () => {
    const serial = new KeyedSerial();
    const log: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const a1 = serial.run('a', async () => {
      log.push('a1 start');
      await gate;
      log.push('a1 end');
    });
    const a2 = serial.run('a', async () => {
      log.push('a2');
    });
    await serial.run('b', async () => {
      log.push('b1');
    });
    expect(log).toEqual(['a1 start', 'b1']);
    release();
    await Promise.all([a1, a2]);
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('keeps going after a task fails', async () => {
    const serial = new KeyedSerial();
    await expect(serial.run('k', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(serial.run('k', async () => 'next')).resolves.toBe('next');
    await expect(serial.idle()).resolves.toBeUndefined();
  });
});
