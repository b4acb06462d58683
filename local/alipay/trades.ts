import { randomInt } from 'node:crypto';
import { tradeErrors, type AlipayErrorValue } from './errors';
import { beijingTime } from './oauth';
import type { TradeFile } from './trade-file';
import { formatCents, type Buyer, type CreateTradeRequest, type TradeRef, type TradeTimeout } from './trade-request';

/**
 * The trade statuses a JSAPI_PAY trade goes through here. TRADE_FINISHED (no more refunds
 * possible) is not modelled: nothing locally waits out the refund period.
 */
export type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';

/** One trade as the local Alipay stores it. Records are replaced on change, never mutated. */
export interface Trade {
  tradeNo: string;
  outTradeNo: string;
  subject: string;
  /** Yuan with two decimals. */
  totalAmount: string;
  amountCents: number;
  buyer: Buyer;
  productCode?: string;
  notifyUrl?: string;
  status: TradeStatus;
  /** Epoch ms (gmt_create). */
  createdAt: number;
  /** Epoch ms at which Alipay closes the trade if still unpaid (timeout_express). */
  expiresAt: number;
  /** Epoch ms (gmt_payment / send_pay_date). */
  paidAt?: number;
  /** Epoch ms (gmt_close). */
  closedAt?: number;
  /** Epoch ms (gmt_refund), with `refundFee`: a full refund closes the trade. */
  refundedAt?: number;
  refundFee?: string;
}

export type CreateOutcome = { ok: true; trade: Trade; created: boolean } | { ok: false; error: AlipayErrorValue };
export type ChangeOutcome = { ok: true; trade: Trade } | { ok: false; status: TradeStatus };

/**
 * Real trade_nos are 28 digits that start with the Beijing date, e.g. 2013112011001004330000121536
 * (docs example) and 2017091721001004920264050508 (a captured query answer). The rest is random here.
 */
function newTradeNo(now: number): string {
  const date = beijingTime(now).slice(0, 10).replace(/-/g, '');
  let rest = '';
  while (rest.length < 15) rest += String(randomInt(0, 1_000_000_000)).padStart(9, '0');
  return `${date}22001${rest.slice(0, 15)}`;
}

const BEIJING_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;

/** When an unpaid trade created at `createdAt` closes: after its minutes, or at the next Beijing midnight. */
function deadline(createdAt: number, timeout: TradeTimeout): number {
  if ('minutes' in timeout) return createdAt + timeout.minutes * 60_000;
  return Math.floor((createdAt + BEIJING_OFFSET_MS) / DAY_MS + 1) * DAY_MS - BEIJING_OFFSET_MS;
}

/**
 * The app's trades, by trade_no and out_trade_no (unique per app). Every change is written to the
 * trades file (when there is one) before it is applied in memory, so a failed write changes
 * nothing and the caller's request fails as a whole.
 */
export class TradeStore {
  private readonly byTradeNo = new Map<string, Trade>();
  private readonly byOutTradeNo = new Map<string, string>();
  /** Trades still waiting for payment: the only ones that can time out, so the only ones scanned. */
  private readonly waiting = new Set<string>();

  constructor(
    private readonly now: () => number,
    private readonly file?: TradeFile,
  ) {
    for (const trade of file?.takeLoaded() ?? []) this.remember(trade);
  }

  get size(): number {
    return this.byTradeNo.size;
  }

