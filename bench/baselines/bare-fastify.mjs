// Baseline (a) of the authenticated read: a bare Fastify 5 server on the same
// machine that answers GET /account with a constant JSON body of the same bytes
// the service returns (BODY_FILE). No auth, no database, no schemas, no
// serialization: the ceiling of Fastify + Node's HTTP stack + this load generator.
//
// Env: PORT (required), BODY_FILE (required). Listens on 127.0.0.1 only.
import fs from 'node:fs';
import Fastify from 'fastify';

const port = Number(process.env.PORT);
const body = fs.readFileSync(process.env.BODY_FILE, 'utf8');

const app = Fastify({ logger: false });
app.get('/account', (_request, reply) => {
  reply.header('content-type', 'application/json; charset=utf-8').send(body);
});
await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`bare-fastify listening on 127.0.0.1:${port}, ${Buffer.byteLength(body)} byte body\n`);

const close = () => app.close().then(() => process.exit(0));
process.once('SIGTERM', close);
process.once('SIGINT', close);
