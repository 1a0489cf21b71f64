import type { HomeView, KnownBlock } from '@slack/types';
import { escapeText, plainText } from '../format/escape.ts';
import { truncate, truncateRendered } from '../format/truncate.ts';
import type { FinProcedure } from '../fin/schemas.ts';
import { SLACK_LIMITS as L } from '../slack/limits.ts';

export const HOME_RUN_ACTION = 'fin_home_run';

/** Where a conversation stands, as its person reads it. */
export type ConversationStanding = 'answering' | 'answered' | 'unanswered' | 'with_a_person' | 'resolved';

export interface HomeConversation {
  /** The person's first words in it (plain text). */
  readonly topic: string;
  readonly standing: ConversationStanding;
  /** A link to the thread, when the app knows the workspace's address. */
  readonly url: string | undefined;
  /** Where it is: a channel's id, or undefined for the person's DM with Fin. */
  readonly channelId: string | undefined;
  /** When it last moved (epoch ms). */
  readonly updatedAt: number;
}

export interface HomeContent {
  readonly userId: string;
  readonly procedures: readonly FinProcedure[];
  readonly conversations: readonly HomeConversation[];
  /** Written by the workspace's admins (`FIN_HOME_TEXT`): their mrkdwn, shown as they wrote it. */
  readonly helpText: string | undefined;
  /** The emoji that ask for a person (`FIN_ESCALATION_EMOJI`). */
  readonly escalationEmoji: readonly string[];
  /** What the person just did from the tab, confirmed at its top (mrkdwn the app wrote). */
  readonly notice?: string | undefined;
}

/** What the tab lists at most (the app's choice; a Home tab holds 100 blocks). */
export const HOME_PROCEDURES = 25;
export const HOME_CONVERSATIONS = 10;

const STANDING: Readonly<Record<ConversationStanding, string>> = {
  answering: ':hourglass_flowing_sand: Fin is answering',
  answered: ':speech_balloon: Answered',
  unanswered: ":warning: Fin couldn't answer",
  with_a_person: ':raising_hand: With a person from the team',
  resolved: ':white_check_mark: Resolved',
};

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, L.section.text), verbatim: true } };
}

function header(text: string): KnownBlock {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, L.header.text) } };
}

/**
 * The App Home tab, one person's: what Fin can do for them (their procedures, each with a Run button that starts a DM
 * thread running it), their recent conversations with links and where each stands, how to reach a person, and the
 * admins' help text. Everything from Fin or from people is shown as written; the tab stays within a Home view's
 * 100 blocks.
 */
export function homeView(content: HomeContent): HomeView {
  const blocks: KnownBlock[] = [header('Fin, your support assistant')];
  if (content.notice !== undefined) blocks.push(section(content.notice));
  if (content.helpText !== undefined && content.helpText.trim() !== '') blocks.push(section(content.helpText.trim()));
  blocks.push(
    section('Ask Fin anything in the *Messages* tab, or mention Fin in a channel: it answers in the thread.'),
    { type: 'divider' },
    header('What Fin can do for you'),
  );
  if (content.procedures.length === 0) {
    blocks.push(section('Fin answers questions from the help center. It has no procedures for you to run here yet.'));
  }
  for (const p of content.procedures.slice(0, HOME_PROCEDURES)) {
    const description = p.description === '' ? '' : `\n${truncateRendered(p.description, 500, escapeText)}`;
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*${truncateRendered(p.name, 200, escapeText)}*${description}`, verbatim: true },
      accessory: {
        type: 'button',
        action_id: HOME_RUN_ACTION,
        text: { type: 'plain_text', text: 'Run' },
        value: truncate(p.id, L.button.value),
        accessibility_label: truncate(plainText(`Run ${p.name}`), L.button.accessibilityLabel),
      },
    });
  }
  blocks.push({ type: 'divider' }, header('Your recent conversations'));
  if (content.conversations.length === 0) blocks.push(section('None yet: your conversations with Fin will show here.'));
  for (const c of content.conversations.slice(0, HOME_CONVERSATIONS)) {
    const topic = truncateRendered(c.topic.trim() === '' ? 'A conversation' : c.topic.trim(), 150, escapeText);
    const title = c.url === undefined ? topic : `<${c.url}|${topic}>`;
    const where = c.channelId === undefined ? 'in your DM with Fin' : `in <#${c.channelId}>`;
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${title} · ${STANDING[c.standing]} · ${where} · <!date^${Math.floor(c.updatedAt / 1000)}^{date_short_pretty} at {time}|${new Date(c.updatedAt).toISOString()}>`,
          verbatim: true,
        },
      ],
    });
  }
  const emoji = content.escalationEmoji.map((e) => `:${e}:`).join(' or ') || ':raising_hand:';
  blocks.push(
    { type: 'divider' },
    header('Need a person?'),
    section(
      `React with ${emoji} to any message in a thread with Fin, or choose *Talk to a person* from a message’s ⋮ menu: Fin passes the conversation to someone from the team.`,
    ),
  );
  return { type: 'home', blocks: blocks.slice(0, L.modal.blocks) };
}

/** The top of the Home tab once a Run started its procedure: where the thread is (the DM with Fin, linked when the app can). */
export function homeRunNotice(procedureName: string | undefined, dmChannelId: string, teamUrl: string | undefined): string {
  const what = procedureName === undefined ? 'The procedure' : `“${truncateRendered(procedureName, 200, escapeText)}”`;
  const where = teamUrl === undefined ? 'your *Messages* with Fin' : `<${teamUrl}archives/${dmChannelId}|your Messages with Fin>`;
  return `:white_check_mark: ${what} started in ${where}: Fin goes on with you there.`;
}
