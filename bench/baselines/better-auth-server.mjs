// Baseline (b) of the authenticated read: a standalone Better Auth server with
// its default configuration plus e-mail and password and the bearer plugin, on
// its own SQLite file through better-sqlite3, served by toNodeHandler on
// node:http. The load is `GET /api/auth/get-session` with
// `Authorization: Bearer <session token>`: a session lookup by token, the
// closest thing Better Auth has to the service's GET /account.
//
// Env: PORT (required), DB_FILE (required), BETTER_AUTH_SECRET (32+ chars).
// NODE_ENV is left as the caller has it: unset, Better Auth's rate limiter is
// off (its default outside production). Listens on 127.0.0.1 only.
import http from 'node:http';
import Database from 'better-sqlite3';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { bearer } from 'better-auth/plugins';

const port = Number(process.env.PORT);
const auth = betterAuth({
  baseURL: `http://127.0.0.1:${port}`,
  secret: process.env.BETTER_AUTH_SECRET,
  database: new Database(process.env.DB_FILE),
  emailAndPassword: { enabled: true },
  plugins: [bearer()],
  // Off by default already; said explicitly so that no environment turns it on.
  telemetry: { enabled: false },
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const server = http.createServer(toNodeHandler(auth));
server.keepAliveTimeout = 72_000;
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
process.stdout.write(`better-auth listening on 127.0.0.1:${port}\n`);

const close = () => server.close(() => process.exit(0));
process.once('SIGTERM', close);
process.once('SIGINT', close);
