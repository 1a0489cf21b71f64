import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, escapeText, plainText, safeLinkTarget } from '../../../src/format/escape.ts';
import { hitlModal } from '../../../src/hitl/modal.ts';
import { htmlToMrkdwn } from '../../../src/format/html-to-mrkdwn.ts';
import { labelClaimsOtherHost, visibleForm } from '../../../src/format/link-label.ts';
import { escapeMarkdown } from '../../../src/format/markdown-escape.ts';
import { streamingText } from '../../../src/bridge/copy.ts';

const EVIL = 'https://login.evil.io/account';

describe('a link whose label names another site', () => {
  it.each([
    ['a plain host', 'paypal.com'],
    ['a host after leading words', 'Sign in at paypal.com to continue'],
    ['a zero-width space inside the host', 'pay\u200Bpal.com'],
    ['a soft hyphen and a word joiner inside the host', 'pay\u00ADpal\u2060.com'],
    ['a Cyrillic look-alike letter', 'p\u0430ypal.com'],
    ['fullwidth letters', '\uFF50\uFF41\uFF59\uFF50\uFF41\uFF4C.com'],
    ['an ideographic full stop', 'paypal\u3002com'],
    ['bold markers around it', '*paypal.com*'],
    ['a scheme and a path', 'https://www.paypal.com/signin'],
    ['an IP address', 'http://10.0.0.1/admin'],
  ])('is caught with %s', (_what, label) => {
    expect(labelClaimsOtherHost(label, EVIL)).toBe(true);
  });

  it.each([
    ['a sibling subdomain of the same site', 'accounts.google.com', 'https://sites.google.com/view/attacker'],
    ['a sibling on a shared hosting suffix', 'yourbank.github.io', 'https://attacker.github.io/login'],
    ['a subdomain of the link’s site, for its parent', 'docs.example.com', 'https://example.com/'],
    ['a www name on a shared hosting suffix', 'www.github.io', 'https://attacker.github.io/login'],
  ])('is caught for %s', (_what, label, target) => {
    expect(labelClaimsOtherHost(label, target)).toBe(true);
  });

  it.each([
    ['the same host', 'login.evil.io', EVIL],
    ['the link’s parent site', 'evil.io/docs', EVIL],
    ['the same host with www', 'www.example.com', 'https://example.com/help'],
    ['a name that is not an address', 'Node.js guide', 'https://nodejs.org/en/docs'],
    ['a version number', 'Release 1.2.3', 'https://example.com/releases'],
    ['ordinary words', 'our pricing page', 'https://example.com/pricing'],
    ['the same host written in its own script', 'bücher.de', 'https://xn--bcher-kva.de/'],
  ])('is left alone for %s', (_what, label, target) => {
    expect(labelClaimsOtherHost(label, target)).toBe(false);
  });

  it('reads a label as a person sees it', () => {
    expect(visibleForm('p\u200Ba\u202Ey&amp;*pal*')).toBe('pay&pal');
  });

  it('shows the real address instead of the disguised label in Fin answers', () => {
    const html = `<p>Please <a href="${EVIL}">verify at pay\u200Bpal.com</a> and <a href="https://example.com/x">read this</a>.</p>`;
    expect(htmlToMrkdwn(html)).toBe(`Please <${EVIL}> and <https://example.com/x|read this>.`);
  });
});

describe('bidirectional controls', () => {
  const RLO = '\u202E';
  const controls = ['202A', '202B', '202C', '202D', '202E', '2066', '2067', '2068', '2069', '200E', '200F', '061C'].map((hex) => [
    hex,
    String.fromCodePoint(Number.parseInt(hex, 16)),
  ]);
  it.each(controls)('are removed from untrusted text (U+%s)', (_hex, control) => {
    expect(escapeText(`invoice${control}fdp.exe`)).toBe('invoicefdp.exe');
    expect(escapeMrkdwn(`a${control}b`)).toBe('ab');
    expect(escapeMarkdown(`a${control}b`)).toBe('ab');
  });

  it('are encoded in link addresses, and removed from form labels and options', () => {
    expect(safeLinkTarget(`https://example.com/report${RLO}fdp.exe`)).toBe('https://example.com/report%E2%80%AEfdp.exe');
    expect(plainText(`Approve${RLO} refund`)).toBe('Approve refund');
    const modal = JSON.stringify(
      hitlModal(
        1,
        [{ identifier: 'x', label: `Reason${RLO}`, kind: 'list', dataType: 'list', options: [{ id: 'a', label: `Da${RLO}maged` }] }],
        undefined,
      ),
    );
    expect(modal).not.toContain(RLO);
  });

  it("are removed from Fin's answers, streamed text and code", () => {
    expect(htmlToMrkdwn(`<p>Open report${RLO}fdp.exe</p><pre>rm ${RLO}-rf</pre>`)).not.toContain(RLO);
    expect(streamingText(`Open report${RLO}fdp.exe`)).not.toContain(RLO);
  });
});
