import { describe, expect, it } from 'vitest';
import { parseIntercomWebhook } from '../../../src/hitl/notification.ts';

const item = {
  conversation_id: 215473853299345,
  step_id: 'd5b81f72',
  callback_url: 'https://api.intercom.io/procedures/215473853299345/collect_agent_input',
  attributes_to_collect: [
    { identifier: 'a.bool', name: 'Approve?', data_type: 'boolean' },
    {
      identifier: 'a.list',
      label: 'Reason',
      type: 'list',
      options: [
        { id: 'o1', label: 'Damaged' },
        { value: 'o2', name: 'Late' },
        { id: 'o3', label: 'Old', archived: true },
      ],
    },
    { identifier: 'a.float', title: 'Amount', data_type: 'float' },
    { identifier: 'a.files', name: 'Receipt', data_type: 'files' },
    { identifier: 'a.empty-list', name: 'Nothing to pick', data_type: 'list' },
    { identifier: 'a.no-name', data_type: 'string' },
  ],
};

describe('parseIntercomWebhook', () => {
  it('reads fields under data.item, and maps each data type to how it is collected', () => {
    const parsed = parseIntercomWebhook({
      type: 'notification_event',
      id: 'notif_1',
      topic: 'procedure.hitl_notification.created',
      data: { item },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed));
    const n = parsed.notification;
    expect(n).toMatchObject({ notificationId: 'notif_1', stepId: 'd5b81f72', intercomConversationId: '215473853299345' });
    expect(n.attributes.map((a) => [a.label, a.kind])).toEqual([
      ['Approve?', 'boolean'],
      ['Reason', 'list'],
      ['Amount', 'decimal'],
      ['Receipt', 'unsupported'],
      ['Nothing to pick', 'unsupported'],
      ['a.no-name', 'string'],
    ]);
    expect(n.attributes[1]?.options).toEqual([
      { id: 'o1', label: 'Damaged' },
      { id: 'o2', label: 'Late' },
    ]);
  });

  it('also reads the fields at the top level', () => {
    const parsed = parseIntercomWebhook({ topic: 'procedure.hitl_notification.created', ...item });
    expect(parsed.ok && parsed.notification.stepId).toBe('d5b81f72');
  });

  it('sets other topics apart from broken notifications', () => {
    expect(parseIntercomWebhook({ topic: 'ping', id: 'n2' })).toEqual({
      ok: false,
      reason: 'not_hitl',
      topic: 'ping',
      notificationId: 'n2',
    });
    expect(parseIntercomWebhook({ id: 'n3' })).toMatchObject({ ok: false, reason: 'invalid' });
    const noCallback = parseIntercomWebhook({
      topic: 'procedure.hitl_notification.created',
      data: { item: { ...item, callback_url: 'ftp://x' } },
    });
    expect(noCallback).toMatchObject({ ok: false, reason: 'invalid' });
    const nothingAsked = parseIntercomWebhook({
      topic: 'procedure.hitl_notification.created',
      data: { item: { ...item, attributes_to_collect: [] } },
    });
    expect(nothingAsked).toMatchObject({ ok: false, reason: 'invalid' });
  });
});
