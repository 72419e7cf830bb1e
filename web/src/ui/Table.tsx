import type { ReactNode } from "react";
import { useI18n } from "../lib/i18n";

export interface Column<T> {
  key: string;
  label: string;
  render: (row: T) => ReactNode;
  /** The API's sort key, when the column sorts. */
  sort?: string;
  className?: string;
}

/** A table whose sortable headers are buttons; `sort` is the API's `key` or `-key`. */
export function DataTable<T>(props: {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  caption: string;
  sort?: string;
  onSort?: (sort: string) => void;
  empty?: string;
  testId?: string;
}) {
  const { t } = useI18n();
  const { columns, rows, sort } = props;
  return (
    <div className="table-wrap">
      <table className="table" data-testid={props.testId}>
        <caption className="sr-only">{props.caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort === c.sort || sort === `-${c.sort}`;
              const descending = sort === `-${c.sort}`;
              return (
                <th key={c.key} scope="col" className={c.className} aria-sort={active ? (descending ? "descending" : "ascending") : undefined}>
                  {c.sort && props.onSort ? (
                    <button type="button" className="th-sort" onClick={() => props.onSort!(active && !descending ? `-${c.sort}` : c.sort!)}>
                      {c.label}
                      <span aria-hidden="true">{active ? (descending ? " ↓" : " ↑") : ""}</span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="muted">
                {props.empty ?? t("common.empty")}
              </td>
            </tr>
          ) : (
            rows.map((row) => (
              <tr key={props.rowKey(row)}>
                {columns.map((c) => (
                  <td key={c.key} className={c.className} data-label={c.label}>
                    {/* One box for the cell's content: on phones the label and this box share the row,
                        while the content flows inside it (a link over its summary, a badge beside its text). */}
                    <div className="cell">{c.render(row)}</div>
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

/** "1–50 of 1,234" with previous/next. */
export function Pager(props: { offset: number; limit: number; total: number; onChange: (offset: number) => void; more?: { shown: number } }) {
  const { t, number } = useI18n();
  const { offset, limit, total, more } = props;
  // `more`: the list stopped counting at `total` (more match); a full page may have a next one.
  const from = more ? (more.shown ? offset + 1 : offset) : total === 0 ? 0 : offset + 1;
  const to = more ? offset + more.shown : Math.min(total, offset + limit);
  const last = more ? more.shown < limit : to >= total;
  return (
    <nav className="pager" aria-label="pagination">
      <span>{t(more ? "common.pageMore" : "common.page", { from: number(from), to: number(to), total: number(total) })}</span>
      <button type="button" className="btn btn-small" disabled={offset === 0} onClick={() => props.onChange(Math.max(0, offset - limit))}>
        {t("common.previous")}
      </button>
      <button type="button" className="btn btn-small" disabled={last} onClick={() => props.onChange(offset + limit)}>
        {t("common.next")}
      </button>
    </nav>
  );
}
