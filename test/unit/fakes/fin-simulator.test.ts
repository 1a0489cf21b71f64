import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createParser } from 'eventsource-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CsatOption, FinSimulator, type SimTurn } from '../../../fakes/fin-simulator.ts';
import { waitFor } from '../../helpers/wait.ts';

/**
 * The Fin simulator answers the way the Fin Agent API reference says: each body is checked against the schema of
 * the version it names, CSAT follows the reference's rules and errors, escalations and asks send the events the
 * reference promises. Driven over HTTP on loopback, as the app drives it.
 */

const ACCESS_TOKEN = 'intercom-app-token';
const WEBHOOK_SECRET = 'sim-webhook-secret';

let sim: FinSimulator;
let hooks: WebhookReceiver;

beforeEach(async () => {
  hooks = await WebhookReceiver.start();
  sim = await FinSimulator.start({ accessToken: ACCESS_TOKEN, webhook: { url: hooks.url, secret: WEBHOOK_SECRET } });
});

afterEach(async () => {
  await sim.close();
  await hooks.close();
});

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function post(path: string, body: unknown, version: string | null, token = sim.token): Promise<Answer> {
  const res = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(version !== null ? { 'intercom-version': version } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** The reference's examples, retyped. */
const EXAMPLE_USER = { id: '123456', name: 'John Doe', email: 'john.doe@example.com' };
const BASIC_START = {
  conversation_id: 'ext-123',
  message: { author: 'user', body: 'How can I see my account details?', timestamp: '2025-01-24T10:01:20.000Z' },
  user: EXAMPLE_USER,
};
const START_WITH_HISTORY = {
  ...BASIC_START,
  user: { ...EXAMPLE_USER, attributes: { plan_type: 'Pro', subscription_status: 'active' } },
  conversation_metadata: {
    history: [
      { author: 'user', body: 'I need help', timestamp: '2025-01-24T10:00:01Z' },
      { author: 'agent', body: 'What do you need help with?', timestamp: '2025-01-24T10:01:00Z' },
    ],
    attributes: { priority_level: 'high', department: 'sales' },
  },
};
const START_WITH_ATTACHMENTS = {
  ...BASIC_START,
  message: { author: 'user', body: 'Here is a screenshot of the issue', timestamp: '2025-01-24T10:01:20.000Z' },
  attachments: [
    { type: 'url', url: 'https://example.com/document.pdf' },
    {
      type: 'file',
      name: 'screenshot.png',
      content_type: 'image/png',
      data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk...',
    },
  ],
};
const START_WITH_SETTINGS = {
  ...BASIC_START,
  message: { author: 'user', body: 'How can I resolve my outstanding invoice?', timestamp: '2025-01-24T10:01:20.000Z' },
  user: { id: '123456', name: 'Jane Smith', email: 'jane.smith@example.com' },
  settings: { follow_up_questions: false, email: true },
};
const BASIC_REPLY = {
  conversation_id: '123456',
  message: { author: 'user', body: "Here's the information you requested.", timestamp: '2025-01-24T09:01:00.000Z' },
  user: EXAMPLE_USER,
};
const REPLY_WITH_ATTACHMENTS = {
  ...BASIC_REPLY,
  message: { author: 'user', body: "Here's the invoice you asked for.", timestamp: '2025-01-24T09:01:00.000Z' },
  attachments: [{ type: 'url', url: 'https://example.com/invoice.pdf' }],
};
const BASIC_RUN = { conversation_id: 'ext-123', user: EXAMPLE_USER };
const RUN_WITH_MESSAGE = {
  ...BASIC_RUN,
  message: { author: 'agent', body: 'Starting your refund request.' },
  conversation_metadata: { attributes: { order_id: '98765' } },
  settings: { email: true },
};
const BASIC_ASK = {
  conversation_id: 'ext-123',
  message: { author: 'user', body: 'How do I reset my password?', timestamp: '2025-01-24T10:01:20.000Z' },
  user: EXAMPLE_USER,
};
const ASK_WITH_HISTORY = {
  conversation_id: 'ext-123',
  message: { author: 'user', body: 'And how long does that take to apply?', timestamp: '2025-01-24T10:02:00.000Z' },
  user: { ...EXAMPLE_USER, attributes: { plan_type: 'Pro' } },
  conversation_metadata: {
    history: [{ author: 'user', body: 'How do I reset my password?', timestamp: '2025-01-24T10:01:20.000Z' }],
    attributes: { order_id: '98765' },
  },
};
const ESCALATE_USER = { user: EXAMPLE_USER, message: 'I need help with my billing issue' };
const CAPABILITIES = { user: { id: '123456' } };
const COLLECT_VALUES = {
  step_id: 'd5b81f72-adb9-4317-b973-75b3c3624c09',
  attribute_values: [
    { identifier: 'workflow_local_variables.72c5a6b3-3cce-41d8-8e30-14da40791958', value: true },
    { identifier: 'workflow_local_variables.5adb55fb-f549-44a0-8ee9-7e652ad77c25', value: '85f00ba7-558c-4b02-a397-6f5c3659941c' },
  ],
};
const COLLECT_STRING = {
  step_id: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
  attribute_values: [{ identifier: 'workflow_local_variables.11111111-2222-3333-4444-555555555555', value: 'Approved by manager' }],
};

const COLLECT_PATH = '/procedures/215473853299345/collect_agent_input';

/** Each body under its own conversation id, so the examples do not meet "session already exists". */
function fresh<T extends object>(body: T, id: string): T {
  const named = 'conversation_id' in body && typeof body.conversation_id === 'string' && body.conversation_id !== '';
  return named ? { ...body, conversation_id: id } : body;
}

function firstError(answer: Answer): { code?: string; message?: string; field?: string } {
  expect(answer.body.type).toBe('error.list');
  const errors = answer.body.errors as { code?: string; message?: string; field?: string }[];
  return errors[0] ?? {};
}

describe('request bodies, checked against the schema of the version named', () => {
  beforeEach(() => {
    sim.onTurn(() => undefined);
  });

  it.each([
    ['/fin/start', '2.15', BASIC_START],
    ['/fin/start', '2.15', START_WITH_HISTORY],
    ['/fin/start', '2.15', START_WITH_ATTACHMENTS],
    ['/fin/start', '2.14', BASIC_START],
    ['/fin/start', '2.16', START_WITH_HISTORY],
    ['/fin/start', 'Preview', START_WITH_SETTINGS],
    ['/fin/start', 'Preview', START_WITH_ATTACHMENTS],
    ['/fin/reply', '2.15', BASIC_REPLY],
    ['/fin/reply', '2.15', REPLY_WITH_ATTACHMENTS],
    ['/fin/reply', 'Preview', { ...BASIC_REPLY, settings: { follow_up_questions: false, email: true } }],
    ['/fin/procedures/12345/run', 'Preview', BASIC_RUN],
    ['/fin/procedures/12345/run', 'Preview', RUN_WITH_MESSAGE],
    ['/fin/ask', 'Preview', BASIC_ASK],
    ['/fin/ask', 'Preview', ASK_WITH_HISTORY],
    ['/fin/escalate', 'Preview', ESCALATE_USER],
    ['/fin/capabilities', 'Preview', CAPABILITIES],
  ] as const)('accepts %s on %s: the reference example %#', async (path, version, body) => {
    const answer = await post(path, fresh(body, `ok-${path}-${version}-${Math.random()}`), version);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  });

  it.each([COLLECT_VALUES, COLLECT_STRING, { step_id: 's', attribute_values: [{ identifier: 'x', value: null }] }])(
    'accepts an agent input on Preview with the app token: %#',
    async (body) => {
      const answer = await post(COLLECT_PATH, body, 'Preview', ACCESS_TOKEN);
      expect(answer).toEqual({ status: 200, body: {} });
      expect(sim.collectCalls.at(-1)?.body).toEqual(body);
    },
  );

  const missingTimestamp = { ...BASIC_START, message: { author: 'user', body: 'hi' } };
  const elevenHistory = { history: Array(11).fill(START_WITH_HISTORY.conversation_metadata.history[0]) };
  const elevenUrls = Array(11).fill({ type: 'url', url: 'https://x.example/a' });
  it.each([
    // path, version, body, the field named, the message
    ['/fin/start', '2.15', { ...BASIC_START, conversation_id: undefined }, 'conversation_id', 'conversation_id is required'],
    ['/fin/start', '2.15', { ...BASIC_START, conversation_id: '' }, 'conversation_id', 'conversation_id is required'],
    ['/fin/start', '2.15', { ...BASIC_START, user: undefined }, 'user', 'user is required'],
    ['/fin/start', '2.15', { ...BASIC_START, user: { name: 'No Id' } }, 'user.id', 'user.id is required'],
    ['/fin/start', '2.15', missingTimestamp, 'message.timestamp', 'message.timestamp is required'],
    [
      '/fin/start',
      '2.15',
      { ...BASIC_START, message: { ...BASIC_START.message, author: 'bot' } },
      'message.author',
      'message.author must be one of user, agent, fin',
    ],
    [
      '/fin/start',
      '2.15',
      { ...BASIC_START, message: { ...BASIC_START.message, body: 42 } },
      'message.body',
      'message.body must be a string',
    ],
    [
      '/fin/start',
      '2.15',
      { ...BASIC_START, message: { ...BASIC_START.message, timestamp: 'yesterday' } },
      'message.timestamp',
      'message.timestamp must be an ISO 8601 date-time',
    ],
    ['/fin/start', '2.15', START_WITH_SETTINGS, 'settings', 'settings is not a parameter of this operation'],
    [
      '/fin/start',
      '2.15',
      { ...BASIC_START, user: { ...EXAMPLE_USER, email: 'not an email' } },
      'user.email',
      'user.email must be an email address',
    ],
    [
      '/fin/start',
      '2.15',
      { ...BASIC_START, user: { ...EXAMPLE_USER, attributes: manyAttributes(11) } },
      'user.attributes',
      'user.attributes has more than 10 attributes (Cannot update more than 10 attributes at once.)',
    ],
    [
      '/fin/start',
      '2.15',
      { ...START_WITH_HISTORY, conversation_metadata: elevenHistory },
      'conversation_metadata.history',
      'conversation_metadata.history must have at most 10 items',
    ],
    ['/fin/start', '2.15', { ...BASIC_START, attachments: elevenUrls }, 'attachments', 'attachments must have at most 10 items'],
    [
      '/fin/start',
      '2.15',
      { ...BASIC_START, attachments: [{ type: 'url' }] },
      'attachments[0].url',
      'attachments[0].url is required when type is url',
    ],
    [
      '/fin/start',
      '2.15',
      { ...BASIC_START, attachments: [{ type: 'file', name: 'a.png', data: 'AA==' }] },
      'attachments[0].content_type',
      'attachments[0].content_type is required when type is file',
    ],
    [
      '/fin/start',
      '2.15',
      { ...BASIC_START, attachments: [{ type: 'image', url: 'https://x.example' }] },
      'attachments[0].type',
      'attachments[0].type must be one of url, file',
    ],
    [
      '/fin/reply',
      '2.15',
      { ...BASIC_REPLY, conversation_metadata: { attributes: {} } },
      'conversation_metadata',
      'conversation_metadata is not a parameter of this operation',
    ],
    ['/fin/reply', '2.16', { ...BASIC_REPLY, settings: { email: true } }, 'settings', 'settings is not a parameter of this operation'],
    ['/fin/reply', 'Preview', { ...BASIC_REPLY, settings: { email: 'yes' } }, 'settings.email', 'settings.email must be a boolean'],
    ['/fin/procedures/12345/run', 'Preview', { ...BASIC_RUN, user: undefined }, 'user', 'user is required'],
    [
      '/fin/procedures/12345/run',
      'Preview',
      { ...BASIC_RUN, settings: { follow_up_questions: false } },
      'settings.follow_up_questions',
      'settings.follow_up_questions is not a parameter of this operation',
    ],
    [
      '/fin/procedures/12345/run',
      'Preview',
      { ...BASIC_RUN, conversation_metadata: START_WITH_HISTORY.conversation_metadata },
      'conversation_metadata.history',
      'conversation_metadata.history is not a parameter of this operation',
    ],
    [
      '/fin/procedures/12345/run',
      'Preview',
      { ...BASIC_RUN, attachments: [] },
      'attachments',
      'attachments is not a parameter of this operation',
    ],
    // Ask words these the way its reference does.
    ['/fin/ask', 'Preview', { ...BASIC_ASK, conversation_id: undefined }, 'conversation_id', 'External Conversation ID is required'],
    ['/fin/ask', 'Preview', { ...BASIC_ASK, user: { name: 'No Id' } }, 'user.id', 'User ID is required'],
    [
      '/fin/ask',
      'Preview',
      { ...ASK_WITH_HISTORY, conversation_metadata: { history: Array(11).fill(ASK_WITH_HISTORY.conversation_metadata.history[0]) } },
      'conversation_metadata.history',
      'Conversation history cannot contain more than 10 items',
    ],
    // The oneOf of escalate is about the body as a whole: no field.
    ['/fin/escalate', 'Preview', { context: 'no one to escalate' }, undefined, 'Either conversation_id or user must be provided'],
    [
      '/fin/escalate',
      'Preview',
      { conversation_id: 'ext-1', user: EXAMPLE_USER },
      undefined,
      'Provide either conversation_id or user, not both',
    ],
    [
      '/fin/escalate',
      'Preview',
      { conversation_id: 'ext-1', context: 'x'.repeat(10_001) },
      'context',
      'context must be at most 10000 characters',
    ],
    ['/fin/escalate', 'Preview', { ...ESCALATE_USER, message: 'x'.repeat(10_001) }, 'message', 'message must be at most 10000 characters'],
    ['/fin/escalate', 'Preview', { user: { name: 'No Id' } }, 'user.id', 'user.id is required'],
    ['/fin/capabilities', 'Preview', {}, 'user', 'user is required'],
    ['/fin/capabilities', 'Preview', { user: { id: 123456 } }, 'user.id', 'user.id must be a string'],
  ] as const)('refuses %s on %s with 400 parameter_invalid naming %s (%#)', async (path, version, body, field, message) => {
    const answer = await post(path, fresh(body, `bad-${Math.random()}`), version);
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(firstError(answer)).toEqual({ code: 'parameter_invalid', message, ...(field !== undefined ? { field } : {}) });
    expect(sim.calls).toEqual([]);
  });

  it('takes an escalation message of exactly 10,000 characters', async () => {
    const answer = await post('/fin/escalate', { ...ESCALATE_USER, message: 'x'.repeat(10_000) }, 'Preview');
    expect(answer.status).toBe(200);
  });

  it('takes a Preview message without a timestamp, which 2.14 to 2.16 require', async () => {
    const body = { ...BASIC_START, message: { author: 'user', body: 'hi' } };
    expect((await post('/fin/start', { ...body, conversation_id: 'ts-preview' }, 'Preview')).status).toBe(200);
    for (const version of ['2.14', '2.15', '2.16']) {
      expect((await post('/fin/start', { ...body, conversation_id: `ts-${version}` }, version)).status).toBe(400);
    }
  });

  it.each([
    ['/procedures/1/collect_agent_input', { attribute_values: [] }, 'step_id'],
    ['/procedures/1/collect_agent_input', { step_id: 's', attribute_values: [{ identifier: 'x' }] }, 'attribute_values[0].value'],
    [
      '/procedures/1/collect_agent_input',
      { step_id: 's', attribute_values: [{ identifier: 'x', value: 1, label: 'X' }] },
      'attribute_values[0].label',
    ],
  ] as const)('refuses an agent input that breaks the schema: %s naming %s', async (path, body, field) => {
    const answer = await post(path, body, 'Preview', ACCESS_TOKEN);
    expect(answer.status).toBe(400);
    expect(firstError(answer)).toMatchObject({ code: 'parameter_invalid', field });
    expect(sim.collectCalls).toEqual([]);
  });

  it.each([
    ['/fin/procedures/12345/run', '2.15', BASIC_RUN],
    ['/fin/procedures/12345/run', '2.16', BASIC_RUN],
    ['/fin/ask', '2.15', BASIC_ASK],
    ['/fin/escalate', '2.16', ESCALATE_USER],
    ['/fin/capabilities', '2.14', CAPABILITIES],
    ['/fin/start', '2.13', BASIC_START],
    ['/fin/reply', '2.0', BASIC_REPLY],
    ['/fin/csat', '2.13', { conversation_id: 'ext-123', rating: 'amazing' }],
    ['/fin/procedures/12345/run', null, BASIC_RUN],
  ] as const)('answers 404 not_found for %s where version %s does not have it', async (path, version, body) => {
    const answer = await post(path, body, version);
    expect(answer.status).toBe(404);
    expect(firstError(answer)).toMatchObject({ code: 'not_found', message: 'Resource Not Found' });
    expect(sim.calls).toEqual([]);
  });

  it('answers 404 for the agent input callback outside Preview', async () => {
    const answer = await post(COLLECT_PATH, COLLECT_VALUES, '2.15', ACCESS_TOKEN);
    expect(answer.status).toBe(404);
    expect(sim.collectCalls).toEqual([]);
  });

  it('reads a request without Intercom-Version as 2.15, and refuses a version that does not exist', async () => {
    expect((await post('/fin/start', { ...BASIC_START, conversation_id: 'no-header' }, null)).status).toBe(200);
    expect((await post('/fin/start', { ...BASIC_START, conversation_id: 'no-header-2', settings: {} }, null)).status).toBe(400);
    const answer = await post('/fin/start', BASIC_START, '9.9');
    expect(answer.status).toBe(400);
    expect(firstError(answer).code).toBe('intercom_version_invalid');
  });

  it('checks the token before anything else, and the body only once the version has the operation', async () => {
    expect((await post('/fin/ask', {}, '2.15', 'wrong-token')).status).toBe(401);
    expect((await post(COLLECT_PATH, COLLECT_VALUES, 'Preview', sim.token)).status).toBe(401);
    expect((await post('/fin/ask', {}, '2.15')).status).toBe(404);
    expect((await post('/fin/start', '{not json', '2.15')).status).toBe(400);
    expect((await post('/fin/start', [BASIC_START], '2.15')).body).toMatchObject({
      errors: [{ code: 'parameter_invalid', message: 'The request body must be a JSON object' }],
    });
  });

  it('still refuses a second start of one conversation', async () => {
    expect((await post('/fin/start', { ...BASIC_START, conversation_id: 'twice' }, '2.15')).status).toBe(200);
    const again = await post('/fin/start', { ...BASIC_START, conversation_id: 'twice' }, '2.15');
    expect(again.status).toBe(400);
    expect(firstError(again).message).toMatch(/session already exists/);
  });
});

function manyAttributes(n: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`attr_${i}`, String(i)]));
}

