/** One row of the printed table: figure | measured | target | reference. */
export interface Row {
  figure: string;
  measured: string;
  target: string;
  reference: string;
}

/** Renders rows as a plain-text table with aligned columns, for a terminal or a CI log. */
export function renderTable(rows: Row[]): string {
  const header: Row = { figure: 'figure', measured: 'measured', target: 'target', reference: 'reference' };
  const all = [header, ...rows];
  const keys = ['figure', 'measured', 'target', 'reference'] as const;
  const widths = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
  const line = (r: Row) => `| ${keys.map((k, i) => r[k].padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Formats a value with a unit, or "n/a" when it could not be measured. */
export function fmt(value: number | null | undefined, unit = '', decimals = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const text = value.toLocaleString('en-US', { maximumFractionDigits: decimals, minimumFractionDigits: decimals });
  return unit ? `${text} ${unit}` : text;
}

export function kib(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? 'n/a' : fmt(bytes / 1024, 'KiB', 1);
}
