import { type Element, isTag, isText } from 'domhandler';

export interface TableRow {
  /** Each cell's element, in column order; a cell spanning rows appears in each row it covers. */
  readonly cells: readonly Element[];
  /** A header row: inside `<thead>`, or made only of `<th>` cells. */
  readonly header: boolean;
}

/**
 * The rows of a table as a grid. Rows come from the table itself and its `thead`/`tbody`/`tfoot` (not from nested
 * tables). A cell with `rowspan` is repeated in the rows below it, so no row loses a column; `colspan` cells appear
 * once, since repeating their text would read as several values.
 */
export function tableRows(table: Element): TableRow[] {
  const raw: { el: Element; inHead: boolean }[] = [];
  for (const child of table.children) {
    if (!isTag(child)) continue;
    if (child.name === 'tr') raw.push({ el: child, inHead: false });
    else if (child.name === 'thead' || child.name === 'tbody' || child.name === 'tfoot') {
      for (const row of child.children) {
        if (isTag(row) && row.name === 'tr') raw.push({ el: row, inHead: child.name === 'thead' });
      }
    }
  }
  // Cells still spanning down into later rows: column index → cell and how many rows it still covers.
  const carried = new Map<number, { cell: Element; rows: number }>();
  const rows: TableRow[] = [];
  for (const { el, inHead } of raw) {
    const own = el.children.filter((c): c is Element => isTag(c) && (c.name === 'td' || c.name === 'th'));
    const cells: Element[] = [];
    let column = 0;
    const takeCarried = () => {
      let span = carried.get(column);
      while (span !== undefined) {
        cells.push(span.cell);
        span.rows -= 1;
        if (span.rows === 0) carried.delete(column);
        column += 1;
        span = carried.get(column);
      }
    };
    for (const cell of own) {
      takeCarried();
      cells.push(cell);
      const rowspan = clampSpan(cell.attribs.rowspan, 100);
      const colspan = clampSpan(cell.attribs.colspan, 50);
      if (rowspan > 1) carried.set(column, { cell, rows: rowspan - 1 });
      column += colspan;
    }
    takeCarried();
    // A header row: in <thead>, or all <th> apart from empty cells (a matrix's top-left corner).
    const filled = own.filter((c) => !isEmptyCell(c));
    rows.push({ cells, header: inHead || (filled.length > 0 && filled.every((c) => c.name === 'th')) });
  }
  return rows;
}

function isEmptyCell(cell: Element): boolean {
  const text = (node: Element): string =>
    node.children.map((c) => (isTag(c) ? (c.name === 'img' ? 'img' : text(c)) : isText(c) ? c.data : '')).join('');
  return text(cell).trim() === '';
}

function clampSpan(value: string | undefined, max: number): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) && n > 1 ? Math.min(n, max) : 1;
}
