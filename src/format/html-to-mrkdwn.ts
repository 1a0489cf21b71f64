import { type ChildNode, type Element, isTag, isText, Text } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import { MARK_PLACEHOLDERS, type Mark, resolveMarks, wrapMark } from './emphasis.ts';
import { escapeMrkdwn, escapeText, mailtoAddress, mrkdwnLink, safeLinkTarget } from './escape.ts';
import { tableRows } from './tables.ts';
import { labelClaimsOtherHost } from './link-label.ts';

/**
 * Converts the HTML of a Fin reply into Slack mrkdwn, the way a careful person would have written it in Slack.
 * Entities are decoded by the parser and only `& < >` are escaped again, once, in every text position; the only
 * `<…>` tokens in the output are links built from vetted http(s) URLs, so nothing Fin writes can ping people
 * or forge a link. Unknown elements keep their text; script and style keep nothing. It never throws on bad HTML.
 */
export function htmlToMrkdwn(html: string): string {
  const clean = html.replace(CONTROL_CHARACTERS, '').replace(MARK_PLACEHOLDERS, '');
  const doc = parseDocument(clean, { decodeEntities: true });
  flattenBeyond(doc.children, MAX_DEPTH);
  try {
    return resolveMarks(tidy(renderBlocks(doc.children, ROOT).join('\n\n')));
  } catch {
    // Not expected; but an answer shown as plain text beats an answer lost.
    return tidy(collapse(escapeText(doc.children.map(flatText).join(' '))));
  }
}

/** Real answers nest a dozen levels at most; anything deeper is shown as its text, keeping recursion shallow. */
const MAX_DEPTH = 60;

function flattenBeyond(roots: ChildNode[], maxDepth: number): void {
  const stack: { nodes: ChildNode[]; depth: number }[] = [{ nodes: roots, depth: 0 }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const { nodes, depth } = frame;
    nodes.forEach((node, i) => {
      if (!isTag(node)) return;
      if (depth >= maxDepth) {
        const text = new Text(flatText(node));
        text.parent = node.parent;
        nodes[i] = text;
      } else {
        stack.push({ nodes: node.children, depth: depth + 1 });
      }
    });
  }
}

/** A subtree's text, gathered without recursion (the subtree may be arbitrarily deep). */
function flatText(root: ChildNode): string {
  const parts: string[] = [];
  const stack: ChildNode[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (isText(node)) parts.push(node.data);
    else if (isTag(node) && !DROPPED.has(node.name)) {
      if (node.name === 'br' || BLOCKS.has(node.name)) parts.push(' ');
      for (let i = node.children.length - 1; i >= 0; i -= 1) {
        const child = node.children[i];
        if (child !== undefined) stack.push(child);
      }
    }
  }
  return parts.join('');
}

/** Formatting in force around a node: Slack breaks on nested identical markers, so inner ones are dropped. */
interface Ctx {
  readonly bold: boolean;
  readonly italic: boolean;
  readonly strike: boolean;
  readonly code: boolean;
  readonly link: boolean;
  readonly listDepth: number;
  /** Inside a table cell, where ` | ` separates cells. */
  readonly cell: boolean;
}

const ROOT: Ctx = { bold: false, italic: false, strike: false, code: false, link: false, listDepth: 0, cell: false };

/** A line break inside inline content, kept apart from source newlines (which are only whitespace in HTML). */
const BR = '\u0000';
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000E-\u001F\u007F]/g;

const DROPPED = new Set([
  'script',
  'style',
  'template',
  'noscript',
  'head',
  'title',
  'meta',
  'link',
  'base',
  'object',
  'svg',
  'math',
  'canvas',
  'input',
  'select',
  'textarea',
  'option',
  'datalist',
  'param',
  'track',
]);
const BLOCKS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'body',
  'caption',
  'center',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hgroup',
  'hr',
  'html',
  'li',
  'main',
  'menu',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
]);
const CODE_LIKE = new Set(['code', 'kbd', 'samp', 'tt']);
const MEDIA = new Set(['iframe', 'video', 'audio', 'embed']);
const BULLETS = ['•', '◦', '▪'];
const INDENT = '    ';
const RULE = '──────────';

function isBlock(node: ChildNode): node is Element {
  return isTag(node) && BLOCKS.has(node.name);
}

function isList(el: Element): boolean {
  return el.name === 'ul' || el.name === 'ol' || el.name === 'menu';
}

