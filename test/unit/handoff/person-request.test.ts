import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PersonRequests, UNHEARD_REQUEST_MS } from '../../../src/handoff/person-request.ts';
import { type BridgeParts, openTurn, PEOPLE, startBridgeParts } from '../../helpers/bridge-parts.ts';
import { waitFor } from '../../helpers/wait.ts';

describe('a person on request', () => {
  let parts: BridgeParts;
  let clock = Date.now();
  let followed: string[];
  let requests: PersonRequests;
  beforeEach(async () => {
    clock = Date.now();
    parts = await startBridgeParts({ bridge: { now: () => clock } });
    followed = [];
    requests = new PersonRequests({ ...parts.ctx, follow: (_conversationId, url) => followed.push(url) });
  });
  afterEach(async () => {
    await parts.ctx.idle();
    await parts.close();
  });

  const input = (conv: { channelId: string; threadTs: string; teamId: string }) => ({
    teamId: conv.teamId,
    channelId: conv.channelId,
    messageTs: conv.threadTs,
    threadTs: conv.threadTs,
    userId: PEOPLE.alice,
    via: 'reaction' as const,
    reaction: 'sos',
  });

  it('claims once per conversation, and not at all for a thread people own or no bridged thread', async () => {
    const { conv } = await openTurn(parts);
    expect(requests.claim(conv, input(conv)).kind).toBe('claimed');
    expect(requests.claim(conv, input(conv)).kind).toBe('already');
    expect(requests.claim(undefined, input(conv)).kind).toBe('not_bridged');
    parts.store.personRequests.clear(conv.id);
    parts.store.conversations.setOwner(conv.id, 'human', clock);
    expect(requests.claim(conv, input(conv)).kind).toBe('already');
  });

  it('sends the request with a note for the teammate and follows the stream Fin returns', async () => {
    const { conv } = await openTurn(parts);
    parts.fin.knowConversation(conv.id);
    requests.claim(conv, input(conv));
    await requests.send(conv, input(conv));
    const [call] = parts.fin.callsOf('escalate');
    expect(call?.body.context).toContain('the :sos: reaction');
    expect(parts.store.personRequests.get(conv.id)?.state).toBe('sent');
    expect(followed).toHaveLength(1);
  });

  it('takes a new request when Fin took one long ago and never reported the escalation', async () => {
    const { conv } = await openTurn(parts);
    parts.fin.knowConversation(conv.id);
    parts.fin.onEscalate(() => ({ status: 200, body: { conversation_id: conv.id, status: 'escalated' } }));
    requests.claim(conv, input(conv));
    await requests.send(conv, input(conv));
    clock += UNHEARD_REQUEST_MS - 1_000;
    expect(requests.claim(conv, input(conv)).kind).toBe('already');
    clock += 2_000;
    expect(requests.claim(conv, input(conv)).kind).toBe('claimed');
    expect(parts.logged('Fin never reported an escalation it took; asking again')).toHaveLength(1);
  });

  it('frees the conversation and tells the person when Fin refuses, and lists what a crash left unsent', async () => {
    const { conv } = await openTurn(parts);
    requests.claim(conv, input(conv));
    // What a crash leaves is sent as asked: the same person, the same reaction named in the note.
    expect(requests.unsent().map((u) => [u.conv.id, u.input.userId, u.input.reaction])).toEqual([[conv.id, PEOPLE.alice, 'sos']]);
    parts.fin.setFeatureEnabled('escalate', false);
    await requests.send(conv, input(conv));
    expect(parts.store.personRequests.get(conv.id)).toBeUndefined();
    await waitFor(() => parts.slack.ephemerals.find((e) => /not turned on/.test(e.text)), { what: 'the person to be told' });
    expect(requests.unsent()).toEqual([]);
  });
});
