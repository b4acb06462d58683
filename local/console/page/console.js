// The local console's page: plain DOM, no framework, no build step. Every value from the cloud is
// put in the page as text (textContent), never as HTML: table rows hold whatever users stored.
'use strict';

const API = '/_local/api';
/** Rows per table page: the API's default page (local/console/rows.ts PAGE_ROWS). */
const PAGE_ROWS = 100;
/** Log lines kept in the page; older ones drop off. */
const MAX_LOG_LINES = 5000;

const $ = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text nodes). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** JSON from the console API; a refusal becomes an Error with the API's message. POSTs carry the console's header. */
async function api(path, body) {
  const init =
    body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json', 'x-local-console': '1' }, body: JSON.stringify(body) };
  const res = await fetch(`${API}${path}`, init);
  let answer = {};
  try {
    answer = await res.json();
  } catch {
    // not JSON: fall through to the status
  }
  if (!res.ok) throw new Error(answer.error ? `${answer.error.message} (${answer.error.code})` : `HTTP ${res.status}`);
  return answer;
}

let busyCount = 0;
/** Runs `work`; errors go to the status line. `data-busy` marks the page as settling (tests wait on it). */
async function busy(work) {
  busyCount++;
  document.body.dataset.busy = '1';
  try {
    await work();
    setStatus('');
  } catch (e) {
    setStatus(e.message || String(e));
  } finally {
    if (--busyCount === 0) delete document.body.dataset.busy;
  }
}

function setStatus(text) {
  $('status').textContent = text;
  $('status').hidden = text === '';
}

// ---- tabs -----------------------------------------------------------------------------------

const TABS = ['stack', 'tables', 'logs', 'dev'];
function showTab() {
  const wanted = location.hash.slice(1);
  const tab = TABS.includes(wanted) ? wanted : 'stack';
  for (const panel of document.querySelectorAll('[data-panel]')) panel.hidden = panel.dataset.panel !== tab;
  for (const link of document.querySelectorAll('[data-tab]')) link.setAttribute('aria-selected', String(link.dataset.tab === tab));
  if (tab === 'tables') busy(loadTables);
  if (tab === 'dev') busy(loadTrades);
}
window.addEventListener('hashchange', showTab);

// ---- stack ----------------------------------------------------------------------------------

async function loadStack() {
  const { resources, outputs } = await api('/stack');
  $('resource-count').textContent = `${resources.length}`;
  $('resources').replaceChildren(
    ...resources.map((r) =>
      el(
        'tr',
        { 'data-testid': 'resource' },
        el('td', { class: 'mono' }, r.logicalId),
        el('td', { class: 'type' }, r.type),
        el('td', { class: 'mono' }, r.physicalName ?? ''),
        el('td', { class: 'mono small' }, breakable(r.arn ?? '')),
      ),
    ),
  );
  $('outputs').replaceChildren(
    ...Object.entries(outputs).flatMap(([k, v]) => [
      el('dt', {}, k),
      el('dd', { class: 'mono', 'data-testid': `output-${k}` }, typeof v === 'string' ? v : JSON.stringify(v)),
    ]),
  );
  $('endpoint').textContent = outputs.endpoint ?? '';
}

/** An ARN or URL with line-break opportunities after its separators, so it wraps between parts, not mid-name. */
function breakable(text) {
  return text.split(/(?<=[:/])/).flatMap((part, i) => (i === 0 ? [part] : [el('wbr'), part]));
}

// ---- tables ---------------------------------------------------------------------------------

const tablesState = { tables: [], current: undefined, cursors: [undefined], page: 0, next: undefined };

async function loadTables() {
  const { tables } = await api('/tables');
  tablesState.tables = tables;
  $('table-list').replaceChildren(
    ...tables.map((t) =>
      el(
        'li',
        {},
        el(
          'button',
          {
            class: t.name === tablesState.current ? 'table-pick selected' : 'table-pick',
            'data-testid': `table-${t.name}`,
            onclick: () => busy(() => openTable(t.name)),
          },
          el('span', { class: 'table-name' }, t.name),
          el('span', { class: 'muted small' }, `${t.storedRows.toLocaleString('en')} ${t.storedRows === 1 ? 'row' : 'rows'}`),
          t.role ? el('span', { class: 'tag' }, t.role) : null,
        ),
      ),
    ),
  );
  if (tablesState.current) await loadPage();
}

