/** A line that opens or closes a code block: the fence alone, maybe indented under a list item or quoted. */
const FENCE = /^(\s*|> ?)```\s*$/;

/**
 * Cuts mrkdwn into messages of at most `limit` characters, at paragraph boundaries where it can, then at line
 * boundaries, then between words. A cut never falls inside a `<…>` link token or an `&…;` entity, and a code block
 * that fits in one message starts a new message rather than being cut. Only a block longer than a whole message is
 * cut, closed at the end of one message and reopened at the start of the next.
 */
export function splitMrkdwn(text: string, limit: number): string[] {
  if (limit < 40) throw new RangeError('limit too small to split safely');
  if (text.length <= limit) return [text];
  const chunks: string[] = [];
  let current: string[] = [];
  let length = 0;
  /** The fence line of the open code block, repeated to close and reopen it when the block has to be cut. */
  let fence: string | undefined;
  // Room for a closing fence that may have to be appended to the current chunk.
  const budget = limit - 8;

  const flush = () => {
    if (current.length === 0) return;
    // Blank lines inside code are part of it; elsewhere trailing ones are only spacing.
    let chunk = fence !== undefined ? current.join('\n') : current.join('\n').replace(/\n+$/, '');
    if (fence !== undefined) chunk += `\n${fence}`;
    if (chunk.trim() !== '' && !FENCE.test(chunk.trim())) chunks.push(chunk);
    current = fence !== undefined ? [fence] : [];
    length = fence?.length ?? 0;
  };

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const inFence = fence !== undefined;
    if (!inFence && FENCE.test(line)) {
      // A block that fits in a message of its own is never cut: it starts the next message if it must.
      const block = blockLength(lines, i);
      if (block <= budget && length + 1 + block > budget) flush();
    }
    // A paragraph break is the preferred place to cut once the chunk is reasonably full.
    if (line === '' && !inFence && length > budget * 0.6 && paragraphLength(lines, i + 1) + length > budget) {
      flush();
      continue;
    }
    const pieces = line.length > budget - 4 ? splitLongLine(line, budget - 4) : [line];
    for (const piece of pieces) {
      const added = (current.length === 0 ? 0 : 1) + piece.length;
      if (length + added > budget) flush();
      if (current.length === 0 && piece === '' && !inFence) continue;
      current.push(piece);
      length += (current.length === 1 ? 0 : 1) + piece.length;
    }
    if (FENCE.test(line)) fence = fence === undefined ? line.trimEnd() : undefined;
  }
  flush();
  return chunks;
}

/** Characters of the code block opening at `from`, fences included (to the end of the text if it never closes). */
function blockLength(lines: readonly string[], from: number): number {
  let n = lines[from]?.length ?? 0;
  for (let i = from + 1; i < lines.length; i += 1) {
    n += 1 + (lines[i]?.length ?? 0);
    if (FENCE.test(lines[i] ?? '')) break;
  }
  return n;
}

function paragraphLength(lines: readonly string[], from: number): number {
  let n = 0;
  for (let i = from; i < lines.length && lines[i] !== ''; i += 1) n += (lines[i]?.length ?? 0) + 1;
  return n;
}

/**
 * Splits one over-long line between words, never inside a `<…>` token, an entity or an inline code span. The pieces
 * after the first keep what made the line what it was: a quote's `> `, or a list item's indentation.
 */
function splitLongLine(line: string, max: number): string[] {
  const out: string[] = [];
  const continuation = continuationOf(line);
  // A link longer than a whole message cannot be kept whole: it becomes its label and address as plain text.
  let rest = line.replace(/<([^<>|]+)(?:\|([^<>]*))?>/g, (token, url: string, label?: string) =>
    token.length <= max ? token : label ? `${label} ${url}` : url,
  );
  let first = true;
  while (rest.length > (first ? max : max - continuation.length)) {
    const room = first ? max : max - continuation.length;
    let cut = safeCut(rest, room);
    if (cut <= 0) cut = room;
    out.push(`${first ? '' : continuation}${rest.slice(0, cut).trimEnd()}`);
    rest = rest.slice(cut).trimStart();
    first = false;
  }
  if (rest !== '') out.push(`${first ? '' : continuation}${rest}`);
  return out;
}

/** What continues a cut line: a quote stays a quote, a list item's text stays indented under its marker. */
function continuationOf(line: string): string {
  if (line.startsWith('> ')) return '> ';
  const item = /^(\s*)(?:[•◦▪]|\d+\.|[a-z]{1,4}\.)\s/i.exec(line);
  return item === null ? '' : `${item[1] ?? ''}    `;
}

function safeCut(text: string, max: number): number {
  let lastSpace = -1;
  let openToken = -1;
  let inCode = false;
  for (let i = 0; i < max && i < text.length; i += 1) {
    const c = text[i];
    if (c === '`') inCode = !inCode;
    else if (c === '<') openToken = i;
    else if (c === '>') openToken = -1;
    else if (c === ' ' && openToken === -1 && !inCode) lastSpace = i;
  }
  if (lastSpace > max / 2) return lastSpace;
  // No word break late enough: cut hard, but before an unfinished token or entity.
  let cut = openToken > 0 ? openToken : max;
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp > 0 && cut - amp < 8 && !text.slice(amp, cut).includes(';')) cut = amp;
  return cut;
}