/** Starts a conversation as the app does and takes Fin's turn for it. */
async function startedTurn(conversationId: string, userId = 'user-1'): Promise<SimTurn> {
  sim.onTurn(undefined);
  const answer = await post('/fin/start', { ...BASIC_START, conversation_id: conversationId, user: { id: userId } }, '2.15');
  expect(answer.status).toBe(200);
  return sim.nextTurn();
}

function rate(body: Record<string, unknown>, version = '2.15'): Promise<Answer> {
  return post('/fin/csat', body, version);
}

describe('/fin/csat', () => {
  it('records a rating once Fin asked for one, and answers a retry of it the same', async () => {
    const turn = await startedTurn('csat-1');
    expect(await rate({ conversation_id: 'csat-1', rating: 'amazing' })).toEqual({
      status: 422,
      body: { errors: { base: 'No rating survey found for this conversation' } },
    });
    await turn.csatRequested();
    const rated = { status: 200, body: { conversation_id: 'csat-1', rating: 'amazing', status: 'rated' } };
    expect(await rate({ conversation_id: 'csat-1', rating: 'amazing' })).toEqual(rated);
    expect(await rate({ conversation_id: 'csat-1', rating: 'amazing' })).toEqual(rated);
    expect(sim.csat('csat-1')).toMatchObject({ rating: 'amazing', remark: undefined, windowOpen: true });
    expect(sim.callsOf('csat').map((c) => c.body.rating)).toEqual(['amazing', 'amazing', 'amazing']);
  });

  it('exists in 2.14, 2.16 and Preview too', async () => {
    const turn = await startedTurn('csat-versions');
    await turn.csatRequested();
    for (const version of ['2.14', '2.16', 'Preview']) {
      expect((await rate({ conversation_id: 'csat-versions', rating: 'good' }, version)).status).toBe(200);
    }
  });

  it('changes the rating while the window is open, until a remark locks it', async () => {
    const turn = await startedTurn('csat-2');
    await turn.csatRequested();
    expect((await rate({ conversation_id: 'csat-2', rating: 'bad' })).body).toMatchObject({ rating: 'bad' });
    expect((await rate({ conversation_id: 'csat-2', rating: 'good' })).body).toMatchObject({ rating: 'good' });
    const remarked = await rate({ conversation_id: 'csat-2', rating: 'amazing', remark: 'Fin solved my problem in seconds.' });
    expect(remarked).toEqual({ status: 200, body: { conversation_id: 'csat-2', rating: 'amazing', status: 'rated' } });
    expect(sim.csat('csat-2')).toMatchObject({ rating: 'amazing', remark: 'Fin solved my problem in seconds.' });

    const locked = {
      status: 422,
      body: { errors: { base: 'This rating can no longer be changed because a remark has already been submitted' } },
    };
    expect(await rate({ conversation_id: 'csat-2', rating: 'good' })).toEqual(locked);
    expect(await rate({ conversation_id: 'csat-2', rating: 'amazing', remark: 'Changed my mind' })).toEqual(locked);
    // Retries of what is recorded stay successful.
    expect((await rate({ conversation_id: 'csat-2', rating: 'amazing' })).status).toBe(200);
    expect((await rate({ conversation_id: 'csat-2', rating: 'amazing', remark: 'Fin solved my problem in seconds.' })).status).toBe(200);
    expect(sim.csat('csat-2')).toMatchObject({ rating: 'amazing', remark: 'Fin solved my problem in seconds.' });
  });

  it('adds a first remark to a rated survey, with the same rating', async () => {
    const turn = await startedTurn('csat-remark');
    await turn.csatRequested();
    await rate({ conversation_id: 'csat-remark', rating: 'ok' });
    expect((await rate({ conversation_id: 'csat-remark', rating: 'ok', remark: 'Slow but fine' })).status).toBe(200);
    expect(sim.csat('csat-remark')).toMatchObject({ rating: 'ok', remark: 'Slow but fine' });
  });

  it('refuses a change once the window has closed, but not a retry', async () => {
    const turn = await startedTurn('csat-3');
    await turn.csatRequested();
    await rate({ conversation_id: 'csat-3', rating: 'good' });
    sim.closeCsatWindow('csat-3');
    const closed = { status: 422, body: { errors: { base: 'The rating window for this conversation has closed' } } };
    expect(await rate({ conversation_id: 'csat-3', rating: 'ok' })).toEqual(closed);
    expect(await rate({ conversation_id: 'csat-3', rating: 'good', remark: 'late words' })).toEqual(closed);
    expect((await rate({ conversation_id: 'csat-3', rating: 'good' })).status).toBe(200);
    expect(sim.csat('csat-3')).toMatchObject({ rating: 'good', remark: undefined, windowOpen: false });
  });

  it('refuses a rating the survey does not offer, and one no survey could', async () => {
    const turn = await startedTurn('csat-4');
    const options: CsatOption[] = [
      { key: 'good', emoji: '😃', label: 'Great' },
      { key: 'amazing', emoji: '🤩', label: 'Amazing' },
    ];
    await turn.csatRequested(options);
    const notAnOption = { status: 422, body: { errors: { rating: "Rating isn't an option" } } };
    expect(await rate({ conversation_id: 'csat-4', rating: 'bad' })).toEqual(notAnOption);
    expect(await rate({ conversation_id: 'csat-4', rating: 'excellent' })).toEqual(notAnOption);
    expect(sim.csat('csat-4')?.rating).toBeUndefined();
  });

  it('refuses a conversation Fin does not know, and a body without its fields, in the 422 shape', async () => {
    expect(await rate({ conversation_id: 'nobody', rating: 'good' })).toEqual({
      status: 422,
      body: { errors: { external_conversation_id: 'Conversation not found for the given external_conversation_id' } },
    });
    expect(await rate({ conversation_id: 'nobody' })).toEqual({ status: 422, body: { errors: { rating: 'rating is required' } } });
    expect(await rate({ rating: 'good' })).toEqual({ status: 422, body: { errors: { conversation_id: 'conversation_id is required' } } });
    expect(await rate({ conversation_id: 'nobody', rating: 'good', stars: 5 })).toMatchObject({
      status: 422,
      body: { errors: { stars: expect.any(String) } },
    });
  });

  it('lets a test answer in its stead, leaving the survey untouched', async () => {
    const turn = await startedTurn('csat-5');
    await turn.csatRequested();
    sim.onCsat((call) =>
      call.body.rating === 'bad' ? { status: 503, body: { type: 'error.list', errors: [{ code: 'service_unavailable' }] } } : undefined,
    );
    expect((await rate({ conversation_id: 'csat-5', rating: 'bad' })).status).toBe(503);
    expect(sim.csat('csat-5')?.rating).toBeUndefined();
    sim.onCsat(() => ({ status: 429, headers: { 'retry-after': '1' } }));
    expect((await rate({ conversation_id: 'csat-5', rating: 'good' })).status).toBe(429);
    sim.onCsat(undefined);
    expect((await rate({ conversation_id: 'csat-5', rating: 'good' })).status).toBe(200);
  });

  it('keeps the stream open past complete when a survey will follow, sends csat_requested on it and by webhook, then revokes it', async () => {
    const turn = await startedTurn('csat-sse', 'user-7891');
    const stream = await subscribe(streamUrlOf(turn));
    await turn.connected();
    turn.expectCsat();
    await turn.reply('<p>Done.</p>', { status: 'replying' });
    await turn.status('resolved');
    await turn.status('complete');
    await waitFor(() => stream.events.some((e) => e.status === 'complete'), { what: 'complete over SSE' });
    expect(turn.revoked).toBe(false);
    expect(stream.ended).toBe(false);

    await turn.csatRequested();
    await waitFor(() => stream.ended, { what: 'the stream to end after csat_requested' });
    expect(turn.revoked).toBe(true);
    const survey = stream.events.at(-1);
    expect(survey).toMatchObject({
      event_name: 'csat_requested',
      conversation_id: 'csat-sse',
      user_id: 'user-7891',
      csat: { options: expect.arrayContaining([{ key: 'amazing', emoji: '🤩', label: 'Amazing' }]) },
    });
    expect(Date.parse(String(survey?.created_at_ms))).not.toBeNaN();
    const byWebhook = await waitFor(() => hooks.events.find((e) => e.event_name === 'csat_requested'), {
      what: 'csat_requested by webhook',
    });
    expect(byWebhook).toEqual(survey);
    expect(hooks.signaturesValid).toBe(true);
  });

  it('ends the stream at complete when no survey was announced: a later survey comes by webhook only', async () => {
    const turn = await startedTurn('csat-late');
    const stream = await subscribe(streamUrlOf(turn));
    await turn.connected();
    await turn.status('complete');
    await waitFor(() => stream.ended, { what: 'the stream to end at complete' });
    await turn.csatRequested();
    expect(stream.events.map((e) => e.event_name)).toEqual(['fin_status_updated']);
    expect(hooks.events.map((e) => e.event_name)).toEqual(['fin_status_updated', 'csat_requested']);
    expect((await rate({ conversation_id: 'csat-late', rating: 'good' })).status).toBe(200);
  });
});