async function openTable(name) {
  tablesState.current = name;
  tablesState.cursors = [undefined];
  tablesState.page = 0;
  for (const b of document.querySelectorAll('.table-pick')) b.classList.toggle('selected', b.dataset.testid === `table-${name}`);
  await loadPage();
}

async function loadPage() {
  const { current, cursors, page } = tablesState;
  const cursor = cursors[page];
  const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
  const answer = await api(`/tables/${encodeURIComponent(current)}/rows${query}`);
  tablesState.next = answer.next;
  const info = tablesState.tables.find((t) => t.name === current);
  $('table-title').textContent = current;
  $('table-schema').textContent = `key (${answer.primaryKey.map((k) => `${k.name} ${k.type}`).join(', ')})`;
  $('table-note').textContent =
    info && info.role === 'sessions'
      ? 'The sessions table: its key (a hash of the session id) is shown as a prefix only.'
      : info && info.timeToLive > 0
        ? `Rows expire ${info.timeToLive} s after they were written.`
        : '';
  const first = page * PAGE_ROWS + 1;
  $('page-info').textContent = answer.rows.length
    ? `page ${page + 1} · rows ${first.toLocaleString('en')}–${(first + answer.rows.length - 1).toLocaleString('en')}${info ? ` of ${info.storedRows.toLocaleString('en')}` : ''}`
    : 'no rows';
  $('prev-page').disabled = page === 0;
  $('next-page').disabled = !answer.next;
  const keys = new Set(answer.primaryKey.map((k) => k.name));
  $('rows-head').replaceChildren(el('tr', {}, el('th', { class: 'num' }, '#'), ...answer.columns.map((c) => el('th', { class: keys.has(c) ? 'key' : '' }, c))));
  $('rows-body').replaceChildren(
    ...answer.rows.map((row, i) =>
      el(
        'tr',
        { 'data-testid': 'row' },
        el('td', { class: 'num muted' }, first + i),
        ...answer.columns.map((c) => cell(c, keys.has(c) ? row.key[c] : row.columns[c], keys.has(c))),
      ),
    ),
  );
  if (!answer.rows.length)
    $('rows-body').replaceChildren(el('tr', {}, el('td', { colspan: answer.columns.length + 1, class: 'muted empty' }, 'This table is empty.')));
}

/** One shown value (see local/console/masking.ts ShownValue). */
function cell(column, v, isKey) {
  const cls = isKey ? 'key' : '';
  if (v === undefined) return el('td', { class: `${cls} absent` });
  if (typeof v === 'object') {
    if ('masked' in v) return el('td', { class: `${cls} mono` }, el('span', { class: 'masked', title: 'masked: only a prefix is shown' }, v.masked));
    if ('redacted' in v) return el('td', { class: cls }, el('span', { class: 'redacted', title: 'a secret: never shown' }, 'redacted'));
    if ('binary' in v) return el('td', { class: `${cls} mono small`, title: `${v.bytes} bytes, base64` }, `${v.binary}${v.bytes > 48 ? '…' : ''}`);
    if ('int' in v) return el('td', { class: `${cls} num mono` }, v.int);
  }
  if (typeof v === 'number') {
    // Times are stored as epoch milliseconds (createdAt, expiresAt, …): shown as dates, the number on hover.
    if (/At$/.test(column) && v > 1e12 && v < 1e13)
      return el('td', { class: `${cls} mono small`, title: String(v) }, new Date(v).toISOString().replace('T', ' '));
    return el('td', { class: `${cls} num mono` }, v);
  }
  if (typeof v === 'boolean') return el('td', { class: `${cls} mono` }, String(v));
  return el('td', { class: `${cls} text`, title: v.length > 60 ? v : undefined }, v);
}

