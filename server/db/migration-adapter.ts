import { PrismaPg } from "@prisma/adapter-pg";
import type { PoolConfig } from "pg";

// The wasm schema engine reads catalog columns of type `name` (OID 19) and `"char"` (OID 18), which
// adapter-pg cannot map (prisma/orm#27403). Relabel them, and their arrays, as text before mapping.
const RELABEL: Record<number, number> = { 18: 25, 19: 25, 1002: 1009, 1003: 1009 };

type Field = { dataTypeID: number };
type QueryResult = { fields: Field[] };
type Queryable = { performIO: (query: unknown) => Promise<QueryResult> };
type Adapter = Queryable & { startTransaction?: (...args: unknown[]) => Promise<Queryable> };

function relabelQueryable<T extends Queryable>(queryable: T): T {
  const performIO = queryable.performIO.bind(queryable);
  queryable.performIO = async (query) => {
    const result = await performIO(query);
    for (const field of result.fields) field.dataTypeID = RELABEL[field.dataTypeID] ?? field.dataTypeID;
    return result;
  };
  return queryable;
}

function relabelAdapter<T>(adapter: T): T {
  const target = relabelQueryable(adapter as unknown as Adapter);
  const startTransaction = target.startTransaction?.bind(target);
  if (startTransaction) {
    target.startTransaction = async (...args) => relabelQueryable(await startTransaction(...args));
  }
  return adapter;
}

/** The adapter factory the Prisma CLI (migrate deploy / dev) uses; not needed by the app's client. */
export class MigrationPg extends PrismaPg {
  constructor(config: PoolConfig) {
    super(config);
  }
  override async connect() {
    return relabelAdapter(await super.connect());
  }
  override async connectToShadowDb() {
    return relabelAdapter(await super.connectToShadowDb());
  }
}