describe('/fin/escalate', () => {
  it('escalates a conversation: 200 with a rewind stream, then escalated and complete over SSE and by webhook', async () => {
    await startedTurn('esc-1', 'user-esc');
    const context = 'Customer is requesting a refund and is frustrated.';
    const answer = await post('/fin/escalate', { conversation_id: 'esc-1', context }, 'Preview');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      conversation_id: 'esc-1',
      status: 'escalated',
      sse_subscription_url: expect.stringContaining('rewind=2m'),
    });
    expect(sim.callsOf('escalate').map((c) => [c.conversationId, c.body.context])).toEqual([['esc-1', context]]);
    // Both events are reported before anyone subscribes: the rewind window still delivers them.
    await waitFor(() => hooks.events.some((e) => e.status === 'complete'), { what: 'complete by webhook' });
    const stream = await subscribe(String(answer.body.sse_subscription_url));
    await waitFor(() => stream.ended, { what: 'the escalation stream to end' });
    const expected = [
      {
        event_name: 'fin_status_updated',
        conversation_id: 'esc-1',
        user_id: 'user-esc',
        status: 'escalated',
        reason: 'Escalation requested by user',
      },
      { event_name: 'fin_status_updated', conversation_id: 'esc-1', user_id: 'user-esc', status: 'complete' },
    ];
    expect(stream.events).toMatchObject(expected);
    expect(stream.events).toHaveLength(2);
    expect(hooks.events.filter((e) => e.event_name === 'fin_status_updated').slice(-2)).toMatchObject(expected);
    // The token is spent once the events were delivered.
    const again = await subscribe(String(answer.body.sse_subscription_url));
    await waitFor(() => again.ended, { what: 'the revoked stream to end' });
    expect(again.errors.join()).toContain('Token revoked');
  });

  it('escalates on behalf of a user with a new Intercom conversation', async () => {
    const answer = await post('/fin/escalate', ESCALATE_USER, 'Preview');
    expect(answer).toEqual({ status: 200, body: { intercom_conversation_id: expect.stringMatching(/^\d+$/), status: 'escalated' } });
    expect(sim.callsOf('escalate')[0]?.body.message).toBe('I need help with my billing issue');
  });

  it('answers 400 for a conversation Fin does not know', async () => {
    const answer = await post('/fin/escalate', { conversation_id: 'never-started' }, 'Preview');
    expect(answer.status).toBe(400);
    expect(firstError(answer)).toMatchObject({ code: 'parameter_invalid', message: 'Conversation not found' });
    expect(sim.escalations).toEqual([]);
  });

  it('answers 403 forbidden when the workspace does not have escalation, and what a test overrides', async () => {
    await startedTurn('esc-2');
    sim.setFeatureEnabled('escalate', false);
    const forbidden = await post('/fin/escalate', { conversation_id: 'esc-2' }, 'Preview');
    expect(forbidden.status).toBe(403);
    expect(firstError(forbidden).code).toBe('forbidden');
    sim.setFeatureEnabled('escalate', true);
    sim.onEscalate(() => ({ status: 502, body: {} }));
    expect((await post('/fin/escalate', { conversation_id: 'esc-2' }, 'Preview')).status).toBe(502);
    sim.onEscalate(() => ({ status: 429, body: {}, headers: { 'x-ratelimit-reset': '1' } }));
    expect((await post('/fin/escalate', { conversation_id: 'esc-2' }, 'Preview')).status).toBe(429);
    expect(sim.escalations).toEqual([]);
    sim.onEscalate(undefined);
    expect((await post('/fin/escalate', { conversation_id: 'esc-2' }, 'Preview')).status).toBe(200);
  });
});