// ── blocks ───────────────────────────────────────────────────────────────────────────────────────────────────

/** Renders nodes as blocks (paragraphs, lists, fences…): each run of inline nodes becomes one paragraph. */
function renderBlocks(nodes: readonly ChildNode[], ctx: Ctx): string[] {
  const out: string[] = [];
  let run: ChildNode[] = [];
  const flush = () => {
    if (run.length === 0) return;
    const text = collapse(renderInline(run, ctx));
    if (text !== '') out.push(text);
    run = [];
  };
  for (const node of nodes) {
    if (isTag(node) && DROPPED.has(node.name)) continue;
    if (isBlock(node)) {
      flush();
      for (const block of renderBlock(node, ctx)) if (block.trim() !== '') out.push(block);
    } else {
      run.push(node);
    }
  }
  flush();
  return out;
}

function renderBlock(el: Element, ctx: Ctx): string[] {
  switch (el.name) {
    case 'h1':
    case 'h2':
    case 'h3':
    case 'h4':
    case 'h5':
    case 'h6':
    case 'dt':
    case 'summary':
      return lineOf(el, ctx, true);
    case 'caption':
    case 'figcaption':
      return lineOf(el, ctx, false);
    case 'ul':
    case 'ol':
    case 'menu':
      return [renderList(el, ctx)];
    case 'li':
      // An item outside any list still reads as one.
      return [renderItem(el, ctx, INDENT.repeat(ctx.listDepth), bulletFor(ctx.listDepth))];
    case 'dl':
      return renderDefinitions(el, ctx);
    case 'dd':
      return renderBlocks(el.children, ctx).map((b) => indentLines(b, INDENT));
    case 'pre':
      return [fence(textOf(el))];
    case 'blockquote':
      return quoted(el, ctx);
    case 'table':
      return [renderTable(el, ctx)];
    case 'hr':
      return [RULE];
    case 'div':
      // Intercom's callout blocks (`intercom-interblocks-callout`…) stand out as a quote, as they do in the article.
      return /\bcallout\b|interblocks-callout/.test(el.attribs.class ?? '') ? quoted(el, ctx) : renderBlocks(el.children, ctx);
    default:
      return renderBlocks(el.children, ctx);
  }
}

/** A heading-like line: bold (unless bold already) and on its own. */
function lineOf(el: Element, ctx: Ctx, bold: boolean): string[] {
  const inner = renderInline(el.children, bold ? { ...ctx, bold: true } : ctx);
  const text = collapse(bold && !ctx.bold ? wrapMark(inner, 'bold', BR) : inner);
  return text === '' ? [] : [text];
}

function quoted(el: Element, ctx: Ctx): string[] {
  const inner = renderBlocks(el.children, ctx).join('\n\n');
  if (inner === '') return [];
  // Slack has one level of quoting (a quote inside a quote is just more quoted lines), and a bare `>` line may
  // show as a literal `>`: paragraphs inside a quote follow each other on quoted lines. Code stays a fence of its
  // own, unquoted, since a fence only works at the start of a line.
  let inFence = false;
  const lines: string[] = [];
  for (const line of inner.split('\n')) {
    if (line === '```') inFence = !inFence;
    if (inFence || line === '```') lines.push(line);
    else if (line.trim() !== '') lines.push(`> ${line.replace(/^> ?/, '')}`);
  }
  return [lines.join('\n')];
}

/** Each term with its definitions indented under it; entries are separated by a blank line. */
function renderDefinitions(dl: Element, ctx: Ctx): string[] {
  const entries: string[][] = [];
  for (const child of dl.children) {
    if (!isTag(child)) continue;
    const lines = child.name === 'dd' ? renderBlock(child, ctx) : renderBlocks([child], ctx);
    if (lines.length === 0) continue;
    if (child.name === 'dt' || entries.length === 0) entries.push([]);
    entries[entries.length - 1]?.push(...lines);
  }
  return entries.map((entry) => entry.join('\n'));
}

// ── lists ────────────────────────────────────────────────────────────────────────────────────────────────────

