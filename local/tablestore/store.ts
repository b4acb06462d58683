/** The instance's tables plus their persistence to one JSON file. */
import { tableNotExist } from './errors';
import { load, saveAtomic, Serializer } from './persistence';
import { Table, type TableSpec } from './table';

export class Store {
  readonly tables = new Map<string, Table>();
  private orphans: ReturnType<typeof load> = {};
  private readonly serializer = new Serializer();

  constructor(
    specs: TableSpec[],
    now: () => number,
    private readonly dataFile?: string,
  ) {
    for (const spec of specs) this.tables.set(spec.name, new Table(spec, now));
    if (dataFile) this.orphans = load(dataFile, this.tables);
  }

  table(name: string): Table {
    const t = this.tables.get(name);
    if (!t) throw tableNotExist();
    return t;
  }

  /**
   * Writes everything synchronously. Called before a mutating request is answered, so an
   * acknowledged write survives the process dying right after (not an OS crash: no fsync).
   */
  flush(): void {
    if (this.dataFile) saveAtomic(this.dataFile, this.serializer.serialize(this.tables.values(), this.orphans));
  }
}