describe('/fin/capabilities', () => {
  it('lists what a test set for the user, the static actions otherwise', async () => {
    const procedure = {
      type: 'procedure',
      id: '12345',
      name: 'Reset password',
      description: 'Walk the user through resetting their password.',
      endpoint: '/fin/procedures/12345/run',
      method: 'POST',
    };
    sim.setCapabilities('123456', [procedure]);
    expect(await post('/fin/capabilities', CAPABILITIES, 'Preview')).toEqual({
      status: 200,
      body: { version: 'Preview', capabilities: [procedure] },
    });
    const other = await post('/fin/capabilities', { user: { id: 'someone-else' } }, 'Preview');
    expect((other.body.capabilities as { type: string }[]).map((c) => c.type)).toEqual(['reply', 'ask']);
    expect(sim.callsOf('capabilities').map((c) => c.body.user.id)).toEqual(['123456', 'someone-else']);
  });

  it('answers 403 forbidden with the feature off, and what a test overrides', async () => {
    sim.setFeatureEnabled('capabilities', false);
    expect(firstError(await post('/fin/capabilities', CAPABILITIES, 'Preview')).code).toBe('forbidden');
    sim.setFeatureEnabled('capabilities', true);
    sim.onCapabilities(() => ({ status: 500 }));
    expect((await post('/fin/capabilities', CAPABILITIES, 'Preview')).status).toBe(500);
  });

  it('refuses more than 10 user attributes', async () => {
    const answer = await post('/fin/capabilities', { user: { id: 'u', attributes: manyAttributes(11) } }, 'Preview');
    expect(firstError(answer).message).toContain('Cannot update more than 10 attributes at once.');
  });
});

