import { type ChildNode, type Element, isTag, isText } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import { escapeMrkdwn, mrkdwnLink, safeLinkTarget } from './escape.ts';

/**
 * Converts the HTML of a Fin reply into Slack mrkdwn. Entities are decoded by the parser and only `& < >` are
 * escaped again, once, in every text position, so nothing Fin writes can ping people or forge a link: the only
 * `<…>` tokens in the output are the links this converter builds from vetted URLs.
 */
export function htmlToMrkdwn(html: string): string {
  const doc = parseDocument(html.replace(/\u0000/g, ''), { decodeEntities: true });
  const blocks = renderBlocks(doc.children, ROOT);
  return tidy(blocks.join('\n\n'));
}

/** Inline formatting already in force: Slack breaks on nested identical markers, so inner ones are dropped. */
interface Ctx {
  readonly bold: boolean;
  readonly italic: boolean;
  readonly strike: boolean;
  readonly code: boolean;
  readonly link: boolean;
  readonly listDepth: number;
}

const ROOT: Ctx = { bold: false, italic: false, strike: false, code: false, link: false, listDepth: 0 };

/** A line break inside inline content; kept apart from source newlines, which are just whitespace in HTML. */
const BR = '\u0000';

const DROPPED = new Set(['script', 'style', 'template', 'noscript', 'head', 'title', 'meta', 'link', 'object']);
const BLOCKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'caption', 'center', 'dd', 'details', 'div', 'dl', 'dt', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav',
  'ol', 'p', 'pre', 'section', 'summary', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul', 'body', 'html',
]);
const BULLETS = ['•', '◦', '▪'];
const RULE = '──────────';

function isBlock(node: ChildNode): node is Element {
  return isTag(node) && BLOCKS.has(node.name);
}

/** Renders a sequence of nodes as paragraphs: runs of inline nodes become one paragraph each. */
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
      out.push(...renderBlock(node, ctx).filter((b) => b.trim() !== ''));
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
    case 'h6': {
      const text = collapse(renderInline(el.children, { ...ctx, bold: true }));
      return text === '' ? [] : [ctx.bold ? text : emphasize(text, '*')];
    }
    case 'ul':
    case 'ol':
      return [renderList(el, ctx)];
    case 'li':
      // An item outside any list still reads as one.
      return [renderItem(el, ctx, '    '.repeat(ctx.listDepth), BULLETS[0] ?? '•')];
    case 'pre':
      return [fence(textOf(el))];
    case 'blockquote': {
      const inner = renderBlocks(el.children, ctx).join('\n\n');
      return inner === '' ? [] : [quote(inner)];
    }
    case 'table':
      return [renderTable(el, ctx)];
    case 'hr':
      return [RULE];
    case 'dt': {
      const text = collapse(renderInline(el.children, { ...ctx, bold: true }));
      return text === '' ? [] : [ctx.bold ? text : emphasize(text, '*')];
    }
    default:
      return renderBlocks(el.children, ctx);
  }
}

function renderInline(nodes: readonly ChildNode[], ctx: Ctx): string {
  let out = '';
  for (const node of nodes) {
    if (isText(node)) {
      out += escapeMrkdwn(node.data);
      continue;
    }
    if (!isTag(node) || DROPPED.has(node.name)) continue;
    out += renderInlineElement(node, ctx);
  }
  return out;
}