function renderList(list: Element, ctx: Ctx): string {
  const depth = ctx.listDepth;
  const pad = INDENT.repeat(depth);
  const ordered = list.name === 'ol';
  const style = list.attribs.type ?? '1';
  const reversed = ordered && list.attribs.reversed !== undefined;
  const itemCount = list.children.filter((c) => isTag(c) && c.name === 'li').length;
  let n = integerAttr(list.attribs.start) ?? (reversed ? itemCount : 1);
  const lines: string[] = [];
  for (const child of list.children) {
    if (isTag(child) && isList(child)) {
      // A list directly inside a list (invalid, but common) is nested under the previous item.
      lines.push(renderList(child, { ...ctx, listDepth: depth + 1 }));
      continue;
    }
    if (!isTag(child) || child.name !== 'li') {
      // Stray content directly inside a list is shown rather than lost.
      const stray = isTag(child) && DROPPED.has(child.name) ? '' : collapse(renderInline([child], ctx));
      if (stray !== '') lines.push(`${pad}${stray}`);
      continue;
    }
    n = integerAttr(child.attribs.value) ?? n;
    const marker = ordered ? `${ordinal(n, style)}.` : bulletFor(depth);
    n += reversed ? -1 : 1;
    lines.push(renderItem(child, ctx, pad, marker));
  }
  return lines.join('\n');
}

/** An item's paragraphs, code and nested lists stay with the item: later lines are indented under it. */
function renderItem(item: Element, ctx: Ctx, pad: string, marker: string): string {
  const inner: Ctx = { ...ctx, listDepth: ctx.listDepth + 1 };
  // Nested lists come already indented; everything else is hung under the marker.
  const parts: { text: string; nested: boolean }[] = [];
  let run: ChildNode[] = [];
  const flush = () => {
    const text = collapse(renderInline(run, inner));
    if (text !== '') parts.push({ text, nested: false });
    run = [];
  };
  for (const node of item.children) {
    if (isTag(node) && DROPPED.has(node.name)) continue;
    if (isTag(node) && isList(node)) {
      flush();
      parts.push({ text: renderList(node, inner), nested: true });
    } else if (isBlock(node)) {
      flush();
      for (const block of renderBlock(node, inner)) if (block.trim() !== '') parts.push({ text: block, nested: false });
    } else {
      run.push(node);
    }
  }
  flush();
  const lines: string[] = [];
  let marked = false;
  for (const part of parts) {
    if (part.nested) {
      if (!marked) lines.push(`${pad}${marker}`);
      marked = true;
      lines.push(part.text);
      continue;
    }
    for (const line of indentLines(part.text, pad + INDENT).split('\n')) {
      if (!marked) {
        // The marker goes on the item's first line of text, or on a line of its own before code or a quote.
        const hung = line.startsWith(pad + INDENT);
        lines.push(hung ? `${pad}${marker} ${line.slice(pad.length + INDENT.length)}` : `${pad}${marker}`);
        marked = true;
        if (hung) continue;
      }
      lines.push(line);
    }
  }
  if (!marked) lines.push(`${pad}${marker}`);
  return lines.join('\n');
}

function bulletFor(depth: number): string {
  return BULLETS[depth % BULLETS.length] ?? '•';
}

