import { describe, expect, it } from 'vitest';
import { dedupeKeyOf, eventTime, parseFinEvent } from '../../../src/fin/events.ts';
import type { FinEvent, FinReplyChunk } from '../../../src/fin/schemas.ts';

const replied = {
  event_name: 'fin_replied',
  conversation_id: 'c1',
  user_id: 'u1',
  message: { id: '98765', author: 'fin', body: '<p>Hi</p>', timestamp_ms: '2025-01-24T09:01:00.456Z' },
  status: 'replying',
  stream_id: 's1',
  created_at_ms: '2025-01-24T10:00:00.123Z',
};

describe('parseFinEvent', () => {
  it('reads a bare event', () => {
    const parsed = parseFinEvent(replied);
    expect(parsed.ok && parsed.event.event_name).toBe('fin_replied');
  });

  it('unwraps an Ably envelope whose data is the event as a string or as an object', () => {
    const asString = parseFinEvent({ id: 'x:1', name: 'fin_replied', channel: 'fin_agent_api:a:c1', data: JSON.stringify(replied) });
    const asObject = parseFinEvent({ id: 'x:1', data: replied });
    expect(asString.ok && asString.event.conversation_id).toBe('c1');
    expect(asObject.ok && asObject.event.conversation_id).toBe('c1');
  });

  it('accepts numeric ids', () => {
    const parsed = parseFinEvent({ ...replied, conversation_id: 42, message: { ...replied.message, id: 7 } });
    expect(parsed.ok && parsed.event.event_name === 'fin_replied' && parsed.event.message.id).toBe('7');
  });

  it('reads a rating request: Fin’s options in Fin’s order, keys from the documented five, each key once', () => {
    const csat = {
      event_name: 'csat_requested',
      conversation_id: 'c1',
      user_id: 'U1',
      csat: {
        options: [
          { key: 'good', emoji: '😃', label: 'Super' },
          { key: 'amazing', emoji: '🤩', label: 'Génial' },
        ],
      },
      created_at_ms: '2026-12-04T10:00:00.123Z',
    };
    const parsed = parseFinEvent(csat);
    expect(parsed.ok && parsed.event.event_name === 'csat_requested' && parsed.event.csat.options.map((o) => o.label)).toEqual([
      'Super',
      'Génial',
    ]);
    expect(parsed.ok && dedupeKeyOf(parsed.event as Exclude<FinEvent, FinReplyChunk>)).toBe('csat:c1:2026-12-04T10:00:00.123Z');
    const badKey = { ...csat, csat: { options: [{ key: 'meh', emoji: '😐', label: 'Meh' }] } };
    expect(parseFinEvent(badKey)).toMatchObject({ ok: false, reason: 'invalid' });
    const repeated = { ...csat, csat: { options: [csat.csat.options[0], csat.csat.options[0]] } };
    expect(parseFinEvent(repeated)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(parseFinEvent({ ...csat, csat: { options: [] } })).toMatchObject({ ok: false, reason: 'invalid' });
    // A blank label would be a button Slack refuses.
    const blank = { ...csat, csat: { options: [{ key: 'good', emoji: '😃', label: '   ' }] } };
    expect(parseFinEvent(blank)).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('sets unknown events apart from malformed ones', () => {
    expect(parseFinEvent({ event_name: 'fin_something_new', conversation_id: 'c1' })).toEqual({
      ok: false,
      reason: 'unknown_event',
      eventName: 'fin_something_new',
    });
    expect(parseFinEvent({ event_name: 'fin_reply_chunk', conversation_id: 'c1', chunk_index: -1 })).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
    expect(parseFinEvent('nope')).toMatchObject({ ok: false, reason: 'invalid' });
    expect(parseFinEvent({ data: 'not json' })).toMatchObject({ ok: false, reason: 'invalid' });
  });
});

describe('dedupeKeyOf', () => {
  const key = (raw: unknown) => {
    const parsed = parseFinEvent(raw);
    if (!parsed.ok || parsed.event.event_name === 'fin_reply_chunk') throw new Error('expected a reply or a status');
    return dedupeKeyOf(parsed.event);
  };

  it('keys a reply by message id, whatever channel it came by', () => {
    expect(key(replied)).toBe(key({ ...replied, created_at_ms: 'later', stream_id: undefined }));
    expect(key(replied)).not.toBe(key({ ...replied, message: { ...replied.message, id: 'other' } }));
  });

  it('keys a status by conversation, status and time', () => {
    const status = { event_name: 'fin_status_updated', conversation_id: 'c1', status: 'escalated', created_at_ms: 't1' };
    expect(key(status)).toBe(key({ ...status, reason: 'Escalation requested by user' }));
    expect(key(status)).not.toBe(key({ ...status, created_at_ms: 't2' }));
  });

  it('keys a status without a time by what it says within the conversation, so a replay at any later time matches', () => {
    const untimed = { event_name: 'fin_status_updated', conversation_id: 'c1', status: 'escalated', reason: 'Routed to team' };
    expect(key(untimed)).toBe(key({ ...untimed }));
    expect(key(untimed)).not.toBe(key({ ...untimed, reason: 'Escalation requested by user' }));
    expect(key(untimed)).not.toBe(key({ ...untimed, conversation_id: 'c2' }));
    expect(key(untimed)).not.toBe(key({ ...untimed, created_at_ms: '2026-12-01T10:00:00.000Z' }));
  });
});

describe('eventTime', () => {
  const parse = (raw: unknown) => {
    const parsed = parseFinEvent(raw);
    if (!parsed.ok) throw new Error('expected an event');
    return parsed.event;
  };

  it("reads Fin's creation time, or the reply's message time, or nothing", () => {
    expect(eventTime(parse({ ...replied, created_at_ms: '2026-12-01T10:00:00.123Z' }))).toBe(Date.parse('2026-12-01T10:00:00.123Z'));
    expect(
      eventTime(parse({ ...replied, created_at_ms: undefined, message: { ...replied.message, timestamp_ms: '2026-11-01T00:00:00Z' } })),
    ).toBe(Date.parse('2026-11-01T00:00:00Z'));
    expect(
      eventTime(parse({ event_name: 'fin_status_updated', conversation_id: 'c', status: 'complete', created_at_ms: 'soon' })),
    ).toBeUndefined();
  });
});