function renderInlineElement(el: Element, ctx: Ctx): string {
  switch (el.name) {
    case 'br':
      return BR;
    case 'b':
    case 'strong':
      return marked(el, ctx, 'bold', '*');
    case 'i':
    case 'em':
      return marked(el, ctx, 'italic', '_');
    case 's':
    case 'del':
    case 'strike':
      return marked(el, ctx, 'strike', '~');
    case 'code': {
      if (ctx.code) return renderInline(el.children, ctx);
      const inner = renderInline(el.children, { ...ctx, code: true }).replace(/`/g, 'ˋ');
      return inner.trim() === '' ? inner : wrapLines(inner, '`');
    }
    case 'a':
      return renderLink(el, ctx);
    case 'img':
      return renderImage(el);
    default: {
      const inner = renderInline(el.children, ctx);
      // A block inside inline content (a <p> in a link, a list in a table cell) still starts on its own line.
      return isBlock(el) ? `${BR}${inner}${BR}` : inner;
    }
  }
}

function marked(el: Element, ctx: Ctx, flag: 'bold' | 'italic' | 'strike', marker: string): string {
  const inner = renderInline(el.children, { ...ctx, [flag]: true });
  if (ctx[flag] || ctx.code || ctx.link) return inner;
  return wrapLines(inner, marker);
}

/** Emphasis cannot span lines in Slack, and whitespace just inside a marker breaks it: both are handled here. */
function wrapLines(inner: string, marker: string): string {
  return inner
    .split(BR)
    .map((segment) => {
      const match = /^(\s*)([\s\S]*?)(\s*)$/.exec(segment);
      const [, lead = '', core = '', trail = ''] = match ?? [];
      return core === '' ? segment : `${lead}${marker}${core}${marker}${trail}`;
    })
    .join(BR);
}

function emphasize(text: string, marker: string): string {
  return text
    .split('\n')
    .map((line) => (line.trim() === '' ? line : `${marker}${line.trim()}${marker}`))
    .join('\n');
}

function renderLink(el: Element, ctx: Ctx): string {
  const label = collapse(renderInline(el.children, { ...ctx, link: true })).replace(/\n/g, ' ');
  const target = safeLinkTarget(el.attribs.href);
  if (target === undefined || ctx.link) return label;
  return mrkdwnLink(target, label);
}

function renderImage(el: Element): string {
  const alt = escapeMrkdwn((el.attribs.alt ?? '').replace(/\s+/g, ' ').trim());
  const target = safeLinkTarget(el.attribs.src);
  if (target === undefined) return alt;
  return mrkdwnLink(target, alt === '' ? 'Image' : alt);
}

function renderList(list: Element, ctx: Ctx): string {
  const depth = ctx.listDepth;
  const indent = '    '.repeat(depth);
  const ordered = list.name === 'ol';
  const startAttr = Number.parseInt(list.attribs.start ?? '', 10);
  let n = Number.isFinite(startAttr) ? startAttr : 1;
  const lines: string[] = [];
  for (const child of list.children) {
    if (!isTag(child)) {
      // Stray text directly inside a list is shown as an item rather than lost.
      const text = isText(child) ? collapse(escapeMrkdwn(child.data)) : '';
      if (text !== '') lines.push(`${indent}${text}`);
      continue;
    }
    if (child.name === 'ul' || child.name === 'ol') {
      lines.push(renderList(child, { ...ctx, listDepth: depth + 1 }));
      continue;
    }
    const marker = ordered ? `${n}.` : (BULLETS[depth % BULLETS.length] ?? '•');
    n += 1;
    lines.push(renderItem(child, ctx, indent, marker));
  }
  return lines.join('\n');
}

/** An item's paragraphs, code and nested lists stay inside the item: continuation lines are indented under it. */
function renderItem(item: Element, ctx: Ctx, indent: string, marker: string): string {
  const inner: Ctx = { ...ctx, listDepth: ctx.listDepth + 1 };
  const parts: { text: string; indented: boolean }[] = [];
  let run: ChildNode[] = [];
  const flush = () => {
    const text = collapse(renderInline(run, inner));
    if (text !== '') parts.push({ text, indented: false });
    run = [];
  };
  for (const node of item.children) {
    if (isTag(node) && (node.name === 'ul' || node.name === 'ol')) {
      flush();
      parts.push({ text: renderList(node, inner), indented: true });
    } else if (isTag(node) && node.name === 'pre') {
      flush();
      parts.push({ text: fence(textOf(node)), indented: true });
    } else if (isBlock(node)) {
      flush();
      for (const block of renderBlock(node, inner)) parts.push({ text: block, indented: false });
    } else {
      run.push(node);
    }
  }
  flush();
  const hang = `${indent}${' '.repeat(marker.length + 1)}`;
  const lines: string[] = [];
  parts.forEach((part, i) => {
    if (part.indented) {
      lines.push(part.text);
      return;
    }
    part.text.split('\n').forEach((line, j) => {
      lines.push(i === 0 && j === 0 ? `${indent}${marker} ${line}` : `${hang}${line}`);
    });
  });
  if (lines.length === 0 || parts[0]?.indented) lines.unshift(`${indent}${marker}`);
  return lines.join('\n');
}

function renderTable(table: Element, ctx: Ctx): string {
  const lines: string[] = [];
  const cellCtx: Ctx = { ...ctx, listDepth: 0 };
  for (const row of rowsOf(table)) {
    const cells = row.el.children.filter(
      (c): c is Element => isTag(c) && (c.name === 'td' || c.name === 'th'),
    );
    const header = row.inHead || (cells.length > 0 && cells.every((c) => c.name === 'th'));
    const texts = cells.map((cell) => {
      const text = collapse(renderInline(cell.children, { ...cellCtx, bold: cellCtx.bold || header })).replace(
        /\n/g,
        ' ',
      );
      return header && text !== '' && !ctx.bold ? emphasize(text, '*') : text;
    });
    if (texts.every((t) => t === '')) continue;
    lines.push(texts.join(' | '));
  }
  const caption = table.children.find((c): c is Element => isTag(c) && c.name === 'caption');
  if (caption) {
    const text = collapse(renderInline(caption.children, { ...ctx, bold: true }));
    if (text !== '') lines.unshift(ctx.bold ? text : emphasize(text, '*'));
  }
  return lines.join('\n');
}

function rowsOf(table: Element): { el: Element; inHead: boolean }[] {
  const rows: { el: Element; inHead: boolean }[] = [];
  for (const child of table.children) {
    if (!isTag(child)) continue;
    if (child.name === 'tr') rows.push({ el: child, inHead: false });
    else if (child.name === 'thead' || child.name === 'tbody' || child.name === 'tfoot') {
      for (const row of child.children) {
        if (isTag(row) && row.name === 'tr') rows.push({ el: row, inHead: child.name === 'thead' });
      }
    }
  }
  return rows;
}

function fence(code: string): string {
  const body = escapeMrkdwn(code.replace(/^\n/, '').replace(/\s+$/, '')).replace(/```/g, '``\u200B`');
  return body === '' ? '' : `\`\`\`\n${body}\n\`\`\``;
}

function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '>' : `> ${line}`))
    .join('\n');
}

/** The text of a node verbatim, line breaks included: what a `<pre>` shows. */
function textOf(node: ChildNode): string {
  if (isText(node)) return node.data;
  if (!isTag(node) || DROPPED.has(node.name)) return '';
  if (node.name === 'br') return '\n';
  return node.children.map(textOf).join('');
}

/** Whitespace as a browser shows it: runs collapse to one space, none at line starts or ends. */
function collapse(inline: string): string {
  return inline
    .replace(/[ \t\n\r\f\u00a0]+/g, ' ')
    .replace(/ ?\u0000 ?/g, '\n')
    .trim();
}

function tidy(text: string): string {
  const lines = text.split('\n');
  let inFence = false;
  const out = lines.map((line) => {
    if (line === '```') inFence = !inFence;
    return inFence ? line : line.replace(/[ \t]+$/, '');
  });
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
