// The idle lock in the page (policy T2; the rules live in bastion/accounts/idle.py).
//
// The server decides when a session is locked; this script keeps a countdown from what the server
// says, warns a minute before, then asks for the password (and a code) in a dialog over the page.
// The page itself is never reloaded, so whatever the user was typing stays in its fields, and a
// form sent while locked is held back and sent once unlocked. While locked, the content of <main>
// is taken out of the document (kept in a variable of this script, fields and all) so that no
// screen reader, devtools or text search finds it behind the dialog; unlocking puts it back.
// Nothing typed is copied anywhere: not to localStorage, not to sessionStorage (it may be
// personal data).

const TICK_MS = 1000;
const CHECK_EVERY_MS = 30_000; // ask the server how long is left (other tabs count as activity)
const RECHECK_MIN_MS = 5_000; // but not more often than this when the end looks near
const PING_EVERY_MS = 60_000; // report activity at most about once a minute
const WARN_BEFORE_MS = 60_000; // at most; half the limit when the school locks after a minute
const RECENT_MS = 5_000; // activity this recent means the user is here: no warning, a ping
const MOUSE_EVERY_MS = 5_000; // mouse movement is noticed at most this often
// Loading the page was activity, and no school locks after less than a minute (the server writes
// the time of activity every 15 s): until the first check, no lock can come sooner than this.
const EARLIEST_LOCK_MS = 45_000;
const ACTIVITY_EVENTS = ["keydown", "input", "pointerdown", "scroll", "wheel", "mousemove"];

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function startIdleLock(page = document.body) {
  const urls = {
    status: page.dataset.idleStatus,
    ping: page.dataset.idlePing,
    unlock: page.dataset.idleUnlock,
  };
  const csrf = page.dataset.csrf ?? "";
  const warning = document.getElementById("idle-warning");
  const lock = document.getElementById("idle-lock");
  // Signed out, or on the unlock page itself (which does this job without script).
  if (!urls.status || !warning || !lock) return;

  const el = (root, name) => root.querySelector(`[${name}]`);
  const countdown = el(warning, "data-idle-countdown");
  const unlockPart = el(lock, "data-idle-unlock-part");
  const signedOutPart = el(lock, "data-idle-signed-out");
  const signedOutText = el(lock, "data-idle-signed-out-text");
  const signInLink = el(lock, "data-idle-sign-in");
  const unlockForm = el(lock, "data-idle-unlock-form");
  const logoutForm = el(lock, "data-idle-logout");
  const errorBox = el(lock, "data-idle-error");
  const errorText = el(lock, "data-idle-error-text");
  const minutes = el(lock, "data-idle-minutes");
  const password = unlockForm.elements.password;
  const code = unlockForm.elements.code;
  const main = document.querySelector("main");

  const state = {
    deadline: Date.now() + EARLIEST_LOCK_MS, // when the server locks (a lower bound until known)
    known: false, // whether the deadline came from the server
    locked: false,
    signedOut: false,
    needsCode: false,
    lastCheck: Date.now(), // the first check comes with the periodic ones: the page just loaded
    lastPing: Date.now(), // loading the page was activity the server has seen
    lastActivity: 0,
    lastMouse: 0,
    checking: null, // the status check in flight, if any
    pinging: false,
    unlocking: false,
    sent: 0, // requests are numbered: an answer older than one already applied is ignored
    applied: 0,
    pending: null, // what was being sent when the lock came: {form, submitter} or {htmx}
    releasing: false,
    returnFocus: null,
    limitMs: 0, // the school's limit, once the server has said it
    hidden: null, // while locked: the content of <main>, out of the document
  };

  // With a short limit (a school may lock after one minute) the warning comes at half of it, and
  // activity is reported often enough to keep the session, so "Stay signed in" is not followed at
  // once by the warning again.
  const warnBefore = () =>
    state.limitMs ? Math.min(WARN_BEFORE_MS, state.limitMs / 2) : WARN_BEFORE_MS;
  const pingEvery = () =>
    state.limitMs ? Math.min(PING_EVERY_MS, Math.max(RECENT_MS, state.limitMs / 4)) : PING_EVERY_MS;

  async function call(url, { method = "GET", body } = {}) {
    const headers = { "X-Requested-With": "fetch", Accept: "application/json" };
    if (method !== "GET") headers["X-CSRFToken"] = csrf;
    const seq = ++state.sent;
    try {
      const response = await fetch(url, {
        method,
        body,
        headers,
        credentials: "same-origin",
        cache: "no-store",
      });
      let data = {};
      try {
        data = await response.json();
      } catch {
        data = {};
      }
      return { seq, status: response.status, data };
    } catch {
      return { seq, status: 0, data: {} };
    }
  }

  // What the server said (status, ping or a refused request) decides what the page shows.
  function apply({ seq, status, data }) {
    if (seq < state.applied || status === 0) return;
    state.applied = seq;
    if (typeof data.needs_code === "boolean") setNeedsCode(data.needs_code);
    if (typeof data.limit === "number") {
      state.limitMs = data.limit * 1000;
      minutes.textContent = plural(Math.round(data.limit / 60), "minute");
    }
    if (data.signed_out) return signOut(data.error, data.login_url);
    if (status === 401 || data.locked === true) return lockNow(status === 200);
    if (status !== 200 || typeof data.remaining !== "number") return;
    state.deadline = Date.now() + data.remaining * 1000;
    state.known = true;
    if (state.locked) return closeLock(false); // unlocked in another tab
    if (data.remaining * 1000 <= warnBefore()) openWarning();
    else closeWarning();
  }

  function check() {
    if (!state.checking) {
      state.lastCheck = Date.now();
      state.checking = call(urls.status).then((result) => {
        state.checking = null;
        apply(result);
      });
    }
    return state.checking;
  }

  async function ping() {
    if (state.pinging || state.locked || state.signedOut) return;
    state.pinging = true;
    const now = Date.now();
    state.lastPing = now;
    state.lastCheck = now; // the answer says how long is left, as a status check would
    const form = new FormData();
    form.append("idle_for", String(Math.max(0, Math.round((now - state.lastActivity) / 1000))));
    const result = await call(urls.ping, { method: "POST", body: form });
    state.pinging = false;
    apply(result);
  }

  function activity(event) {
    if (state.locked || state.signedOut || warning.open) return; // the dialogs speak for themselves
    const now = Date.now();
    if (event.type === "mousemove") {
      if (now - state.lastMouse < MOUSE_EVERY_MS) return;
      state.lastMouse = now;
    }
    state.lastActivity = now;
    if (now - state.lastPing >= pingEvery() && !state.checking) ping();
  }

  function tick() {
    if (state.signedOut) return;
    if (warning.open) showCountdown(Date.now());
    if (state.checking || state.pinging) return; // one request at a time is plenty
    const now = Date.now();
    const unreported = state.lastActivity > state.lastPing;
    if (
      !state.locked &&
      unreported &&
      now - state.lastPing >= pingEvery() &&
      now - state.lastActivity < pingEvery() // old activity is no reason to stay signed in
    ) {
      ping();
    } else {
      const since = now - state.lastCheck;
      const near =
        state.known && !state.locked && now >= state.deadline - warnBefore() && !warning.open;
      const over = !state.locked && now >= state.deadline;
      if (since >= CHECK_EVERY_MS || ((near || over) && since >= RECHECK_MIN_MS)) check();
    }
  }

  function showCountdown(now) {
    const seconds = Math.min(60, Math.max(0, Math.ceil((state.deadline - now) / 1000)));
    countdown.textContent = plural(seconds, "second");
  }

  function setNeedsCode(needed) {
    state.needsCode = needed;
    for (const part of lock.querySelectorAll("[data-idle-code]")) part.hidden = !needed;
  }

  function rememberFocus() {
    if (!warning.open && !lock.open) state.returnFocus = document.activeElement;
  }

  function restoreFocus() {
    const target = state.returnFocus;
    state.returnFocus = null;
    if (target && target.isConnected && document.activeElement !== target) target.focus();
  }

  function openWarning() {
    if (warning.open || state.locked || state.signedOut) return;
    // Someone typing is here: tell the server rather than take the keyboard from them.
    if (Date.now() - state.lastActivity < RECENT_MS) return void ping();
    rememberFocus();
    warning.returnValue = "";
    showCountdown(Date.now()); // before the dialog is announced
    warning.showModal();
  }

  function closeWarning() {
    if (warning.open) warning.close("auto");
  }

  function lockNow(fromStatus) {
    if (state.signedOut) return;
    if (!state.locked) {
      rememberFocus();
      state.locked = true;
      closeWarning();
      clearError();
      unlockForm.reset();
      lock.showModal();
      hidePage();
      password.focus();
    }
    if (!fromStatus) check(); // learn whether a code is needed
  }

  function closeLock(resend) {
    state.locked = false;
    unlockForm.reset();
    clearError();
    lock.close();
    showPage();
    restoreFocus();
    const pending = state.pending;
    state.pending = null;
    if (resend && pending) send(pending);
  }

  function signOut(message, loginUrl) {
    state.signedOut = true;
    state.locked = false;
    state.pending = null;
    closeWarning();
    clearInterval(timer);
    signedOutText.textContent =
      message ||
      "You have been signed out of Bastion (in another tab, or the session ended). " +
        "Sign in again to carry on.";
    const link = new URL(loginUrl || signInLink.getAttribute("href"), location.href);
    link.searchParams.set("next", location.pathname + location.search);
    signInLink.href = link.pathname + link.search;
    unlockPart.hidden = true;
    signedOutPart.hidden = false;
    if (!lock.open) lock.showModal();
    hidePage();
    signInLink.focus();
  }

  // The page's content leaves the document while locked; its nodes (with what was typed in them)
  // are only moved, never copied or serialised.
  function hidePage() {
    if (!main || state.hidden) return;
    const kept = document.createDocumentFragment();
    while (main.firstChild) kept.appendChild(main.firstChild);
    state.hidden = kept;
    main.setAttribute("aria-busy", "true");
  }

  function showPage() {
    if (!main || !state.hidden) return;
    main.appendChild(state.hidden);
    state.hidden = null;
    main.removeAttribute("aria-busy");
  }

  // Send again what the lock held back, exactly as the user sent it.
  function send(pending) {
    if (pending.htmx && window.htmx) {
      const { elt, target, requestConfig } = pending.htmx;
      window.htmx.ajax(requestConfig.verb, requestConfig.path, { source: elt, target });
      return;
    }
    const { form, submitter } = pending;
    if (!form || !form.isConnected) return;
    state.releasing = true;
    try {
      if (submitter && submitter.form === form) form.requestSubmit(submitter);
      else form.requestSubmit();
    } finally {
      state.releasing = false;
    }
  }

  function showError(message, field) {
    errorText.textContent = message;
    errorBox.hidden = false;
    for (const input of [password, code]) {
      const bad = input === field;
      input.classList.toggle("govuk-input--error", bad);
      if (bad) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
    field.setAttribute(
      "aria-describedby",
      field === code ? "idle-code-hint idle-lock-error" : "idle-lock-error",
    );
    field.focus();
  }

  function clearError() {
    errorBox.hidden = true;
    errorText.textContent = "";
    for (const input of [password, code]) {
      input.classList.remove("govuk-input--error");
      input.removeAttribute("aria-invalid");
    }
    password.removeAttribute("aria-describedby");
    code.setAttribute("aria-describedby", "idle-code-hint");
  }

  async function unlock(event) {
    event.preventDefault();
    if (state.unlocking) return;
    if (!password.value) return showError("Enter your password.", password);
    if (state.needsCode && !code.value.trim()) {
      return showError("Enter the code from your authenticator app, or a recovery code.", code);
    }
    state.unlocking = true;
    const result = await call(urls.unlock, { method: "POST", body: new FormData(unlockForm) });
    state.unlocking = false;
    const { status, data } = result;
    if (data.ok) {
      state.applied = result.seq;
      state.deadline = Date.now() + (data.remaining ?? 0) * 1000;
      state.known = true;
      state.lastPing = Date.now();
      return closeLock(true);
    }
    if (data.signed_out) return signOut(data.error, data.login_url);
    if (status === 0) {
      const offline = "Bastion could not be reached. Check the connection and try again.";
      return showError(offline, password);
    }
    password.value = "";
    code.value = "";
    showError(data.error || "Bastion could not unlock the session. Please try again.", password);
  }

  // While locked, nothing leaves the page: forms and htmx requests wait for the unlock.
  function holdSubmit(event) {
    const form = event.target;
    if (state.releasing || state.signedOut || !(form instanceof HTMLFormElement)) return;
    if (form.closest("[data-idle-dialog]") || form.action === logoutForm.action) return;
    if (!state.locked && Date.now() < state.deadline) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    state.pending = { form, submitter: event.submitter };
    if (state.locked) return lockNow(true);
    // The computer may have slept past the lock: ask before sending anything.
    check().then(() => {
      if (state.locked || state.signedOut || state.pending?.form !== form) return;
      const pending = state.pending;
      state.pending = null;
      send(pending);
    });
  }

  function holdHtmx(event) {
    if (state.releasing || !state.locked) return;
    event.preventDefault();
    state.pending = { htmx: event.detail };
  }

  function htmxRefused(event) {
    if (event.detail.xhr?.status !== 401) return;
    state.pending = { htmx: event.detail };
    lockNow(false);
  }

  lock.addEventListener("cancel", (event) => event.preventDefault()); // Escape does not unlock
  lock.addEventListener("close", () => {
    if (state.locked || state.signedOut) lock.showModal();
  });
  warning.addEventListener("close", () => {
    if (warning.returnValue !== "auto") {
      restoreFocus();
      state.lastActivity = Date.now();
      ping(); // "Stay signed in", or Escape: the user is here
    }
  });
  el(warning, "data-idle-stay").addEventListener("click", () => warning.close("stay"));
  // Typing while the warning is shown is the answer to it: the warning closes and the focus goes
  // back to the field before the key's character is entered, so the character lands there.
  warning.addEventListener("keydown", (event) => {
    const typing = event.key.length === 1 && event.key !== " " && !event.ctrlKey && !event.metaKey;
    const field = state.returnFocus;
    if (!typing || !field || field === document.body || !field.isConnected) return;
    warning.close("stay");
    field.focus(); // now, not when the close event comes: the character is on its way
  });
  unlockForm.addEventListener("submit", unlock);
  document.addEventListener("submit", holdSubmit, true);
  document.addEventListener("htmx:beforeRequest", holdHtmx);
  document.addEventListener("htmx:responseError", htmxRefused);
  for (const type of ACTIVITY_EVENTS) {
    document.addEventListener(type, activity, { capture: true, passive: true });
  }
  // Back to a tab, or back to a page kept by the browser: ask at once how long is left.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && !state.signedOut) check();
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && !state.signedOut) check();
  });

  // No check on load: the page's own request was activity (see EARLIEST_LOCK_MS).
  const timer = setInterval(tick, TICK_MS);
}
