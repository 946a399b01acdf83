// Device logins that rotate over many (device, user code) pairs, run by autocannon
// in this separate process; prints autocannon's result as one JSON line, exactly
// like its CLI's `-j`.
//
// Why not the CLI: every login of one user code counts as an attempt until its
// PIN is checked, so five concurrent logins of the same code lock it (429), and
// the CLI can only repeat one request. Here each request takes the next pair, so
// the requests in flight (one per connection) are for distinct user codes.
//
// Usage: node autocannon-rotating.mjs <spec.json>
//   spec: { url, connections, duration, logins: [{ deviceToken, userCode, password }] }
import fs from 'node:fs';
import autocannon from 'autocannon';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const { hostname } = new URL(spec.url);
if (!(hostname === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]')) {
  console.error(`loopback only, refusing ${spec.url}`);
  process.exit(2);
}
if (!(spec.duration > 0 && spec.duration <= 120)) {
  console.error('duration must be 0–120 s');
  process.exit(2);
}
const logins = spec.logins;
let next = 0;
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.duration,
  timeout: 20,
  requests: [
    {
      method: 'POST',
      setupRequest(request) {
        const login = logins[next++ % logins.length];
        return {
          ...request,
          headers: { ...request.headers, authorization: `Bearer ${login.deviceToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ userCode: login.userCode, password: login.password }),
        };
      },
    },
  ],
});
process.stdout.write(JSON.stringify(result) + '\n');
