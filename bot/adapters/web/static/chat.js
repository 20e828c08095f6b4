// 议事通 web chat: chat privately or in the group, see pushes arrive over the WebSocket;
// in the demo, switch between its people (the server records whom this browser speaks as).
// The session cookie is HttpOnly: this page never sees it. What it holds is the CSRF token
// that every request that acts must carry. No build step, no framework, no inline script.
// The residents' group is for bound residents: to anyone else it shows, locked, the
// server's line on how to 绑定 (the private chat with the bot works for everyone).
"use strict";
const state = { people: [], me: null, chat: null, group: "group:main", community: "", logs: {}, unread: {}, ws: null, csrf: "", personas: false, bound: true, locked: "", sites: [location.origin] };
const CSRF_HEADER = "X-Yishi-CSRF";
const $ = (id) => document.getElementById(id);

function chatsFor(me) {
  return [
    { id: me.user_id, title: "议事通（私聊）" },
    { id: state.group, title: `${state.community}居民群${state.bound ? "" : "（需绑定）"}` },
  ];
}

function log(chatId) { return (state.logs[chatId] ||= []); }

function addEntry(chatId, entry) {
  log(chatId).push(entry);
  if (chatId === state.chat) renderEntry(entry); else { state.unread[chatId] = (state.unread[chatId] || 0) + 1; renderChats(); }
}

