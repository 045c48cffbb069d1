// Filled in by the database foundation: starts or reaches Postgres for integration tests.
export default async function setup(): Promise<void> {}
