import type { Trade } from './trades';

/**
 * The local cashier: what `my.tradePay({tradeNO})` shows inside the Alipay app, as a page a
 * browser demo opens in an iframe or popup. Pay / Cancel post `/dev/pay` on this origin, then tell
 * the embedding page the result the way my.tradePay would report it:
 * `{type: 'alipay-cashier', tradeNo, resultCode}` by postMessage to window.parent (when framed)
 * and window.opener (when a popup). resultCode: 9000 paid, 6001 cancelled, 4000 failed
 * (my.tradePay's codes).
 *
 * Everything from the trade is HTML-escaped, and the script reads the trade_no from a data
 * attribute rather than having it spliced into code; the CSP allows only this page's own nonce'd
 * script and style and fetches to its own origin.
 */
export interface CashierPage {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const headers = (nonce: string): Record<string, string> => ({
  'content-type': 'text/html;charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'`,
});

const STYLE = `body{font:16px system-ui,sans-serif;margin:0;padding:24px;color:#222}
main{max-width:360px;margin:auto;text-align:center}
.amount{font-size:32px;margin:12px 0}
button{font-size:16px;padding:10px 24px;margin:6px;border-radius:6px;border:1px solid #1677ff;cursor:pointer}
#pay{background:#1677ff;color:#fff}#cancel{background:#fff;color:#1677ff}
.note{color:#888;font-size:13px}`;

/** The page script: no trade data inside it (it reads data-trade-no), so nothing needs escaping here. */
const SCRIPT = `(() => {
  const main = document.querySelector('main');
  const tradeNo = main.dataset.tradeNo;
  const result = document.getElementById('result');
  const buttons = Array.from(document.querySelectorAll('button'));
  const LABELS = { '9000': 'Paid', '6001': 'Cancelled', '4000': 'Payment failed' };
  async function choose(outcome) {
    for (const b of buttons) b.disabled = true;
    let resultCode = '4000';
    try {
      const res = await fetch('/dev/pay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tradeNo, outcome }) });
      const answer = await res.json();
      if (typeof answer.resultCode === 'string') resultCode = answer.resultCode;
    } catch (e) {
      resultCode = '4000';
    }
    const message = { type: 'alipay-cashier', tradeNo, resultCode };
    if (window.parent && window.parent !== window) window.parent.postMessage(message, '*');
    if (window.opener) window.opener.postMessage(message, '*');
    result.textContent = (LABELS[resultCode] || 'Result') + ' (' + resultCode + ')';
    document.body.dataset.resultCode = resultCode;
  }
  document.getElementById('pay').addEventListener('click', () => choose('paid'));
  document.getElementById('cancel').addEventListener('click', () => choose('cancelled'));
})();`;

export function cashierPage(trade: Trade, nonce: string): CashierPage {
  const waiting = trade.status === 'WAIT_BUYER_PAY';
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Alipay cashier (local)</title><style nonce="${nonce}">${STYLE}</style></head>
<body><main data-trade-no="${escapeHtml(trade.tradeNo)}">
<p class="note">Local Alipay cashier: nothing is charged</p>
<h1 id="subject">${escapeHtml(trade.subject)}</h1>
<p class="amount">¥<span id="amount">${escapeHtml(trade.totalAmount)}</span></p>
${waiting ? '' : `<p class="note" id="status">This trade is ${escapeHtml(trade.status)} and can't be paid.</p>\n`}<button id="pay" type="button">Pay</button><button id="cancel" type="button">Cancel</button>
<p id="result" role="status"></p>
</main><script nonce="${nonce}">${SCRIPT}</script></body></html>`;
  return { status: 200, headers: headers(nonce), body };
}

/** 400 / 404: a plain page, as the cashier has no trade to show. */
export function cashierErrorPage(status: number, message: string): CashierPage {
  const body = `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Alipay cashier (local)</title></head><body><p>${escapeHtml(message)}</p></body></html>`;
  return { status, headers: { 'content-type': 'text/html;charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'" }, body };
}