function ordinal(n: number, style: string): string {
  if (style === 'a' || style === 'A') {
    let s = '';
    for (let k = Math.max(1, n); k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(97 + ((k - 1) % 26)) + s;
    return style === 'A' ? s.toUpperCase() : s;
  }
  if ((style === 'i' || style === 'I') && n > 0 && n < 4000) {
    const numerals: [number, string][] = [
      [1000, 'm'],
      [900, 'cm'],
      [500, 'd'],
      [400, 'cd'],
      [100, 'c'],
      [90, 'xc'],
      [50, 'l'],
      [40, 'xl'],
      [10, 'x'],
      [9, 'ix'],
      [5, 'v'],
      [4, 'iv'],
      [1, 'i'],
    ];
    let rest = n;
    let s = '';
    for (const [value, numeral] of numerals) {
      while (rest >= value) {
        s += numeral;
        rest -= value;
      }
    }
    return style === 'I' ? s.toUpperCase() : s;
  }
  return String(n);
}

// ── tables ───────────────────────────────────────────────────────────────────────────────────────────────────

/** One row per line, cells separated by ` | `, header cells bold, links in cells still links. */
function renderTable(table: Element, ctx: Ctx): string {
  const lines: string[] = [];
  const caption = table.children.find((c): c is Element => isTag(c) && c.name === 'caption');
  if (caption) lines.push(...lineOf(caption, ctx, true));
  for (const row of tableRows(table)) {
    // Header rows are bold, and so are header cells heading a row (`<th>` first in a body row).
    const texts = row.cells.map((cell) => cellText(cell, ctx, row.header || cell.name === 'th'));
    while (texts.length > 0 && texts[texts.length - 1] === '') texts.pop();
    // An empty cell among others (a matrix's corner, a missing value) reads as a dash, keeping the columns apart.
    if (texts.length > 0) lines.push(texts.map((t) => (t === '' ? '–' : t)).join(' | '));
  }
  return lines.join('\n');
}

function cellText(cell: Element, ctx: Ctx, header: boolean): string {
  const cellCtx: Ctx = { ...ctx, listDepth: 0, bold: ctx.bold || header, cell: true };
  const inner = renderInline(cell.children, cellCtx);
  const text = collapse(header && !ctx.bold ? wrapMark(inner, 'bold', BR) : inner);
  // A row is one line: the cell's own paragraphs and lines are kept apart with slashes.
  return text.replace(/\s*\n+\s*/g, ' / ');
}

// ── inline ───────────────────────────────────────────────────────────────────────────────────────────────────

function renderInline(nodes: readonly ChildNode[], ctx: Ctx): string {
  let out = '';
  for (const node of nodes) {
    if (isText(node)) {
      const text = ctx.code ? escapeMrkdwn(node.data) : escapeText(node.data);
      // In a cell, a `|` of the text would read as the next cell.
      out += ctx.cell ? text.replace(/\s*\|\s*/g, ' / ') : text;
      continue;
    }
    if (isTag(node) && !DROPPED.has(node.name)) out += renderInlineElement(node, ctx);
  }
  return out;
}

function renderInlineElement(el: Element, ctx: Ctx): string {
  switch (el.name) {
    case 'br':
      return BR;
    case 'wbr':
      return '';
    case 'b':
    case 'strong':
      return marked(el, ctx, 'bold');
    case 'i':
    case 'em':
      return marked(el, ctx, 'italic');
    case 's':
    case 'del':
    case 'strike':
      return marked(el, ctx, 'strike');
    case 'a':
      return renderLink(el, ctx);
    case 'img':
      return ctx.link ? imageLabel(el) : renderImage(el);
    case 'q':
      return `“${renderInline(el.children, ctx)}”`;
    case 'ul':
    case 'ol':
    case 'menu': {
      // A list inside inline content (a table cell, a link) becomes one line per item, still numbered or bulleted.
      let n = el.name === 'ol' ? (integerAttr(el.attribs.start) ?? 1) : 0;
      const items = el.children
        .filter((c): c is Element => isTag(c) && c.name === 'li')
        .map((li) => {
          const marker = el.name === 'ol' ? `${n}.` : '•';
          n += 1;
          return `${marker} ${renderInline(li.children, ctx)}`;
        });
      return `${BR}${items.join(BR)}${BR}`;
    }
    case 'li':
      return `${BR}• ${renderInline(el.children, ctx)}${BR}`;
    case 'td':
    case 'th':
      return ` ${renderInline(el.children, ctx)} |`;
    case 'tr':
      return `${BR}${renderInline(el.children, ctx).replace(/\s*\|\s*$/, '')}${BR}`;
    case 'hr':
      return `${BR}${RULE}${BR}`;
    case 'pre':
      // Code inside inline content (a table cell, a link) cannot be fenced: it reads as code on its own line.
      return `${BR}${renderCode(textOf(el).trim(), ctx)}${BR}`;
    default: {
      if (CODE_LIKE.has(el.name)) return renderCode(textOf(el), ctx);
      if (MEDIA.has(el.name)) return renderMedia(el, ctx);
      const inner = renderInline(el.children, ctx);
      // A block inside inline content (a paragraph in a link, a list in a cell) still starts on its own line.
      return isBlock(el) ? `${BR}${inner}${BR}` : inner;
    }
  }
}

function marked(el: Element, ctx: Ctx, mark: 'bold' | 'italic' | 'strike'): string {
  const inner = renderInline(el.children, { ...ctx, [mark]: true });
  if (ctx[mark] || ctx.code || ctx.link) return inner;
  return wrapMark(inner, mark, BR);
}

/** Inline code: verbatim but for Slack's three characters. Slack cannot escape a backtick inside code. */
function renderCode(raw: string, ctx: Ctx): string {
  const flat = raw.replace(/[\s\u00a0]+/g, ' ');
  // Where no code markers can go (inside a link's label), the text is prose and escaped as such.
  if (ctx.link) return escapeText(flat);
  const text = escapeMrkdwn(flat).replace(/`/g, 'ˋ');
  if (text.trim() === '') return text;
  return ctx.code ? text : wrapMark(text, 'code' satisfies Mark, BR);
}

function renderLink(el: Element, ctx: Ctx): string {
  const target = safeLinkTarget(el.attribs.href);
  let label = collapse(renderInline(el.children, { ...ctx, link: true })).replace(/\n/g, ' ');
  const email = target === undefined ? mailtoAddress(el.attribs.href) : undefined;
  if (email !== undefined) {
    // Only http(s) links become link tokens; an address shown as text is one Slack links by itself.
    const address = escapeText(email);
    return label.trim() === '' || label.trim() === address ? address : `${label} (${address})`;
  }
  if (target === undefined || ctx.link) return label;
  // An inline citation is a bare number: bracketed, it reads as a reference rather than part of the sentence.
  if (/^\d{1,3}$/.test(label)) label = `[${label}]`;
  // A label that reads as another address would hide where the link goes: the real address is shown instead.
  if (labelClaimsOtherHost(label, target)) return `<${target}>`;
  return mrkdwnLink(target, label);
}

function imageLabel(el: Element): string {
  return escapeText((el.attribs.alt ?? el.attribs.title ?? '').replace(/\s+/g, ' ').trim());
}

function renderImage(el: Element): string {
  const alt = imageLabel(el);
  const target = safeLinkTarget(el.attribs.src);
  if (target === undefined) return alt === '' ? '' : `[${alt}]`;
  return mrkdwnLink(target, alt === '' ? 'Image' : alt);
}

/** Embedded media cannot play in a message; a link to it can be opened. */
function renderMedia(el: Element, ctx: Ctx): string {
  const source = el.attribs.src ?? el.children.find((c): c is Element => isTag(c) && c.name === 'source')?.attribs.src;
  const target = safeLinkTarget(source);
  const title = escapeText((el.attribs.title ?? '').trim());
  const label = title !== '' ? title : el.name === 'audio' ? 'Audio' : 'Video';
  if (target === undefined || ctx.link) return title;
  return mrkdwnLink(target, label);
}

// ── text ─────────────────────────────────────────────────────────────────────────────────────────────────────

function fence(code: string): string {
  const body = escapeMrkdwn(
    code
      .replace(/\u00a0/g, ' ')
      .replace(/^\n/, '')
      .replace(/\s+$/, ''),
  )
    // A run of three backticks inside would close the fence early.
    .replace(/`{3,}/g, (run) => [...run].join('\u200B'));
  return body === '' ? '' : `\`\`\`\n${body}\n\`\`\``;
}

/** The text of a node verbatim, line breaks included: what a `<pre>` or `<code>` shows. */
function textOf(node: ChildNode): string {
  if (isText(node)) return node.data;
  if (!isTag(node) || DROPPED.has(node.name)) return '';
  if (node.name === 'br') return '\n';
  return node.children.map(textOf).join('');
}

function integerAttr(value: string | undefined): number | undefined {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Indents a block's lines, except those that only work at the start of a line: code fences (and the code between
 * them, which is verbatim) and quote lines.
 */
function indentLines(block: string, pad: string): string {
  let inFence = false;
  return block
    .split('\n')
    .map((line) => {
      if (line === '```') {
        inFence = !inFence;
        return line;
      }
      return inFence || line === '' || line.startsWith('> ') ? line : `${pad}${line}`;
    })
    .join('\n');
}

/** Whitespace as a browser shows it: runs collapse to one space, none at the start or end of a line. */
function collapse(inline: string): string {
  return (
    inline
      .replace(/[ \t\n\r\f\u00a0]+/g, ' ')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 stands for a line break until spaces are collapsed
      .replace(/ ?\u0000 ?/g, '\n')
      .replace(/^\n+|\n+$/g, '')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}

/** Final whitespace pass outside code fences: no trailing spaces, at most one blank line in a row. */
function tidy(text: string): string {
  let inFence = false;
  let blanks = 0;
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    if (raw === '```') inFence = !inFence;
    const line = inFence || raw === '```' ? raw : raw.replace(/[ \t]+$/, '');
    if (!inFence && line === '') {
      blanks += 1;
      if (blanks > 1) continue;
    } else {
      blanks = 0;
    }
    out.push(line);
  }
  return out.join('\n').trim();
}
