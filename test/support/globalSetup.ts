// Placeholder: the PostgreSQL fixture (DATABASE_URL, else an embedded server) is started here.
export default async function setup() {}