describe('/fin/ask', () => {
  it('accepts a question and answers it as a turn of kind ask: fin_replied, then complete', async () => {
    sim.onTurn(undefined);
    const answer = await post('/fin/ask', { ...BASIC_ASK, conversation_id: 'ask-1' }, 'Preview');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ conversation_id: 'ask-1', user_id: '123456', status: 'thinking' });
    expect(String(answer.body.sse_subscription_url)).toContain('rewind=2m');
    const turn = await sim.nextTurn();
    expect(turn.call.kind).toBe('ask');
    expect(turn.call.body.message?.body).toBe('How do I reset my password?');
    const stream = await subscribe(String(answer.body.sse_subscription_url));
    await turn.answer('<p>Use <b>Forgot password</b>.</p>');
    await waitFor(() => stream.ended, { what: 'the ask stream to end' });
    const names = stream.events.map((e) => `${e.event_name}:${e.status}`);
    expect(names.filter((n) => !n.startsWith('fin_reply_chunk'))).toEqual(['fin_replied:replying', 'fin_status_updated:complete']);
    expect(hooks.events.map((e) => `${e.event_name}:${e.status}`)).toEqual(['fin_replied:replying', 'fin_status_updated:complete']);
    expect(turn.revoked).toBe(true);
  });

  it('refuses an ask for a conversation that already has a session, and answers 403 with the feature off', async () => {
    await startedTurn('ask-2');
    const again = await post('/fin/ask', { ...BASIC_ASK, conversation_id: 'ask-2' }, 'Preview');
    expect(firstError(again).message).toMatch(/session already exists/);
    sim.setFeatureEnabled('ask', false);
    expect((await post('/fin/ask', { ...BASIC_ASK, conversation_id: 'ask-3' }, 'Preview')).status).toBe(403);
  });
});

