import http from 'node:http';
import { assertLoopback } from './util.js';

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

/**
 * One request over node:http (no keep-alive, no fetch: Node's fetch adds
 * Sec-Fetch-Mode, which Better Auth's origin check takes for a browser).
 */
export function request(method: string, url: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<HttpResult> {
  assertLoopback(url);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The request, which must answer `expected`; throws with the body otherwise. */
export async function expectStatus(expected: number, method: string, url: string, options: Parameters<typeof request>[2] = {}): Promise<HttpResult> {
  const res = await request(method, url, options);
  if (res.status !== expected) {
    throw new Error(`${method} ${url}: expected ${expected}, got ${res.status}: ${res.text.slice(0, 500)}`);
  }
  return res;
}
