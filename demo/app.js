// The todo demo: the built client bundle, a fetch transport, and plain DOM. Data shape per todo:
// {id, text, done} plus the server's uid/createdAt/updatedAt/version. Above the list, who is logged
// in (client.me()) and a stand-in for my.getPhoneNumber that shares a mobile number; below it,
// buying Todo Pro (client.pay) through the Alipay emulator's cashier, and the account's orders.
import { createClient, fetchTransport, isClientError } from './miniapp-client.js';

const PAGE_SIZE = 5;
const $ = (id) => document.getElementById(id);

const outputs = await (await fetch('./config.json')).json();
// Same origin as this page, so the browser needs no CORS: the FC API, and the session trigger under
// FC's /proxy/ path (the address the 2020 client used), are on the port that serves /demo/.
// SessionUrl itself is the trigger's own root URL, a different origin here as fcapp.run is in the cloud.
const sessionPath = `/2016-08-15/proxy/${outputs.ServiceName}/${outputs.SessionFunctionName}/`;
const config = { ...outputs, endpoint: location.origin, SessionUrl: location.origin + sessionPath };
const client = createClient(config, fetchTransport(fetch), { storage: localStorage, onChange: (s) => s || showLogin() });

// Cursor of each page seen so far: cursors[i] opens page i (page 0 has none), so Prev needs no server support.
let cursors = [undefined];
let pageIndex = 0;

function say(message) {
  $('status').textContent = message || '';
}

function fail(e) {
  if (isClientError(e, 'SessionInvalid')) return say('Your session ended: log in again.');
  if (isClientError(e, 'Conflict')) {
    say('Changed elsewhere in the meantime: reloaded.');
    return render();
  }
  say(isClientError(e) ? `${e.code}: ${e.message}` : String(e));
}

function showLogin() {
  $('app').hidden = true;
  $('login').hidden = false;
}

/** The todo list and who is logged in; `data-busy` until both are shown. */
function showApp() {
  return busy(async () => {
    $('login').hidden = true;
    $('app').hidden = false;
    $('who').textContent = localStorage.getItem('demo.user') || '';
    for (const id of ['account-id', 'alipay-ids', 'mobile']) $(id).textContent = '';
    cursors = [undefined];
    pageIndex = 0;
    await Promise.all([render(), showAccount(), showPro()]);
  });
}

const ID_NAMES = { userId: 'user id', openId: 'open id', unionId: 'union id' };

async function showAccount() {
  const me = await client.me();
  $('account-id').textContent = me.accountId;
  $('alipay-ids').textContent = Object.keys(ID_NAMES)
    .filter((k) => me[k])
    .map((k) => `${ID_NAMES[k]} ${me[k]}`)
    .join(', ');
  $('mobile').textContent = me.mobile || 'not shared';
}

async function render() {
  const page = await client.list({ limit: PAGE_SIZE, cursor: cursors[pageIndex] });
  if (page.data.length === 0 && pageIndex > 0) {
    pageIndex--; // the last item of a trailing page was removed
    return render();
  }
  cursors[pageIndex + 1] = page.cursor ?? undefined;
  const list = $('todos');
  list.replaceChildren(...page.data.map(todoItem));
  $('prev').disabled = pageIndex === 0;
  $('next').disabled = !page.cursor;
  $('page').textContent = `page ${pageIndex + 1}`;
}

function todoItem(todo) {
  const li = document.createElement('li');
  li.dataset.testid = 'todo';
  li.dataset.id = todo.id;
  li.className = todo.done ? 'done' : '';

  const check = document.createElement('input');
  check.type = 'checkbox';
  check.checked = !!todo.done;
  check.dataset.testid = 'toggle';
  check.onchange = () => act(() => client.update({ id: todo.id, done: check.checked }, { ifVersion: todo.version }));

  const text = document.createElement('span');
  text.className = 'text';
  text.dataset.testid = 'text';
  text.textContent = todo.text;

  const edit = document.createElement('button');
  edit.textContent = 'Edit';
  edit.dataset.testid = 'edit';
  edit.onclick = () => {
    const input = document.createElement('input');
    input.type = 'text';
    input.value = todo.text;
    input.dataset.testid = 'edit-text';
    let saved = false; // Enter, then the blur of the replaced input: save once
    const save = () => saved || ((saved = true), act(() => client.update({ id: todo.id, text: input.value.trim() || todo.text }, { ifVersion: todo.version })));
    input.onkeydown = (e) => e.key === 'Enter' && save();
    input.onblur = save;
    text.replaceWith(input);
    input.focus();
  };

  const remove = document.createElement('button');
  remove.textContent = 'Remove';
  remove.dataset.testid = 'remove';
  remove.onclick = () => act(() => client.remove(todo.id, { ifVersion: todo.version }));

  li.append(check, text, edit, remove);
  return li;
}

