// The todo demo: the built client bundle, a fetch transport, and plain DOM. Data shape per todo:
// {id, text, done} plus the server's uid/createdAt/updatedAt/version.
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

async function showApp() {
  $('login').hidden = true;
  $('app').hidden = false;
  $('who').textContent = localStorage.getItem('demo.user') || '';
  cursors = [undefined];
  pageIndex = 0;
  await render();
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

/** Runs a change, then shows the page again; errors go to the status line. `data-busy` marks the page as settling (tests wait on it). */
async function act(change) {
  say('');
  document.body.dataset.busy = '1';
  try {
    await change();
    await render();
  } catch (e) {
    fail(e);
  } finally {
    delete document.body.dataset.busy;
  }
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

$('login-button').onclick = async () => {
  say('');
  const userId = $('user').value.trim();
  try {
    const res = await fetch(outputs.authCodeUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId }) });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error || `auth code: HTTP ${res.status}`);
    await client.login(body.authCode);
    localStorage.setItem('demo.user', userId);
    await showApp();
  } catch (e) {
    fail(e);
  }
};

// The client's onChange(null) shows the login form, also when the server ends the session.
$('logout').onclick = () => client.logout().catch(fail);
$('prev').onclick = () => act(() => void pageIndex--);
$('next').onclick = () => act(() => void pageIndex++);

if (client.session) showApp().catch(fail);
else showLogin();
