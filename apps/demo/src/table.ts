import type { Row } from './scenario.js';

const GAP = '  ';

/**
 * The final table: claim | observed | ✓/✗, columns aligned, long cells wrapped at word
 * boundaries to fit `width` (the terminal's columns).
 */
export function renderTable(rows: Row[], width: number): string {
  const mark = (row: Row) => (row.asClaimed ? '✓' : '✗');
  const claimWidth = Math.min(
    Math.max('claim'.length, ...rows.map((r) => r.claim.length)),
    Math.floor(width * 0.4),
  );
  const observedWidth = Math.max(20, width - claimWidth - GAP.length * 2 - 1);
  const lines = [
    ['claim'.padEnd(claimWidth), 'observed'.padEnd(observedWidth), ' '].join(GAP).trimEnd(),
    ['─'.repeat(claimWidth), '─'.repeat(observedWidth), '─'].join(GAP),
  ];
  for (const row of rows) {
    const claim = wrap(row.claim, claimWidth);
    const observed = wrap(row.observed, observedWidth);
    for (let i = 0; i < Math.max(claim.length, observed.length); i++) {
      const cells = [
        (claim[i] ?? '').padEnd(claimWidth),
        (observed[i] ?? '').padEnd(observedWidth),
        i === 0 ? mark(row) : '',
      ];
      lines.push(cells.join(GAP).trimEnd());
    }
  }
  return lines.join('\n');
}

/** Splits `text` into lines of at most `width` characters, breaking at spaces where it can. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const joined = line ? `${line} ${word}` : word;
    if (joined.length <= width) {
      line = joined;
      continue;
    }
    if (line) lines.push(line);
    line = word;
    while (line.length > width) {
      lines.push(line.slice(0, width));
      line = line.slice(width);
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}
