import type { ModalView } from '@slack/types';
import { escapeText, plainText } from '../format/escape.ts';
import { truncate, truncateRendered } from '../format/truncate.ts';
import { SLACK_LIMITS as L } from './limits.ts';

/**
 * A modal that only says something: what a form shows while its values travel (to Intercom, to Fin), and once they
 * arrived or did not. `text` is the app's own words (escaped: any value quoted in it shows as typed).
 */
export function messageModal(title: string, text: string): ModalView {
  return {
    type: 'modal',
    callback_id: 'fin_result',
    title: { type: 'plain_text', text: truncate(plainText(title).trim(), L.modal.title) || 'Fin' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: truncateRendered(text, L.section.text, escapeText) || '…', verbatim: true } },
    ],
  };
}