function streamUrlOf(turn: SimTurn): string {
  const channel = encodeURIComponent(`fin_agent_api:${sim.appId}:${turn.conversationId}`);
  return `${sim.url}/event-stream?channels=${channel}&accessToken=${turn.token}`;
}

interface StreamReader {
  readonly events: Record<string, unknown>[];
  readonly errors: string[];
  readonly ended: boolean;
}

/** Opens an SSE stream and keeps what arrives; `ended` turns true when the simulator closes it. */
async function subscribe(url: string): Promise<StreamReader> {
  const res = await fetch(url);
  const body = res.body;
  if (body === null) throw new Error('no stream body');
  const state = { events: [] as Record<string, unknown>[], errors: [] as string[], ended: false };
  const parser = createParser({
    onEvent: (message) => {
      if (message.event === 'error') state.errors.push(message.data);
      else state.events.push(JSON.parse(message.data) as Record<string, unknown>);
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } finally {
      state.ended = true;
    }
  })();
  return state;
}

/** Receives the simulator's webhooks and checks their signatures. */
class WebhookReceiver {
  readonly events: Record<string, unknown>[] = [];
  signaturesValid = true;
  readonly #server: Server;
  readonly url: string;

  private constructor(server: Server, url: string) {
    this.#server = server;
    this.url = url;
  }

  static async start(): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(parts).toString('utf8');
        const expected = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex')}`;
        if (receiver !== undefined) {
          if (req.headers['x-fin-agent-api-webhook-signature'] !== expected) receiver.signaturesValid = false;
          receiver.events.push(JSON.parse(raw) as Record<string, unknown>);
        }
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/fin/webhooks`);
    return receiver;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