$('prev-page').addEventListener('click', () =>
  busy(async () => {
    tablesState.page = Math.max(0, tablesState.page - 1);
    await loadPage();
  }),
);
$('next-page').addEventListener('click', () =>
  busy(async () => {
    if (!tablesState.next) return;
    tablesState.cursors[tablesState.page + 1] = tablesState.next;
    tablesState.cursors.length = tablesState.page + 2;
    tablesState.page++;
    await loadPage();
  }),
);
$('refresh-rows').addEventListener('click', () => busy(loadTables));

// ---- logs -----------------------------------------------------------------------------------

const logs = { entries: [], functions: new Set(), paused: false };

function logMatches(entry) {
  const fn = $('filter-function').value;
  const rid = $('filter-request').value.trim().toLowerCase();
  const f = entry.fields;
  if (fn && (!f || f.function !== fn)) return false;
  if (rid && !(f && typeof f.requestId === 'string' ? f.requestId.toLowerCase().includes(rid) : entry.text.toLowerCase().includes(rid))) return false;
  return true;
}

const KNOWN_FIELDS = new Set(['function', 'op', 'outcome', 'ms', 'requestId']);
function logRow(entry) {
  const f = entry.fields;
  // History lines carry no time of their own: they came before the page connected.
  const time = entry.at ? localTime(new Date(entry.at)) : 'earlier';
  if (!f)
    return el(
      'tr',
      { class: 'plain', 'data-testid': 'log-line' },
      el('td', { class: 'mono small muted' }, time),
      el('td', { colspan: 5 }),
      el('td', { class: 'mono small details' }, entry.text),
    );
  const rest = Object.entries(f)
    .filter(([k]) => !KNOWN_FIELDS.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('  ');
  const rid = typeof f.requestId === 'string' ? f.requestId : '';
  return el(
    'tr',
    { 'data-testid': 'log-line', 'data-function': f.function ?? '', 'data-request-id': rid, class: f.outcome === 'error' ? 'error' : '' },
    el('td', { class: 'mono small muted' }, time),
    el('td', { class: 'fn' }, f.function ?? ''),
    el('td', { class: 'mono small' }, f.op ?? ''),
    el('td', {}, f.outcome ? el('span', { class: `pill ${f.outcome === 'ok' ? 'ok' : 'bad'}` }, f.outcome) : ''),
    el('td', { class: 'num mono small' }, f.ms ?? ''),
    el(
      'td',
      { class: 'mono small' },
      rid ? el('a', { href: '#logs', class: 'rid', title: 'Show only this request', onclick: (ev) => (ev.preventDefault(), filterRequest(rid)) }, rid) : '',
    ),
    el('td', { class: 'mono small details', title: entry.text }, rest),
  );
}

/** HH:MM:SS.mmm on this machine's clock, as a terminal running npm start would show it. */
function localTime(d) {
  return `${d.toTimeString().slice(0, 8)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function filterRequest(rid) {
  $('filter-request').value = rid;
  renderLogs();
}

function renderLogs() {
  const shown = logs.entries.filter(logMatches);
  $('log-body').replaceChildren(...shown.slice(-1000).reverse().map(logRow));
  $('log-shown').textContent = `${shown.length.toLocaleString('en')} of ${logs.entries.length.toLocaleString('en')} lines`;
  $('log-count').textContent = logs.entries.length > 999 ? '999+' : String(logs.entries.length);
}

function addLog(entry) {
  logs.entries.push(entry);
  if (logs.entries.length > MAX_LOG_LINES) logs.entries.splice(0, logs.entries.length - MAX_LOG_LINES);
  const fn = entry.fields && entry.fields.function;
  if (typeof fn === 'string' && !logs.functions.has(fn)) {
    logs.functions.add(fn);
    const select = $('filter-function');
    const options = [...logs.functions].sort().map((name) => el('option', { value: name }, name));
    const chosen = select.value;
    select.replaceChildren(el('option', { value: '' }, 'all functions'), ...options);
    select.value = chosen;
  }
  if (logs.paused) return;
  if (logMatches(entry)) {
    $('log-body').prepend(logRow(entry));
    while ($('log-body').childElementCount > 1000) $('log-body').lastElementChild.remove();
  }
  const shown = $('log-shown');
  shown.textContent = `${logs.entries.filter(logMatches).length.toLocaleString('en')} of ${logs.entries.length.toLocaleString('en')} lines`;
  $('log-count').textContent = logs.entries.length > 999 ? '999+' : String(logs.entries.length);
}

function connectLogs() {
  const source = new EventSource(`${API}/logs`);
  const live = $('live');
  source.addEventListener('open', () => {
    live.dataset.state = 'live';
    live.textContent = 'live';
  });
  source.addEventListener('error', () => {
    live.dataset.state = 'down';
    live.textContent = 'reconnecting…';
  });
  // Every connection starts with the history again: start the list afresh.
  source.addEventListener('hello', () => {
    logs.entries = [];
    renderLogs();
  });
  source.addEventListener('log', (ev) => addLog(JSON.parse(ev.data)));
}

$('filter-function').addEventListener('change', renderLogs);
$('filter-request').addEventListener('input', renderLogs);
$('clear-filters').addEventListener('click', () => {
  $('filter-function').value = '';
  $('filter-request').value = '';
  renderLogs();
});
$('clear-logs').addEventListener('click', () => {
  logs.entries = [];
  renderLogs();
});
$('pause').addEventListener('change', (ev) => {
  logs.paused = ev.target.checked;
  if (!logs.paused) renderLogs();
});

// ---- dev tools ------------------------------------------------------------------------------

$('auth-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  busy(async () => {
    $('auth-code').textContent = '';
    $('copy-code').hidden = true;
    const ids = {};
    if ($('auth-user').value.trim()) ids.userId = $('auth-user').value.trim();
    if ($('auth-open').value.trim()) ids.openId = $('auth-open').value.trim();
    const { authCode } = await api('/auth-code', ids);
    $('auth-code').textContent = authCode;
    $('copy-code').hidden = false;
  });
});
$('copy-code').addEventListener('click', () => navigator.clipboard?.writeText($('auth-code').textContent));

async function loadTrades() {
  const { trades, more } = await api('/trades');
  const rows = trades.map((t) =>
    el(
      'tr',
      { 'data-testid': 'trade', 'data-trade-no': t.tradeNo, 'data-order-id': t.orderId },
      el('td', { class: 'mono small nowrap' }, t.createdAt ? `${t.createdAt.replace('T', ' ').slice(0, 19)}Z` : ''),
      el('td', {}, t.title ?? ''),
      el('td', { class: 'num mono' }, t.amount ?? ''),
      el('td', { class: 'mono small', title: `order ${t.orderId}` }, t.tradeNo),
      el(
        'td',
        { class: 'actions' },
        el('button', { class: 'primary', 'data-testid': 'pay', onclick: () => busy(() => pay(t.tradeNo, 'paid')) }, 'Pay'),
        el('button', { 'data-testid': 'cancel', onclick: () => busy(() => pay(t.tradeNo, 'cancelled')) }, 'Cancel'),
      ),
    ),
  );
  if (!rows.length)
    rows.push(el('tr', {}, el('td', { colspan: 5, class: 'muted empty' }, 'No trade is waiting. Create an order in the demo or with the pay function.')));
  if (more) rows.push(el('tr', {}, el('td', { colspan: 5, class: 'muted small' }, 'Older waiting trades are not listed.')));
  $('trades').replaceChildren(...rows);
}

async function pay(tradeNo, outcome) {
  const answer = await api('/pay', { tradeNo, outcome });
  const result = $('pay-result');
  result.dataset.code = answer.resultCode;
  result.textContent = `${tradeNo}: resultCode ${answer.resultCode} (${answer.meaning})${answer.resultCode === '9000' && !answer.notified ? '; the notification is still on its way' : ''}`;
  await loadTrades();
}
$('refresh-trades').addEventListener('click', () => busy(loadTrades));

// ---- start ----------------------------------------------------------------------------------

setStatus('');
connectLogs();
busy(loadStack);
showTab();
