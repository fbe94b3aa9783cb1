import { createServer } from 'node:http';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';

/**
 * The peer: PostGraphile 5 (amber preset) on the same database, on PORT of 127.0.0.1.
 * Started by bench/run.ts with `--require bench/polyfill.cjs` (Promise.withResolvers on Node 20).
 * Its packages come from bench/package.json (bench/node_modules), kept out of the gateway's install.
 */
const databaseUrl = process.env.DATABASE_URL!;
const port = Number(process.env.PORT);
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.POOL_SIZE ?? 10) });

const preset: GraphileConfig.Preset = {
  extends: [PostGraphileAmberPreset],
  // Without this, amber offers orderBy/condition only on columns that lead an index; ours lead with orgId.
  disablePlugins: ['PgIndexBehaviorsPlugin'],
  pgServices: [makePgService({ pool, schemas: ['public'] })],
  grafserv: { graphqlPath: '/graphql', watch: false },
  grafast: { explain: false },
};

const instance = postgraphile(preset);
const serv = instance.createServ(grafserv);
const server = createServer();
server.on('error', (error) => {
  console.error(error);
  process.exit(1);
});
await serv.addTo(server);
server.listen(port, '127.0.0.1', () => console.log(`postgraphile listening on ${port}`));
const stop = () => {
  server.close();
  void Promise.resolve(instance.release()).finally(() => pool.end().finally(() => process.exit(0)));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
