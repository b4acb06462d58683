import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What every emulator does to start: listen on 127.0.0.1 (port 0 = ephemeral) and return its base URL. */
export function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve(`http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}`);
    });
  });
}

/** Stops a server now: the SDKs keep connections alive, and an idle socket would otherwise hold close() open. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The whole request body, or undefined as soon as it passes `limit` bytes (the caller answers as its service would). */
export async function readBody(req: IncomingMessage, limit = Number.POSITIVE_INFINITY): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
