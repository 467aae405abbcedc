import { render, screen, within } from '@testing-library/react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Column, DataList } from './data-list';

const rows = Array.from({ length: 1_000 }, (_, i) => ({ id: `row-${i}`, name: `Row ${i}` }));
const columns: Column<(typeof rows)[number]>[] = [{ id: 'name', header: 'Name', width: '1fr', cell: (r) => r.name }];
const list = (label: string) => <DataList label={label} rows={rows} columns={columns} rowKey={(r) => r.id} rowHeight={40} />;

// jsdom has no layout: the virtualizer reads its scroll area's size from clientHeight/clientWidth.
const real = {
  height: Object.getOwnPropertyDescriptor(Element.prototype, 'clientHeight')!,
  width: Object.getOwnPropertyDescriptor(Element.prototype, 'clientWidth')!,
};
const scrollerSize = (px: number, realGet: () => number) =>
  function (this: Element) {
    return this instanceof HTMLElement && this.dataset.scroller !== undefined ? px : realGet.call(this);
  };
beforeAll(() => {
  Object.defineProperty(Element.prototype, 'clientHeight', { configurable: true, get: scrollerSize(400, real.height.get!) });
  Object.defineProperty(Element.prototype, 'clientWidth', { configurable: true, get: scrollerSize(1200, real.width.get!) });
});
afterAll(() => {
  Object.defineProperty(Element.prototype, 'clientHeight', real.height);
  Object.defineProperty(Element.prototype, 'clientWidth', real.width);
});

const bodyRows = (table: HTMLElement) => within(table).getAllByRole('row').slice(1);

describe('DataList', () => {
  it('renders a long list once: the rows of its first render stay when its scroll area is measured', () => {
    // Every DOM node the first row's cell was ever given: a row rendered again from scratch adds one.
    const firstRowNodes = new Set<HTMLElement>();
    const tracked: Column<(typeof rows)[number]>[] = [
      {
        id: 'name',
        header: 'Name',
        width: '1fr',
        cell: (r) => (
          <span
            ref={(node) => {
              if (node && r.id === 'row-0') firstRowNodes.add(node);
            }}
          >
            {r.name}
          </span>
        ),
      },
    ];
    render(<DataList label="Tracked" rows={rows} columns={tracked} rowKey={(r) => r.id} rowHeight={40} />);
    const table = screen.getByRole('table', { name: 'Tracked' });
    // The first render lists the rows of a window-high area (jsdom: 768 px, 28 rows with the overscan);
    // the measured 400 px area then keeps the 18 in view, as the same elements.
    expect(bodyRows(table)).toHaveLength(18);
    expect(firstRowNodes.size).toBe(1);
    expect(within(table).getByRole('row', { name: 'Row 0' })).toContainElement([...firstRowNodes][0]!);
  });

  it('shows the rows in view as soon as a long list mounts', () => {
    // A list that mounts with its rows in one commit (the Edit dialog opening with its data) shows
    // the rows in view at once, not only after some later re-render.
    render(list('Second'));
    const table = screen.getByRole('table', { name: 'Second' });
    expect(within(table).getByRole('row', { name: 'Row 0' })).toBeInTheDocument();
    // 400 px of 40 px rows plus the overscan: far fewer than the 1,000 rows.
    expect(bodyRows(table).length).toBeGreaterThanOrEqual(10);
    expect(bodyRows(table).length).toBeLessThan(30);
    expect(table).toHaveAttribute('aria-rowcount', '1001');
  });
});
