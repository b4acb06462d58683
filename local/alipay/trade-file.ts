import * as fs from 'node:fs';
import { dirname } from 'node:path';
import type { Trade } from './trades';

/**
 * The local Alipay's trades on disk: a JSON Lines file with one line per change, each the trade's
 * whole new state (the last line for a trade_no wins). A change is appended and fdatasync'ed
 * before the gateway answers, so an acknowledged trade.create or payment survives a crash, like
 * the Tablestore journal beside it in the state dir. A torn last line (a crash mid-write) is cut
 * off on open; anything else unreadable is refused rather than silently dropped.
 */
export class TradeFile {
  private fd: number;
  private size: number;
  private closed = false;
  private readonly loaded: Trade[];

  constructor(readonly file: string) {
    fs.mkdirSync(dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'a+');
    try {
      const { trades, validBytes, lines } = readTrades(file, fs.readFileSync(file));
      this.loaded = trades;
      this.size = validBytes;
      if (validBytes < fs.fstatSync(this.fd).size) {
        fs.ftruncateSync(this.fd, validBytes);
        fs.fdatasyncSync(this.fd);
      }
      // Each payment or close adds a line for a trade; on open (once per start) keep only the live ones.
      if (lines > trades.length) this.rewrite(trades);
    } catch (e) {
      fs.closeSync(this.fd);
      throw e;
    }
  }

  /** The trades as last written, once, for the store to start from. */
  takeLoaded(): Trade[] {
    return this.loaded.splice(0);
  }

  /** Appends the trade's new state durably; on failure the file is cut back and the error propagates. */
  append(trade: Trade): void {
    const bytes = Buffer.from(`${JSON.stringify(trade)}\n`, 'utf8');
    try {
      for (let done = 0; done < bytes.length;) done += fs.writeSync(this.fd, bytes, done, bytes.length - done);
      fs.fdatasyncSync(this.fd);
      this.size += bytes.length;
    } catch (e) {
      fs.ftruncateSync(this.fd, this.size);
      throw e;
    }
  }

  /** Idempotent, like the emulator's close(). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }

  private rewrite(trades: Trade[]): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, trades.map((t) => `${JSON.stringify(t)}\n`).join(''), { flush: true });
    fs.renameSync(tmp, this.file);
    const dir = fs.openSync(dirname(this.file), 'r'); // the rename itself must survive a power loss
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
    // The fd still names the old file: later appends must go to the new one.
    fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'a+');
    this.size = fs.fstatSync(this.fd).size;
  }
}

function readTrades(file: string, bytes: Buffer): { trades: Trade[]; validBytes: number; lines: number } {
  const byTradeNo = new Map<string, Trade>();
  let offset = 0;
  let lines = 0;
  while (offset < bytes.length) {
    const end = bytes.indexOf(0x0a, offset);
    if (end < 0) break; // torn last line: never acknowledged
    lines++;
    const trade = parseTrade(bytes.subarray(offset, end).toString('utf8'));
    if (!trade) throw new Error(`local Alipay trades ${file}: line ${lines} is not a trade; fix or remove the file`);
    byTradeNo.set(trade.tradeNo, trade);
    offset = end + 1;
  }
  return { trades: [...byTradeNo.values()], validBytes: offset, lines };
}

function parseTrade(line: string): Trade | undefined {
  try {
    const t = JSON.parse(line) as Trade;
    const fine =
      typeof t.tradeNo === 'string' &&
      typeof t.outTradeNo === 'string' &&
      typeof t.totalAmount === 'string' &&
      typeof t.amountCents === 'number' &&
      typeof t.subject === 'string' &&
      typeof t.buyer?.id === 'string' &&
      ['WAIT_BUYER_PAY', 'TRADE_SUCCESS', 'TRADE_CLOSED'].includes(t.status) &&
      typeof t.createdAt === 'number' &&
      typeof t.expiresAt === 'number';
    return fine ? t : undefined;
  } catch {
    return undefined;
  }
}