// Addresses in the bot's words are taps (the 工作台 login link; a kept photo's link on a
// grid worker's card reads 查看照片). Only http(s) addresses of this site, or of the
// public address the server gives (state.sites), become links: any other address, a
// look-alike typed by someone, a javascript: or data: one, stays text. The words go in
// as text nodes and each link is an element built here: nothing is parsed as HTML.
const LINK = /https?:\/\/[A-Za-z0-9.:\[\]-]+(?:[/?#][A-Za-z0-9\-._~%!$&'()*+,;=:@/?#]*)?/g;
const PHOTO_PATH = /^\/media\/[0-9a-f]{32}\.(?:jpg|png|webp)$/;

function ownLink(address) {
  let url;
  try { url = new URL(address); } catch (err) { return null; }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.username || url.password || !state.sites.includes(url.origin)) return null;
  return url;
}

function fillText(bubble, text, linked) {
  let at = 0;
  for (const m of linked ? text.matchAll(LINK) : []) {
    const address = m[0].replace(/[.,;:!?'")\]]+$/, "");  // the sentence's, not the link's
    const url = ownLink(address);
    if (!url) continue;
    bubble.append(document.createTextNode(text.slice(at, m.index)));
    const a = document.createElement("a"); a.href = url.href; a.target = "_blank"; a.rel = "noopener noreferrer";
    const photo = PHOTO_PATH.test(url.pathname) && !url.search;
    a.className = photo ? "photo-link" : "link"; a.textContent = photo ? "查看照片" : address;
    bubble.append(a); at = m.index + address.length;
  }
  bubble.append(document.createTextNode(text.slice(at)));
}

function renderEntry(entry) {
  const box = $("messages");
  if (entry.kind === "system") {
    const div = document.createElement("div"); div.className = entry.locked ? "system locked" : "system"; div.textContent = entry.text; box.appendChild(div);
  } else {
    const row = document.createElement("div");
    row.className = `row ${entry.kind}`;
    const avatar = document.createElement("div"); avatar.className = "avatar"; avatar.textContent = (entry.name || "?").slice(0, 1);
    const body = document.createElement("div"); body.className = "body";
    const name = document.createElement("div"); name.className = "name"; name.textContent = entry.name || "";
    const bubble = document.createElement("div"); bubble.className = "bubble" + (entry.push ? " push" : "");
    if (entry.photo) {
      const link = document.createElement("a"); link.href = entry.photo; link.target = "_blank"; link.rel = "noopener";
      const img = document.createElement("img"); img.src = entry.photo; img.alt = entry.text || "照片";
      link.appendChild(img); bubble.appendChild(link);
    } else fillText(bubble, entry.text || "", entry.kind === "bot");
    body.append(name, bubble);
    if (entry.buttons && entry.buttons.length) {
      const bar = document.createElement("div"); bar.className = "buttons";
      for (const b of entry.buttons) {
        const btn = document.createElement("button"); btn.type = "button"; btn.textContent = b.label;
        btn.addEventListener("click", () => send(b.data, b.private === true, entry.for));
        bar.appendChild(btn);
      }
      body.appendChild(bar);
    }
    row.append(avatar, body);
    box.appendChild(row);
  }
  box.scrollTop = box.scrollHeight;
}

function renderChats() {
  const ul = $("chats"); ul.innerHTML = "";
  $("menu").classList.toggle("unread", Object.values(state.unread).some((n) => n > 0));
  for (const c of chatsFor(state.me)) {
    const li = document.createElement("li"); li.textContent = c.title; li.dataset.chat = c.id;
    if (c.id === state.chat) li.classList.add("active");
    if (c.id === state.group && !state.bound) li.classList.add("locked");
    if (state.unread[c.id]) { const b = document.createElement("span"); b.className = "badge"; b.textContent = state.unread[c.id]; li.appendChild(b); }
    li.addEventListener("click", () => openChat(c.id));
    ul.appendChild(li);
  }
}

function showList(open) {
  $("app").classList.toggle("list-open", open);
  $("menu").setAttribute("aria-expanded", String(open));
}

function openChat(chatId) {
  state.chat = chatId; state.unread[chatId] = 0;
  showList(false);
  const c = chatsFor(state.me).find((x) => x.id === chatId);
  $("chat-title").textContent = c ? c.title : chatId;
  $("messages").innerHTML = "";
  const locked = chatId === state.group && !state.bound;
  for (const id of ["input", "send", "photo"]) $(id).disabled = locked;
  $("input").placeholder = locked ? "绑定后才能在居民群发言"
    : chatId === state.group ? "群里@议事通 提问，例如：@议事通 这个月议事日是哪天"
    : "输入消息，例如：帮助";
  if (locked) renderEntry({ kind: "system", text: state.locked, locked: true });
  else for (const e of log(chatId)) renderEntry(e);
  renderChats();
  if (!matchMedia("(max-width: 640px)").matches) $("input").focus();
}

function botEntry(reply, push) {
  // for: in the group, whom the card answered (its buttons are theirs alone).
  // ref: the outbox entry a push came from, the same in the history and live.
  return { kind: "bot", name: "议事通", text: reply.text, buttons: reply.buttons, push, for: reply.for, ref: reply.ref };
}

// Messages leave one after another, each once the last is answered: typed quickly
// ("东门", then "确认提交" before the first is answered), the bot reads them in order.
let outgoing = Promise.resolve();

// private: a button (a vote, a sign-up) whose press in a group stays between this person and the bot.
// cardOf: the person a group card answered, for a press on its buttons (the server refuses anyone else).
function send(text, private_ = false, cardOf = undefined) {
  text = text.trim(); if (!text) return;
  const chatId = state.chat;
  // A card's button is shown as its words, without the stamp it carries ("确认提交 v3f2a1c").
  addEntry(chatId, { kind: "me", name: state.me.name, text: text.replace(/\s+v[0-9a-f]{6}$/i, "") });
  // sender_id: who this tab shows; the server refuses (409) if another tab switched persona.
  const body = { sender_id: state.me.user_id, chat_id: chatId, text, message_id: crypto.randomUUID(), private: private_ };
  if (cardOf && chatId === state.group) body.card_of = cardOf;
  outgoing = outgoing.then(() => deliver(chatId, body, private_));
}

async function deliver(chatId, body, private_) {
  try {
    const resp = await postJson("/api/messages", body);
    const data = await resp.json();
    if (resp.status === 409) { addEntry(chatId, { kind: "system", text: "您在另一个标签页换了身份，请刷新本页再发。" }); return; }
    if (!resp.ok) { addEntry(chatId, { kind: "system", text: data.error || "发送失败" }); return; }
    for (const r of data.replies) addEntry(r.chat_id || chatId, botEntry(r, false));
    if (!state.bound) await refreshStanding();  // 绑定 just now opens the group
    // A vote typed in the group is answered privately, and the group is not shown it.
    if (chatId === state.group && !private_ && data.replies.length
        && data.replies.every((r) => r.chat_id && r.chat_id !== chatId)) {
      addEntry(chatId, { kind: "system", text: "这条只有您和议事通看得到，回复在“议事通（私聊）”里。" });
    }
  } catch (err) {
    addEntry(chatId, { kind: "system", text: "网络不通，请稍后再试" });
  }
}

// A photo goes up as multipart (checked and kept by the server), then shows in the chat.
async function sendPhoto(file) {
  const chatId = state.chat;
  const form = new FormData();
  form.append("chat_id", chatId); form.append("message_id", crypto.randomUUID()); form.append("photo", file);
  try {
    const resp = await fetch("/api/photos", { method: "POST", headers: { [CSRF_HEADER]: state.csrf }, body: form });
    const data = await resp.json();
    if (!resp.ok) { addEntry(chatId, { kind: "system", text: data.error || "照片没发出去" }); return; }
    addEntry(chatId, { kind: "me", name: state.me.name, text: "[照片]", photo: data.photo });
    for (const r of data.replies) addEntry(r.chat_id || chatId, botEntry(r, false));
  } catch (err) {
    addEntry(chatId, { kind: "system", text: "网络不通，请稍后再试" });
  }
}

// The WebSocket comes back by itself after a restart or a lost connection (1 s, 2 s, …
// up to 30 s apart), and then both chats are read again from the server, so nothing
// pushed while it was away is missed.
// connect() resolves once the socket is open (or has failed: the page works without it).
let reconnects = 0;
function connect() {
  if (state.ws) { state.ws.onclose = null; state.ws.close(); }
  const proto = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${proto}://${location.host}/api/ws`);
  let opened;
  const open = new Promise((resolve) => { opened = resolve; setTimeout(resolve, 5000); });
  ws.onopen = () => { if (reconnects > 0) resync(); reconnects = 0; opened(); };
  ws.onmessage = (ev) => {
    const event = JSON.parse(ev.data);
    if (event.type === "push") addEntry(event.chat_id, botEntry(event.reply, true));
    else if (event.type === "group_message") addEntry(event.chat_id, { kind: "other", name: event.sender_name, text: event.text, photo: event.photo });
    else if (event.type === "bot_replies") for (const r of event.replies) addEntry(event.chat_id, botEntry(r, false));
  };
  ws.onclose = () => {
    opened();
    if (state.ws !== ws) return;
    if (reconnects === 0) addEntry(state.chat, { kind: "system", text: "连接断开了，正在重新连接…" });
    const delay = Math.min(30000, 1000 * 2 ** reconnects);
    reconnects += 1;
    setTimeout(() => { if (state.ws === ws) connect(); }, delay);
  };
  state.ws = ws;
  return open;
}

// The conversation is kept on the server: a reload or a persona switch shows it again.
async function fetchHistory(chatId) {
  const resp = await fetch(`/api/history?chat_id=${encodeURIComponent(chatId)}`);
  if (!resp.ok) return null;
  const data = await resp.json();
  return data.entries.map((e) => e.kind === "bot" ? botEntry(e, e.push)
    : e.kind === "me" ? { kind: "me", name: state.me.name, text: e.text, photo: e.photo }
    : { kind: "other", name: e.name, text: e.text, photo: e.photo });
}

// The server's history of these chats replaces what the page shows, followed by what was
// heard live while it was read; a push both in the history and heard live (the same ref)
// is shown once. Read with the socket open, nothing pushed meanwhile is missed.
async function reload(ids) {
  const since = ids.map((id) => log(id).length);
  const found = await Promise.all(ids.map(fetchHistory));
  ids.forEach((id, i) => {
    if (!found[i]) return;
    const known = new Set(found[i].map((e) => e.ref).filter(Boolean));
    const live = log(id).slice(since[i]).filter((e) => !e.ref || !known.has(e.ref));
    state.logs[id] = found[i].concat(live);
  });
}

function ownChats() { return state.bound ? [state.me.user_id, state.group] : [state.me.user_id]; }

// Back after a break: the server's history replaces what this page shows.
async function resync() {
  await reload(ownChats());
  openChat(state.chat);
}

function postJson(path, body) {
  return fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", [CSRF_HEADER]: state.csrf },
    body: JSON.stringify(body),
  });
}

// Whether this browser speaks as a bound resident (the group is theirs) and, if not, the
// server's line on how to 绑定, shown in the group's place.
function setStanding(me) { state.bound = me.bound !== false; state.locked = me.group_locked || ""; }

// After a private message while not bound: a 绑定 that just worked opens the group.
async function refreshStanding() {
  const resp = await fetch("/api/session");
  if (!resp.ok) return;
  const me = await resp.json();
  if (!me.bound || me.user_id !== state.me.user_id) return;
  setStanding(me);
  state.me.name = me.name;
  const option = [...$("person").options].find((o) => o.value === me.user_id);
  if (option) option.textContent = me.name;
  await reload([state.group]);
  renderChats();
}

async function become(userId) {
  const person = state.people.find((p) => p.user_id === userId);
  let name = person.name;
  if (state.personas) {
    // The visitor is this browser itself, bound to no resident (null: no persona).
    const resp = await postJson("/api/persona", { user_id: person.visitor ? null : userId });
    if (!resp.ok) return;
    const me = await resp.json();
    setStanding(me);
    name = me.name;  // how its own words are signed (a visitor: 居民·1a2b)
  }
  state.me = { ...person, name };
  // Nothing can be typed until the page is live again (openChat opens the composer).
  for (const id of ["input", "send", "photo"]) $(id).disabled = true;
  state.logs = {}; state.unread = {}; reconnects = 0;
  await connect();  // first: a push sent while the history is read is heard
  await reload(ownChats());
  openChat(state.me.user_id);
  document.body.dataset.speaker = userId;  // ready: whom the page speaks as, live
}

const ROLE_ZH = { moderator: "社区工作者", grid_worker: "网格员", committee: "协商委员" };

async function init() {
  const resp = await fetch("/api/people");
  const data = await resp.json();
  state.community = data.community; state.group = data.group;
  state.csrf = data.me.csrf_token; state.personas = data.me.personas;
  if (data.site && !state.sites.includes(data.site)) state.sites.push(data.site);
  setStanding(data.me);
  state.people = data.people.length ? data.people : [{ user_id: data.me.user_id, name: data.me.name, roles: [] }];
  const select = $("person");
  for (const p of state.people) {
    const opt = document.createElement("option"); opt.value = p.user_id;
    const roles = p.roles.map((r) => ROLE_ZH[r]).filter(Boolean);
    const standing = roles.length ? `（${roles.join("、")}）`
      : p.verified === true ? "（居民）" : p.verified === false ? "（未认证）" : "";
    opt.textContent = p.name + standing;
    select.appendChild(opt);
  }
  select.addEventListener("change", () => become(select.value));
  $("photo").addEventListener("change", () => { const f = $("photo").files[0]; $("photo").value = ""; if (f) sendPhoto(f); });
  $("menu").addEventListener("click", () => showList(!$("app").classList.contains("list-open")));
  $("messages").addEventListener("click", () => showList(false));
  $("composer").addEventListener("submit", (ev) => { ev.preventDefault(); const v = $("input").value; $("input").value = ""; send(v); });
  // A new browser starts as the demo's first person; one that chose the visitor stays it.
  const found = state.people.find((p) => p.user_id === data.me.user_id);
  const current = found && !(found.visitor && data.new) ? found : state.people[0];
  select.value = current.user_id;
  await become(current.user_id);
}

init();
