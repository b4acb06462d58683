import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AlipaySdk } from 'alipay-sdk';
import { AlipayGatewayEmulator, generateKeyPair } from '../../local/alipay';

/**
 * Trades kept in `tradesFile` (JSON Lines in the state dir) survive a restart, as the Tablestore
 * data beside them does; without the option they live in memory only.
 */

const APP_ID = '2021000000000001';
const USER = '2088000000000001';
const app = generateKeyPair();
const alipay = generateKeyPair();

let dir = '';
let file = '';
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alipay-trades-'));
  file = path.join(dir, 'state', 'alipay-trades.jsonl');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** `null`: no tradesFile. */
async function start(tradesFile: string | null = file): Promise<AlipayGatewayEmulator> {
  const em = new AlipayGatewayEmulator({
    appId: APP_ID,
    appPublicKeyPem: app.publicKeyPem,
    gatewayPrivateKeyPem: alipay.privateKeyPem,
    ...(tradesFile && { tradesFile }),
  });
  await em.listen();
  return em;
}

const exec = (em: AlipayGatewayEmulator, method: string, bizContent: Record<string, unknown>) =>
  new AlipaySdk({ appId: APP_ID, privateKey: app.privateKeyPem, alipayPublicKey: alipay.publicKeyPem, gateway: em.gatewayUrl }).exec(
    method,
    { bizContent },
    { validateSign: true },
  );
const order = (outTradeNo: string) => ({ out_trade_no: outTradeNo, total_amount: '9.90', subject: 'Todo Pro', buyer_id: USER });
const create = async (em: AlipayGatewayEmulator, outTradeNo: string) => (await exec(em, 'alipay.trade.create', order(outTradeNo))).tradeNo as string;
const query = (em: AlipayGatewayEmulator, outTradeNo: string) => exec(em, 'alipay.trade.query', { out_trade_no: outTradeNo });
const pay = (em: AlipayGatewayEmulator, tradeNo: string) => fetch(em.payUrl, { method: 'POST', body: JSON.stringify({ tradeNo, outcome: 'paid' }) });

describe('tradesFile', () => {
  it('keeps every trade and its status across a restart', async () => {
    const first = await start();
    const waiting = await create(first, 'o_waiting');
    const paid = await create(first, 'o_paid');
    await pay(first, paid);
    await create(first, 'o_closed');
    await exec(first, 'alipay.trade.close', { out_trade_no: 'o_closed' });
    const refunded = await create(first, 'o_refunded');
    await pay(first, refunded);
    await fetch(first.refundUrl, { method: 'POST', body: JSON.stringify({ tradeNo: refunded }) });
    const before = await Promise.all(['o_waiting', 'o_paid', 'o_closed', 'o_refunded'].map((o) => query(first, o)));
    await first.close();

    const second = await start();
    try {
      const after = await Promise.all(['o_waiting', 'o_paid', 'o_closed', 'o_refunded'].map((o) => query(second, o)));
      const strip = ({ traceId: _t, ...rest }: Record<string, unknown>) => rest;
      expect(after.map(strip)).toEqual(before.map(strip));
      expect(after.map((a) => a.tradeStatus)).toEqual(['WAIT_BUYER_PAY', 'TRADE_SUCCESS', 'TRADE_CLOSED', 'TRADE_CLOSED']);
      // Retry-safe across the restart, and the rules still hold.
      expect(await create(second, 'o_waiting')).toBe(waiting);
      await expect(exec(second, 'alipay.trade.create', order('o_paid'))).resolves.toMatchObject({ subCode: 'ACQ.TRADE_HAS_SUCCESS' });
      expect(await (await pay(second, waiting)).json()).toEqual({ resultCode: '9000' });
    } finally {
      await second.close();
    }
    const third = await start();
    await expect(query(third, 'o_waiting')).resolves.toMatchObject({ tradeStatus: 'TRADE_SUCCESS' });
    await third.close();
  });

  it('has the change on disk before it is acknowledged', async () => {
    const em = await start();
    try {
      const tradeNo = await create(em, 'o_1');
      const lines = () =>
        fs
          .readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { tradeNo: string; status: string });
      expect(lines()).toEqual([expect.objectContaining({ tradeNo, status: 'WAIT_BUYER_PAY' })]);
      await pay(em, tradeNo);
      expect(lines().map((l) => l.status)).toEqual(['WAIT_BUYER_PAY', 'TRADE_SUCCESS']);
      // A retried create changes nothing, so writes nothing.
      await create(em, 'o_1');
      expect(lines()).toHaveLength(2);
    } finally {
      await em.close();
    }
  });

  it('drops a torn last line (a crash mid-write) and keeps what was acknowledged', async () => {
    const first = await start();
    const tradeNo = await create(first, 'o_1');
    await first.close();
    fs.appendFileSync(file, '{"tradeNo":"2026');
    const second = await start();
    try {
      await expect(query(second, 'o_1')).resolves.toMatchObject({ tradeNo, tradeStatus: 'WAIT_BUYER_PAY' });
      expect(fs.readFileSync(file, 'utf8').endsWith('}\n')).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('refuses a file with an unreadable line in the middle, rather than silently losing trades', async () => {
    const first = await start();
    await create(first, 'o_1');
    await first.close();
    fs.writeFileSync(file, `not json\n${fs.readFileSync(file, 'utf8')}`);
    expect(
      () => new AlipayGatewayEmulator({ appId: APP_ID, appPublicKeyPem: app.publicKeyPem, gatewayPrivateKeyPem: alipay.privateKeyPem, tradesFile: file }),
    ).toThrow(/line 1 is not a trade/);
  });

  it('compacts superseded lines on open', async () => {
    const first = await start();
    for (let i = 0; i < 40; i++) {
      const tradeNo = await create(first, `o_${i}`);
      await pay(first, tradeNo);
      await fetch(first.refundUrl, { method: 'POST', body: JSON.stringify({ tradeNo }) });
    }
    await first.close();
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(120);
    const second = await start();
    try {
      expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(40);
      await expect(query(second, 'o_39')).resolves.toMatchObject({ tradeStatus: 'TRADE_CLOSED', buyerPayAmount: '9.90' });
      // Appends after compaction go to the new file.
      await create(second, 'o_new');
      expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(41);
    } finally {
      await second.close();
    }
  });
});

describe('without tradesFile', () => {
  it('keeps trades in memory only', async () => {
    const first = await start(null);
    await create(first, 'o_1');
    await first.close();
    const second = await start(null);
    try {
      await expect(query(second, 'o_1')).resolves.toMatchObject({ subCode: 'ACQ.TRADE_NOT_EXIST' });
    } finally {
      await second.close();
    }
  });
});