const PRO_SKU = 'pro';
const ORDERS_SHOWN = 10;

/**
 * The upgrade box: the product's title and price from client.catalog(), and the account's orders.
 * Stays hidden on a stack without payments (its outputs have no PayServiceName).
 */
async function showPro() {
  $('pro').hidden = true;
  $('pay-result').textContent = '';
  delete $('pay-result').dataset.status;
  if (!config.PayServiceName) return;
  const pro = (await client.catalog()).find((p) => p.sku === PRO_SKU);
  if (!pro) return;
  $('buy').textContent = `Buy ${pro.title}`;
  $('price').textContent = `¥${pro.amount}`;
  $('buy').disabled = false;
  $('pro').hidden = false;
  await showOrders();
}

/** The newest orders of the account: status, amount, when it was placed. */
async function showOrders() {
  const page = await client.orders({ limit: ORDERS_SHOWN });
  $('orders').replaceChildren(...page.data.map(orderItem));
}

function orderItem(order) {
  const li = document.createElement('li');
  li.dataset.testid = 'order';
  li.dataset.orderId = order.orderId;
  li.dataset.status = order.status;
  const cell = (testid, text, title) => {
    const span = document.createElement('span');
    span.className = testid;
    span.dataset.testid = testid;
    span.textContent = text;
    if (title) span.title = title;
    return span;
  };
  li.append(
    cell('order-status', order.status),
    cell('order-amount', `¥${order.amount}`),
    cell('order-time', new Date(order.createdAt).toLocaleString(), order.createdAt),
  );
  return li;
}

/**
 * Stands in for my.tradePay: the Alipay emulator's cashier page in an overlay. Its Pay and Cancel
 * buttons tell the emulator, then post {type: 'alipay-cashier', tradeNo, resultCode} to this window.
 * Closing the overlay (a click beside it, Escape) is the buyer backing out: 6001, as Alipay says it.
 */
function cashierTradePay({ tradeNO }) {
  if (!outputs.cashierUrl) return Promise.reject(new Error('this local cloud offers no cashier page'));
  const origin = new URL(outputs.cashierUrl, location.href).origin;
  return new Promise((resolve) => {
    const overlay = document.createElement('div');
    overlay.className = 'overlay';
    overlay.dataset.testid = 'cashier';
    const frame = document.createElement('iframe');
    frame.title = 'Alipay cashier';
    frame.dataset.testid = 'cashier-frame';
    frame.src = `${outputs.cashierUrl}?tradeNo=${encodeURIComponent(tradeNO)}`;
    overlay.append(frame);

    const onMessage = (e) => {
      const data = e.data;
      // Any window may post here: only this cashier's answer about this trade counts.
      if (e.origin !== origin || e.source !== frame.contentWindow) return;
      if (!data || data.type !== 'alipay-cashier' || data.tradeNo !== tradeNO) return;
      finish(String(data.resultCode));
    };
    const onKey = (e) => e.key === 'Escape' && finish('6001');
    overlay.onclick = (e) => e.target === overlay && finish('6001');
    function finish(resultCode) {
      window.removeEventListener('message', onMessage);
      document.removeEventListener('keydown', onKey);
      overlay.remove();
      resolve({ resultCode });
    }
    window.addEventListener('message', onMessage);
    document.addEventListener('keydown', onKey);
    document.body.append(overlay);
  });
}

