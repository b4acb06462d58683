/**
 * The one thing the client needs from its platform: send a POST with string body and headers,
 * give back status, lower-cased headers and the raw text. Raw text because the FC signature
 * covers exact bytes going out, and error bodies must be read whatever their content type.
 */
export interface HttpRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}
export interface HttpResponse {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  text: string;
}
export type Transport = (request: HttpRequest) => Promise<HttpResponse>;

type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
) => Promise<{
  status: number;
  headers: { forEach(cb: (value: string, key: string) => void): void };
  text(): Promise<string>;
}>;

/**
 * For browsers and Node 20 (`fetchTransport(fetch)`). A browser silently drops the `Date` header
 * (a forbidden header name); the signer also sends `x-fc-date` for that case (see signing.ts).
 */
export function fetchTransport(fetchFn: FetchLike): Transport {
  return async (req) => {
    const res = await fetchFn(req.url, { method: req.method, headers: req.headers, body: req.body });
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      headers[key.toLowerCase()] = value;
    });
    return { status: res.status, headers, text: await res.text() };
  };
}
