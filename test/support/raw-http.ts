/**
 * Raw HTTP answers for tests that talk to the local cloud over bare sockets (Node's client refuses
 * to send most malformed requests): parsing an answer, reading its JSON, naming the ports.
 */

/** The local cloud's HTTP ports: FC's API, the session trigger's own port, STS, the Alipay gateway, Tablestore. */
export type Service = 'fc' | 'trigger' | 'sts' | 'alipay' | 'tablestore';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * The first final HTTP answer in `buf`, or undefined while incomplete; `head` for HEAD (no body),
 * `eof` once the server closed (an answer to HTTP/1.0 with neither length nor chunks ends there).
 */
export function parseAnswer(buf: Buffer, head = false, eof = false): RawAnswer | undefined {
  let at = 0;
  let lines: string[];
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', at);
    if (end < 0) return undefined;
    lines = buf.subarray(at, end).toString('latin1').split('\r\n');
    at = end + 4;
    if (!/^HTTP\/1\.1 1\d\d /.test(lines[0])) break;
  }
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(lines[0]);
  if (!m) throw new Error(`not an HTTP answer: ${JSON.stringify(lines[0])}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) headers[line.slice(0, line.indexOf(':')).trim().toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
  const status = Number(m[1]);
  if (head || status === 204 || status === 304) return { status, headers, body: Buffer.alloc(0) };
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const eol = buf.indexOf('\r\n', at);
      if (eol < 0) return undefined;
      const size = parseInt(buf.subarray(at, eol).toString('latin1'), 16);
      if (size === 0) return { status, headers, body: Buffer.concat(parts) };
      if (buf.length < eol + 4 + size) return undefined;
      parts.push(buf.subarray(eol + 2, eol + 2 + size));
      at = eol + 4 + size;
    }
  }
  if (headers['content-length'] === undefined) return eof ? { status, headers, body: buf.subarray(at) } : undefined;
  const length = Number(headers['content-length']);
  return buf.length < at + length ? undefined : { status, headers, body: buf.subarray(at, at + length) };
}

/** The answer's body as JSON, or undefined when it is not JSON. */

export const json = (a: RawAnswer): any => {
  try {
    return JSON.parse(a.body.toString('utf8'));
  } catch {
    return undefined;
  }
};