/** What became of the purchase, from the order as the server sees it after the cashier closed. */
function payOutcome(order, resultCode) {
  if (order.status === 'PAID') return `${order.title}: paid`;
  if (resultCode === '6001') return 'payment cancelled';
  return `${order.title}: not paid (cashier ${resultCode}, order ${order.status})`;
}

$('buy').onclick = () =>
  busy(async () => {
    $('buy').disabled = true; // one order per click
    $('pay-result').textContent = '';
    delete $('pay-result').dataset.status;
    let resultCode;
    let order;
    let failure;
    try {
      order = await client.pay(PRO_SKU, async (args) => {
        ({ resultCode } = await cashierTradePay(args));
        return { resultCode };
      });
    } catch (e) {
      failure = e;
    }
    $('buy').disabled = false;
    // Also after a failure: the order may have been created, and stays in the list.
    await showOrders().catch((e) => (failure ??= e));
    if (failure) throw failure;
    $('pay-result').textContent = payOutcome(order, resultCode);
    $('pay-result').dataset.status = order.status;
  });

/** Runs `work`; errors go to the status line. `data-busy` marks the page as settling (tests wait on it). */
async function busy(work) {
  say('');
  document.body.dataset.busy = '1';
  try {
    await work();
  } catch (e) {
    fail(e);
  } finally {
    delete document.body.dataset.busy;
  }
}

/** Runs a change, then shows the page again. */
const act = (change) =>
  busy(async () => {
    await change();
    await render();
  });

/** POSTs JSON to one of the Alipay emulator's development endpoints; answers its text, or throws its `{"error"}`. */
async function devPost(url, body) {
  if (!url) throw new Error('this local cloud does not offer that development endpoint');
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.ok) return text;
  let error;
  try {
    error = JSON.parse(text).error;
  } catch {
    // not JSON: report the status
  }
  throw new Error(typeof error === 'string' ? error : `${new URL(url).pathname}: HTTP ${res.status}`);
}

// Ids sort in creation order: base-36 milliseconds (fixed width until 2059) plus a random tail.
const newId = () => Date.now().toString(36).padStart(9, '0') + Math.random().toString(36).slice(2, 6);

$('add-form').onsubmit = (e) => {
  e.preventDefault();
  const text = $('new-text').value.trim();
  if (!text) return;
  $('new-text').value = '';
  act(() => client.put({ id: newId(), text, done: false }));
};

/** Which ids Alipay gives the app: a user id (2088…), an open id (newer appIds), or both (an app migrating). */
function loginIds() {
  const userId = $('user').value.trim();
  const openId = $('open-id').value.trim();
  const mode = $('id-mode').value;
  return mode === 'open_id' ? { openId } : mode === 'both' ? { userId, openId } : { userId };
}

function showIdFields() {
  const mode = $('id-mode').value;
  $('user-field').hidden = mode === 'open_id';
  $('open-id-field').hidden = mode === 'user_id';
}
$('id-mode').onchange = showIdFields;
showIdFields(); // a reload may keep the chosen mode

// Stands in for my.getAuthCode: the emulator's authCodeUrl issues a code for these ids.
$('login-button').onclick = async () => {
  say('');
  const ids = loginIds();
  try {
    const { authCode } = JSON.parse(await devPost(outputs.authCodeUrl, ids));
    await client.login(authCode);
  } catch (e) {
    return fail(e);
  }
  localStorage.setItem('demo.user', Object.values(ids).join(' / '));
  await showApp();
};

// Stands in for my.getPhoneNumber: the emulator's phoneNumberUrl signs and encrypts the number as
// Alipay does, and my.getPhoneNumber's success result carries that payload as JSON text in `response`.
$('share-phone').onclick = () =>
  busy(async () => {
    const response = await devPost(outputs.phoneNumberUrl, { mobile: $('mobile-input').value.trim() });
    $('mobile').textContent = await client.phoneNumber({ response });
  });

// The client's onChange(null) shows the login form, also when the server ends the session.
$('logout').onclick = () => client.logout().catch(fail);
$('prev').onclick = () => act(() => void pageIndex--);
$('next').onclick = () => act(() => void pageIndex++);

if (client.session) showApp();
else showLogin();
