import { describe, expect, it } from 'vitest';
import { cumulativeChunks, plainTextOf } from '../../../fakes/fin-simulator.ts';
import { streamedText, streamingText, TYPING_SUFFIX } from '../../../src/bridge/copy.ts';
import { wholeWords } from '../../../src/stream/native-message.ts';
import { streamedTableText } from '../../../src/stream/streamed-text.ts';
import { escapeMarkdown } from '../../../src/format/markdown-escape.ts';

const PLANS =
  '<p>Our plans:</p><table><thead><tr><th>Plan</th><th>Seats</th><th>Price / month</th></tr></thead>\n' +
  '<tbody>\n  <tr><td>Starter</td><td>1</td><td>$0</td></tr>\n  <tr><td>Pro</td><td></td><td>$49</td></tr>\n</tbody></table><p>Ask away.</p>';

describe('the plain text Fin streams for a table (the simulator, like innerText)', () => {
  it('separates a row’s cells with a tab and puts each row on a line of its own', () => {
    expect(plainTextOf(PLANS)).toBe('Our plans:\nPlan\tSeats\tPrice / month\nStarter\t1\t$0\nPro\t\t$49\nAsk away.');
  });
});

describe('streamedTableText: a table’s cells while the answer streams', () => {
  it('separates cells with " | " as the final answer does, one row per line', () => {
    expect(streamedTableText(plainTextOf(PLANS))).toBe(
      'Our plans:\nPlan | Seats | Price / month\nStarter | 1 | $0\nPro |  | $49\nAsk away.',
    );
    expect(streamingText(streamedTableText('Plan\tSeats\nPro\t10'))).toBe(`Plan | Seats\nPro | 10${TYPING_SUFFIX}`);
    expect(streamedText(streamedTableText('A & B\tC'))).toBe('A &amp; B | C');
  });

  it('leaves text without tabs as it is', () => {
    const text = 'Go to Settings,\nthen choose a plan.';
    expect(streamedTableText(text)).toBe(text);
  });

  it('renders every streamed chunk so that it starts with what the chunk before showed (native streaming appends)', () => {
    const chunks = cumulativeChunks(plainTextOf(PLANS), 1);
    expect(chunks.length).toBeGreaterThan(8);
    let sent = '';
    for (const chunk of chunks) {
      const shown = streamedTableText(chunk);
      expect(shown).not.toContain('\t');
      const markdown = escapeMarkdown(wholeWords(shown));
      expect(markdown.startsWith(sent)).toBe(true);
      sent = markdown;
    }
    expect(sent).toContain('Plan \\| Seats \\| Price / month\nStarter \\| 1 \\| $0\n');
  });
});
