// Call records for unit tests of GetCDR's message handling: every row matches every filter (SQL
// filtering is tested on the lab's MariaDB), and the last filter and page asked for are kept.
import type { CdrRow } from '../../../src/cdr/classify.js';
import type { CdrFilter } from '../../../src/cdr/query.js';
import type { CdrReader } from '../../../src/cdr/source.js';

export class FakeCdr implements CdrReader {
  table: CdrRow[] = [];
  lastFilter: CdrFilter | undefined;
  lastPage: { offset: number; limit: number } | undefined;

  async count(f: CdrFilter): Promise<number> {
    this.lastFilter = f;
    return this.table.length;
  }

  async *rows(f: CdrFilter, page?: { offset: number; limit: number }): AsyncGenerator<CdrRow> {
    this.lastFilter = f;
    this.lastPage = page;
    const rows = page ? this.table.slice(page.offset, page.offset + page.limit) : this.table;
    for (const r of rows) yield r;
  }
}
