// Agent desk behaviour: keyboard shortcuts and live updates. No framework, no inline script
// (the Content-Security-Policy forbids it), and nothing here is needed for the pages to work.
(function () {
  "use strict";

  const body = document.body;
  const page = body.dataset.page || "";

  function typing(event) {
    const el = event.target;
    return el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
  }

  // ----- ticket list: remember the order so the ticket page can go to the next one -----
  function rows() {
    return Array.from(document.querySelectorAll("#ticket-list tbody tr[data-number]"));
  }
  if (page === "list") {
    sessionStorage.setItem("tessera.list", JSON.stringify(rows().map((r) => r.dataset.number)));
    sessionStorage.setItem("tessera.listUrl", location.href);
  }
  let cursor = -1;
  function focusRow(index) {
    const all = rows();
    if (!all.length) return;
    cursor = Math.max(0, Math.min(all.length - 1, index));
    all.forEach((r, i) => r.classList.toggle("focused", i === cursor));
    all[cursor].scrollIntoView({ block: "nearest" });
  }
  function neighbour(step) {
    const order = JSON.parse(sessionStorage.getItem("tessera.list") || "[]");
    const here = order.indexOf(body.dataset.ticket);
    const next = order[here + step];
    if (here >= 0 && next) location.href = "/desk/tickets/" + next + "/";
  }

  const help = document.getElementById("shortcut-help");
  function toggleHelp(show) {
    if (help) help.hidden = show === undefined ? !help.hidden : !show;
  }

  function setComposer(kind) {
    const composer = document.getElementById("composer");
    if (!composer) return;
    const select = composer.querySelector("select[name=kind]");
    if (select) select.value = kind;
    const text = composer.querySelector("textarea");
    if (text) text.focus();
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      toggleHelp(false);
      if (typing(event)) event.target.blur();
      return;
    }
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (key === "?") return toggleHelp();
    if (page === "list") {
      if (key === "j") return focusRow(cursor + 1);
      if (key === "k") return focusRow(cursor - 1);
      if ((key === "Enter" || key === "o") && cursor >= 0) {
        location.href = "/desk/tickets/" + rows()[cursor].dataset.number + "/";
        return;
      }
      if (key === "/") {
        event.preventDefault();
        const q = document.getElementById("id_q");
        if (q) q.focus();
      }
      return;
    }
    if (page === "ticket") {
      if (key === "j") return neighbour(1);
      if (key === "k") return neighbour(-1);
      if (key === "r") { event.preventDefault(); return setComposer("public"); }
      if (key === "n") { event.preventDefault(); return setComposer("note"); }
      if (key === "a") {
        const form = document.getElementById("assign-me");
        if (form) form.submit();
        return;
      }
      if (key === "s") {
        const status = document.querySelector("#fields select[name=status]");
        if (status) status.focus();
        return;
      }
      if (key === "u") {
        location.href = sessionStorage.getItem("tessera.listUrl") || "/desk/";
      }
    }
  });

  // ----- live updates -----
  async function refresh(selectors) {
    const response = await fetch(location.href, { headers: { "X-Requested-With": "live" } });
    if (!response.ok) return;
    const html = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const selector of selectors) {
      const fresh = html.querySelector(selector);
      const stale = document.querySelector(selector);
      if (fresh && stale) stale.replaceWith(fresh);
    }
  }

  function connect(delay) {
    if (!("WebSocket" in window) || !page) return;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/desk/");
    socket.onopen = () => { body.dataset.live = "on"; delay = 1000; };
    socket.onmessage = (message) => {
      const data = JSON.parse(message.data);
      if (data.type !== "ticket.changed") return;
      if (page === "list") {
        refresh(["#ticket-list tbody", "#counts tbody"]);
      } else if (page === "ticket" && String(data.ticket) === body.dataset.ticket &&
                 Number(data.version) > Number(body.dataset.version)) {
        // The composer is left alone, so nothing typed is lost; the banner says the page is
        // behind, and sending will still be checked against the version this page loaded.
        refresh(["#conversation-messages", "#timeline"]);
        const banner = document.getElementById("live-banner");
        if (banner) banner.hidden = false;
      }
    };
    socket.onclose = () => {
      body.dataset.live = "off";
      setTimeout(() => connect(Math.min(delay * 2, 30000)), delay);
    };
  }
  connect(1000);
})();
