/*
 * Tessera contact form, script-tag version. Include on any page:
 *
 *   <div id="tessera-form"></div>
 *   <script src="https://help.example.com/portal/form/embed.js" data-target="tessera-form"
 *           data-lang="vi" async></script>
 *
 * The form is built with DOM calls and textContent only (never innerHTML), so nothing the
 * server or a visitor sends can become markup on the host page. Every visible text comes from
 * the server, already translated into the requested language.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch || !window.URLSearchParams) { return; }
  var base = new URL(".", script.src);
  var target = document.getElementById(script.getAttribute("data-target") || "tessera-form");
  if (!target) { return; }
  var lang = script.getAttribute("data-lang") || document.documentElement.lang || "";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function field(form, name, label, control) {
    var id = "tessera-" + name;
    control.id = id;
    control.name = name;
    var wrap = el("div", { "class": "tessera-field" });
    wrap.appendChild(el("label", { "for": id }, label));
    wrap.appendChild(control);
    wrap.appendChild(el("div", { "class": "tessera-field-error", "data-for": name, "role": "alert" }));
    form.appendChild(wrap);
    return control;
  }

  function render(config) {
    var t = config.labels;
    var form = el("form", { "class": "tessera-form", "novalidate": "" });
    form.appendChild(el("input", { type: "hidden", name: "token", value: config.token }));
    form.appendChild(el("input", { type: "hidden", name: "lang", value: config.lang }));
    form.appendChild(el("input", { type: "hidden", name: "format", value: "json" }));
    field(form, "name", t.name, el("input", { type: "text", maxlength: "200", autocomplete: "name" }));
    field(form, "email", t.email, el("input", { type: "email", maxlength: "254", required: "", autocomplete: "email" }));
    if (config.departments.length) {
      var select = el("select", {});
      config.departments.forEach(function (pair) { select.appendChild(el("option", { value: String(pair[0]) }, pair[1])); });
      field(form, "department", t.department, select);
    }
    field(form, "subject", t.subject, el("input", { type: "text", maxlength: "200", required: "" }));
    field(form, "message", t.message, el("textarea", { rows: "6", maxlength: "20000", required: "" }));
    var trap = el("div", { "aria-hidden": "true", style: "position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden" });
    trap.appendChild(el("label", { "for": "tessera-hp" }, t.honeypot));
    trap.appendChild(el("input", { type: "text", id: "tessera-hp", name: config.honeypot, tabindex: "-1", autocomplete: "off" }));
    form.appendChild(trap);
    var status = el("p", { "class": "tessera-status", "role": "status" });
    var button = el("button", { type: "submit" }, t.send);
    form.appendChild(button);
    form.appendChild(status);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      button.textContent = t.sending;
      status.textContent = "";
      form.querySelectorAll(".tessera-field-error").forEach(function (node) { node.textContent = ""; });
      fetch(config.action, { method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "omit" })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (answer.ok) {
            var done = el("div", { "class": "tessera-done", "data-number": String(answer.number) });
            done.appendChild(el("p", {}, answer.message));
            target.replaceChildren(done);
            return;
          }
          if (answer.token) { form.elements.token.value = answer.token; }
          status.textContent = answer.error || t.failed;
          Object.keys(answer.errors || {}).forEach(function (name) {
            var slot = form.querySelector('.tessera-field-error[data-for="' + name + '"]');
            if (slot) { slot.textContent = answer.errors[name].join(" "); }
          });
          button.disabled = false;
          button.textContent = t.send;
        })
        .catch(function () {
          status.textContent = t.failed;
          button.disabled = false;
          button.textContent = t.send;
        });
    });
    target.replaceChildren(form);
  }

  var url = new URL("token.json", base);
  if (lang) { url.searchParams.set("lang", lang); }
  fetch(url, { credentials: "omit" })
    .then(function (response) { return response.json(); })
    .then(render)
    .catch(function () { target.setAttribute("data-tessera", "unavailable"); });
}());
