import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { applyListState, type ListColumn, ListView, listSorts, narrowColumns } from './list-view';

type Row = { id: string; name: string; colour: 'red' | 'green'; size: number; host: string };
const rows: Row[] = [
  { id: '1', name: 'beta', colour: 'green', size: 2, host: 'node-a' },
  { id: '2', name: 'Alpha', colour: 'red', size: 5, host: 'node-b' },
  { id: '3', name: 'gamma', colour: 'red', size: 0, host: 'edge-1' },
];
const byName = (a: Row, b: Row) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' });
const columns: ListColumn<Row>[] = [
  {
    id: 'colour',
    header: 'Colour',
    width: '6rem',
    cell: (r) => r.colour,
    filter: { label: 'Colour', value: (r) => r.colour, options: [{ value: 'red', label: 'Red' }, { value: 'green', label: 'Green' }] },
    narrow: { stack: 1 },
  },
  { id: 'name', header: 'Name', width: '1fr', cell: (r) => r.name, search: (r) => r.name, sort: { label: 'Name', compare: byName }, narrow: { stack: 0 } },
  { id: 'size', header: 'Size', width: '4rem', cell: (r) => String(r.size), sort: { label: 'Biggest', compare: (a, b) => b.size - a.size }, narrow: { meta: (r) => `size ${r.size}` } },
  { id: 'host', header: 'Host', width: '8rem', cell: (r) => r.host, search: (r) => r.host, narrow: { meta: (r) => r.host } },
  { id: 'menu', header: 'Menu', width: '3rem', cell: () => '⋯', narrow: { keep: '2rem' } },
];
const extra = { last: { label: 'Reversed ids', compare: (a: Row, b: Row) => b.id.localeCompare(a.id) } };

describe('applyListState', () => {
  it.each([
    ['', 'all', 'name', ['2', '1', '3']],
    ['', 'all', 'size', ['2', '1', '3']],
    ['', 'all', 'last', ['3', '2', '1']],
    ['', 'all', null, ['1', '2', '3']],
    ['A', 'all', 'name', ['2', '1', '3']],
    ['alp', 'all', 'name', ['2']],
    // Every searchable column counts, case-insensitively; others (colour) do not.
    ['NODE-', 'all', 'name', ['2', '1']],
    ['red', 'all', 'name', []],
    ['', 'red', 'name', ['2', '3']],
    ['edge', 'red', 'name', ['3']],
    ['zzz', 'all', 'name', []],
  ] as const)('search %j colour %s sort %s', (q, colour, sort, ids) => {
    expect(applyListState(rows, columns, { q, filters: { colour }, sort }, extra).map((r) => r.id)).toEqual(ids);
  });

  it('leaves the rows it was given in their order', () => {
    const given = [...rows];
    applyListState(given, columns, { q: '', filters: {}, sort: 'name' });
    expect(given).toEqual(rows);
  });
});

it('offers the sorts of the columns in their order, then the extra ones', () => {
  expect(listSorts(columns, extra).map(([id, s]) => `${id}:${s.label}`)).toEqual(['name:Name', 'size:Biggest', 'last:Reversed ids']);
});

describe('narrowColumns', () => {
  it('keeps the kept columns, and stacks the others where the first of them was, meta line last', () => {
    const narrow = narrowColumns(columns, { id: 'row', header: 'Row', width: '1fr' });
    expect(narrow.map((c) => [c.id, c.width])).toEqual([
      ['row', '1fr'],
      ['menu', '2rem'],
    ]);
    render(<div data-testid="cell">{narrow[0]!.cell(rows[1]!)}</div>);
    expect(screen.getByTestId('cell')).toHaveTextContent(/^Alpharedsize 5 · node-b$/);
  });
});

describe('ListView', () => {
  const view = () => (
    <ListView
      label="Things"
      rows={rows}
      columns={columns}
      rowKey={(r) => r.id}
      noun="thing"
      toolbarLabel="Things"
      search={{ label: 'Search', placeholder: 'Name or host' }}
      extraSorts={extra}
      noMatch={<p>Nothing matches.</p>}
      rowHeight={40}
      maxHeight="20rem"
      minWidth="30rem"
    />
  );
  const names = () => within(screen.getByRole('table', { name: 'Things' })).getAllByRole('row').slice(1).map((r) => r.textContent);

  it('draws the search, a picker per filter and Sort by from the columns, and counts what is shown', async () => {
    const user = userEvent.setup();
    render(view());
    const toolbar = screen.getByRole('search', { name: 'Things' });
    const options = (label: string) => within(within(toolbar).getByLabelText(label)).getAllByRole('option').map((o) => o.textContent);
    expect(within(toolbar).getByLabelText('Search')).toHaveAttribute('placeholder', 'Name or host');
    expect(options('Colour')).toEqual(['All', 'Red', 'Green']);
    expect(options('Sort by')).toEqual(['Name', 'Biggest', 'Reversed ids']);
    expect(screen.getByRole('status')).toHaveTextContent('3 things');
    // The first sort offered is the default.
    expect(names()).toEqual(['redAlpha5node-b⋯', 'greenbeta2node-a⋯', 'redgamma0edge-1⋯']);
    await user.selectOptions(screen.getByLabelText('Colour'), 'Red');
    expect(screen.getByRole('status')).toHaveTextContent('2 of 3 things');
    await user.selectOptions(screen.getByLabelText('Sort by'), 'size');
    expect(names()).toEqual(['redAlpha5node-b⋯', 'redgamma0edge-1⋯']);
    await user.type(screen.getByLabelText('Search'), 'nothing like it');
    expect(screen.getByText('Nothing matches.')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });
});