  /**
   * alipay.trade.create. Creating again with the same out_trade_no is safe while the trade waits
   * for payment and the request names the same amount, subject and buyer: the same trade_no comes
   * back (a caller retrying after a lost answer must not get a second trade). Otherwise the
   * sub_codes of Alipay's table: paid → TRADE_HAS_SUCCESS, closed or refunded → TRADE_HAS_CLOSE,
   * another buyer → TRADE_BUYER_NOT_MATCH, other amount or subject → CONTEXT_INCONSISTENT.
   */
  create(req: CreateTradeRequest): CreateOutcome {
    const existing = this.find({ outTradeNo: req.outTradeNo });
    if (existing) {
      if (existing.status === 'TRADE_SUCCESS') return { ok: false, error: tradeErrors.tradeHasSuccess() };
      if (existing.status === 'TRADE_CLOSED') return { ok: false, error: tradeErrors.tradeHasClose() };
      if (existing.buyer.field !== req.buyer.field || existing.buyer.id !== req.buyer.id) return { ok: false, error: tradeErrors.buyerNotMatch() };
      if (existing.amountCents !== req.amountCents || existing.subject !== req.subject) return { ok: false, error: tradeErrors.contextInconsistent() };
      return { ok: true, trade: existing, created: false };
    }
    const now = this.now();
    let tradeNo = newTradeNo(now);
    while (this.byTradeNo.has(tradeNo)) tradeNo = newTradeNo(now);
    const trade: Trade = {
      tradeNo,
      outTradeNo: req.outTradeNo,
      subject: req.subject,
      totalAmount: req.totalAmount,
      amountCents: req.amountCents,
      buyer: req.buyer,
      ...(req.productCode !== undefined && { productCode: req.productCode }),
      ...(req.notifyUrl !== undefined && { notifyUrl: req.notifyUrl }),
      status: 'WAIT_BUYER_PAY',
      createdAt: now,
      expiresAt: deadline(now, req.timeout),
    };
    this.commit(trade);
    return { ok: true, trade, created: true };
  }

  /**
   * Closes the unpaid trades whose timeout_express has passed, as Alipay does on its own, and
   * returns them (each is told to its notify_url as TRADE_CLOSED, developer.aliyun.com/ask/285129).
   * gmt_close is the deadline itself, however late this runs.
   */
  expireDue(): Trade[] {
    const now = this.now();
    const closed: Trade[] = [];
    for (const tradeNo of this.waiting) {
      const trade = this.byTradeNo.get(tradeNo)!;
      if (trade.expiresAt > now) continue;
      const next: Trade = { ...trade, status: 'TRADE_CLOSED', closedAt: trade.expiresAt };
      this.commit(next);
      closed.push(next);
    }
    return closed;
  }

  /** trade_no wins when both are given ("如果同时存在优先取trade_no"). */
  find(ref: TradeRef): Trade | undefined {
    const tradeNo = 'tradeNo' in ref ? ref.tradeNo : this.byOutTradeNo.get(ref.outTradeNo);
    return tradeNo === undefined ? undefined : this.byTradeNo.get(tradeNo);
  }

  /** alipay.trade.close: only a trade waiting for payment can be closed. */
  close(trade: Trade): ChangeOutcome {
    if (trade.status !== 'WAIT_BUYER_PAY') return { ok: false, status: trade.status };
    return this.change({ ...trade, status: 'TRADE_CLOSED', closedAt: this.now() });
  }

  /** The buyer pays in the cashier (my.tradePay). */
  pay(trade: Trade): ChangeOutcome {
    if (trade.status !== 'WAIT_BUYER_PAY') return { ok: false, status: trade.status };
    return this.change({ ...trade, status: 'TRADE_SUCCESS', paidAt: this.now() });
  }

  /** A full refund of a paid trade, which closes it (TRADE_CLOSED with refund_fee and gmt_refund). */
  refund(trade: Trade): ChangeOutcome {
    if (trade.status !== 'TRADE_SUCCESS') return { ok: false, status: trade.status };
    const now = this.now();
    return this.change({ ...trade, status: 'TRADE_CLOSED', refundedAt: now, closedAt: now, refundFee: formatCents(trade.amountCents) });
  }

  private change(next: Trade): ChangeOutcome {
    this.commit(next);
    return { ok: true, trade: next };
  }

  private commit(trade: Trade): void {
    this.file?.append(trade);
    this.remember(trade);
  }

  private remember(trade: Trade): void {
    this.byTradeNo.set(trade.tradeNo, trade);
    this.byOutTradeNo.set(trade.outTradeNo, trade.tradeNo);
    if (trade.status === 'WAIT_BUYER_PAY') this.waiting.add(trade.tradeNo);
    else this.waiting.delete(trade.tradeNo);
  }
}
