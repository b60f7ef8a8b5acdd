/* SPDX-License-Identifier: MIT */
/*
 * The desk's screen.  All state is the server's: the status arrives as
 * Server-Sent Events (GET /api/v1/events, a whole status each time) and the
 * page draws it; every action is a POST to the desk's routes, and a refused
 * one shows the server's own message.  Reloading loses nothing.
 *
 * Views: the routine (returns and ship-QC), the station (devices, outbox,
 * complaints due) and the numbers (kpi.js, loaded with Chart.js only when
 * that view opens).  No keyboard: codes, numbers and names are typed on an
 * on-screen keypad, reasons picked from lists.
 *
 * When no event (or keepalive event) came for 20 s, or the stream failed,
 * the page says it is disconnected and greys what it shows.
 */
"use strict";
(function () {
  var I18N = window.RETOUR_I18N;
  var lang = (document.documentElement.lang === "en" || document.documentElement.lang === "pl")
    ? document.documentElement.lang : "pl";
  try { lang = sessionStorage.getItem("retour.lang") || lang; } catch (e) { /* private mode */ }
  var status = null;
  var view = "routine";
  var lastEventAt = 0;
  var online = false;
  var source = null;
  var STALE_MS = 20000;
  window.retourRenders = [];

  function t(key) {
    return (I18N[lang] && I18N[lang][key]) || I18N.en[key] || key;
  }
  /* A sentence of the desk's by its code (@prefix "say." or "why."): the
   * English screen shows the server's own @english; another language
   * fills the code's template with @args ({N}, or {N|kind}: the value
   * translated as kind.VALUE).  No template: the English, never blank. */
  function said(prefix, code, args, english) {
    var tpl = code && lang !== "en" && I18N[lang] && I18N[lang][prefix + code];
    if (tpl == null || tpl === false || tpl === "") return english || "";
    return tpl.replace(/\{(\d)(?:\|(\w+))?\}/g, function (m, i, kind) {
      var v = (args || [])[+i];
      if (v == null) return "";
      if (!kind) return v;
      var key = kind + "." + (kind === "verdict" ? String(v).toLowerCase() : v);
      var w = I18N[lang][key];
      return w == null ? v : w;
    });
  }
  window.retourSaid = said;
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
    });
  }
  function $(id) { return document.getElementById(id); }

  /* ---- icons: inline SVG, so colour is never the only signal ---- */
  var ICONS = {
    ok: '<path d="M4 12l5 5L20 6"/>',
    bad: '<path d="M6 6l12 12M18 6L6 18"/>',
    warn: '<path d="M12 3l10 18H2z"/><path d="M12 10v5M12 18v.5"/>',
    hold: '<path d="M8 5v14M16 5v14"/>',
    scan: '<path d="M3 7V4h3M21 7V4h-3M3 17v3h3M21 17v3h-3M7 8v8M10 8v8M13 8v8M16 8v8"/>',
    scale: '<path d="M4 20h16l-2-9H6z"/><path d="M12 11V5M9 5h6"/>',
    camera: '<path d="M3 8h4l2-3h6l2 3h4v11H3z"/><circle cx="12" cy="13" r="3.5"/>',
    back: '<path d="M15 5l-7 7 7 7"/>',
    undo: '<path d="M9 7L4 12l5 5"/><path d="M4 12h10a6 6 0 010 12"/>',
    print: '<path d="M6 9V3h12v6M6 17H3v-8h18v8h-3M6 14h12v7H6z"/>',
    plug: '<path d="M9 3v6M15 3v6M6 9h12v4a6 6 0 01-12 0zM12 19v3"/>',
    user: '<circle cx="12" cy="8" r="4"/><path d="M4 21c1-5 15-5 16 0"/>',
    box: '<path d="M3 7l9-4 9 4v10l-9 4-9-4z"/><path d="M3 7l9 4 9-4M12 11v10"/>',
    send: '<path d="M3 12l18-8-6 18-3-8z"/>',
    keypad: '<rect x="4" y="3" width="16" height="18" rx="2"/><path d="M8 8h.5M12 8h.5M16 8h.5M8 12h.5M12 12h.5M16 12h.5M8 16h8"/>'
  };
  function icon(name) {
    return '<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" fill="none" ' +
      'stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round">' +
      (ICONS[name] || "") + "</svg>";
  }
  function button(action, label, opts) {
    opts = opts || {};
    return '<button class="act ' + (opts.cls || "") + ' need" data-need="' + esc(opts.need || action) +
      '" data-act="' + esc(action) + '"' + (opts.arg != null ? ' data-arg="' + esc(opts.arg) + '"' : "") +
      (opts.disabled ? " disabled" : "") + ">" + (opts.icon ? icon(opts.icon) : "") +
      "<span>" + esc(label) + "</span></button>";
  }

  /* ---- talking to the station ---- */
  function showMessage(text, kind) {
    var m = $("message");
    if (!text) lastError = null;
    if (!text) { m.className = ""; m.innerHTML = ""; return; }
    m.className = kind || "error";
    m.innerHTML = icon(kind === "info" ? "ok" : "warn") + '<span class="text need" data-need="message">' +
      esc(text) + '</span><button class="close need" data-need="message-close" data-act="dismiss">' +
      esc(t("btn.close")) + "</button>";
  }
  function post(path, body, method) {
    showMessage("");
    return fetch(path, {
      method: method || "POST",
      headers: {"Content-Type": "application/json"},
      body: body == null ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.text().then(function (text) {
        var j = null;
        try { j = text ? JSON.parse(text) : null; } catch (e) { j = null; }
        if (!r.ok) {
          showError(j || {error: r.status + " " + r.statusText});
          throw new Error("refused");
        }
        return j;
      });
    }, function (e) {
      showMessage(t("err.network"));
      throw e;
    });
  }
  /* A refusal in the page's language: the desk's own problem by its code
   * (the status has it), another error by its stable code; English shows
   * the server's sentence.  Said again when the language changes. */
  var lastError = null;
  function showError(j) {
    lastError = j;
    if (lang === "en" || !j.code) return showMessage(j.error);
    if (j.code === "refused_by_desk") {
      if (status && status.problem === j.error && status.problem_code)
        return showMessage(said("say.", status.problem_code, status.problem_args, j.error));
      showMessage(t("err.refused"));
      return sayRefusal(j.error);
    }
    showMessage(I18N[lang]["err.code." + j.code] ? t("err.code." + j.code) : j.error);
  }
  /* The desk refused: its status has the same problem with its code. */
  function sayRefusal(english) {
    getJSON("/api/v1/status").then(function (s) {
      if (s && s.problem === english && s.problem_code &&
          $("message").textContent.indexOf(t("err.refused")) >= 0)
        showMessage(said("say.", s.problem_code, s.problem_args, english));
    }, function () { /* the general word stays */ });
  }
  function getJSON(path) {
    return fetch(path).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error((j && j.error) || String(r.status));
        return j;
      });
    });
  }
  window.retourGetJSON = getJSON;
  window.retourT = t;
  window.retourEsc = esc;

  /* ---- the live status ---- */
  function setOnline(on) {
    online = on;
    document.body.classList.toggle("offline", !on);
    document.body.classList.remove("connecting");
    renderHeader();
    $("conn").innerHTML = on ? "" : icon("plug") + '<span class="need" data-need="disconnected">' +
      esc(t("conn.lost")) + "</span>";
  }
  function connect() {
    if (source) source.close();
    source = new EventSource("/api/v1/events");
    source.addEventListener("status", function (ev) {
      lastEventAt = Date.now();
      var s;
      try { s = JSON.parse(ev.data); } catch (e) { return; }
      status = s;
      if (!online) setOnline(true);
      render();
    });
    source.addEventListener("keepalive", function () {
      lastEventAt = Date.now();
      if (!online && status) setOnline(true);
    });
    source.onerror = function () {
      if (status) setOnline(false);
      /* the browser reconnects by itself while readyState is CONNECTING */
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 1000);
    };
  }
  setInterval(function () {
    if (status && online && Date.now() - lastEventAt > STALE_MS) {
      setOnline(false);
      connect();
    }
  }, 1000);

  /* ---- header ---- */
  function renderHeader() {
    var s = status || {};
    /* the light is the desk's state: while disconnected it is unknown */
    var light = online ? s.light || "off" : "off";
    var lightWord = online ? t("light." + light) : t("conn.offline");
    $("light").className = "light need light-" + light.replace(/_.*/, "");
    $("light").classList.toggle("blink", /blink/.test(light));
    $("light").innerHTML = icon(!online ? "plug" : /red/.test(light) ? "warn" : /amber/.test(light) ? "hold" : "ok") +
      "<span>" + esc(lightWord) + "</span>";
    document.querySelectorAll("#nav button").forEach(function (b) {
      b.textContent = t("nav." + b.dataset.view);
      b.classList.toggle("on", b.dataset.view === view);
    });
    $("who").innerHTML = s.clerk ? icon("user") + "<span>" + esc(s.clerk) + "</span>" +
      '<span class="routine">' + esc(t("routine." + s.routine)) + "</span>" : "";
    $("lang").textContent = t("lang.switch");
  }

  /* ---- the routine ---- */
  function fmtMoney(minor, cur) {
    if (minor == null) return "";
    return (minor / 100).toFixed(2) + " " + (cur || "");
  }
  function fmtTime(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    if (isNaN(d)) return iso;
    return d.toLocaleString(lang === "pl" ? "pl-PL" : "en-GB",
      {day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit"});
  }
  function fmtDay(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleDateString(lang === "pl" ? "pl-PL" : "en-GB");
  }
  /* A ship-QC's proposal says accept or reject: it means passed or failed. */
  function verdictWord(v, routine) {
    if (routine === "ship_qc" && v === "accept") v = "qc_passed";
    if (routine === "ship_qc" && v === "reject") v = "qc_failed";
    return t("verdict." + v);
  }
  function verdictIcon(v) {
    return v === "accept" || v === "qc_passed" ? "ok" : v === "hold" ? "hold" : v === "partial" ? "warn" : "bad";
  }
  function checklistText(c) {
    return (lang === "pl" && c.text_pl) ? c.text_pl : c.text;
  }

  function deviceProblems(s) {
    var out = [];
    var d = (s && s.devices) || {};
    ["scanner", "scale", "printer", "camera"].forEach(function (name) {
      var dev = d[name];
      if (dev && dev.ok === false) out.push({name: name, error: dev.last_error || dev.error || ""});
    });
    return out;
  }
  /* A device's own words (its driver's English): the known faults in the
   * clerk's language, anything else kept for the tooltip only. */
  var FAULT_WORDS = ["paper out", "head open", "ribbon out", "paper jam", "overload"];
  function faultWords(error) {
    if (!error || lang === "en") return error || "";
    var e = error.toLowerCase();
    return FAULT_WORDS.filter(function (w) { return e.indexOf(w) >= 0; }).map(function (w) {
      return t("fault." + w);
    }).join(", ");
  }
  function fixFor(name, error) {
    var e = (error || "").toLowerCase();
    if (/paper/.test(e)) return t("fix.paper");
    if (/head/.test(e)) return t("fix.head");
    if (/overload/.test(e)) return t("fix.overload");
    return t("fix." + name);
  }

  function stepActions(s) {
    var a = [];
    var open = !!s.receipt;
    switch (s.step) {
    case "sign_in":
      /* a big button per clerk: tap your name; the badge (a secret of
       * sorts) is scanned, or typed on the keypad */
      (clerks || []).forEach(function (c) {
        a.push(button("sign-in-name", c.name, {arg: c.name, icon: "user", cls: "big name",
          need: "clerk-" + c.name}));
      });
      a.push(button("type-badge", t("btn.type_badge"), {icon: "keypad"}));
      break;
    case "scan":
      if (s.not_found) {
        a.push(button("unexpected", t("btn.unexpected"), {icon: "box", cls: "big"}));
        a.push(button("type-code", t("btn.search"), {icon: "keypad", need: "search"}));
      } else {
        a.push(button("type-code", t("btn.type_code"), {icon: "keypad", cls: "big"}));
      }
      if (s.left_open) a.push(button("cancel", t("btn.cancel_left"), {need: "cancel-left"}));
      a.push(button("routine", s.routine === "ship_qc" ? t("btn.to_return") : t("btn.to_qc"),
        {arg: s.routine === "ship_qc" ? "return" : "ship_qc"}));
      a.push(button("sign-out", t("btn.sign_out"), {icon: "user"}));
      break;
    case "weigh":
      a.push(button("weigh", t("btn.weigh_again"), {icon: "scale", cls: "big"}));
      a.push(button("manual-weight", t("btn.enter_weight"), {icon: "keypad"}));
      a.push(button("skip", t("btn.skip"), {arg: "scale"}));
      break;
    case "photo":
    case "photo_sealed":
      a.push(button("photo", t("btn.photo"), {icon: "camera", cls: "big"}));
      a.push(button("skip", t("btn.skip"), {arg: "camera"}));
      break;
    case "items":
      a.push(button("items-done", t("btn.items_done"), {icon: "ok", cls: "big"}));
      a.push(button("type-code", t("btn.type_code"), {icon: "keypad"}));
      if (s.routine === "ship_qc") a.push(button("remove", t("btn.remove"), {icon: "box"}));
      break;
    case "checklist":
      var c = s.checklist || {};
      if (c.kind === "pass_fail") {
        a.push(button("answer", t("btn.pass"), {arg: "pass", icon: "ok", cls: "big good", need: "pass"}));
        a.push(button("answer", t("btn.fail"), {arg: "fail", icon: "bad", cls: "big bad", need: "fail"}));
      } else if (c.kind === "choice") {
        (c.choices || []).forEach(function (ch) {
          a.push(button("answer", ch, {arg: ch, cls: "big choice", need: "choice-" + ch}));
        });
      } else if (c.kind === "measure") {
        a.push(button("measure", t("btn.measure"), {icon: "keypad", cls: "big"}));
      } else if (c.kind === "photo") {
        a.push(button("photo", t("btn.photo"), {icon: "camera", cls: "big"}));
      } else {
        a.push(button("answer", t("btn.done"), {arg: "done", icon: "ok", cls: "big", need: "done"}));
      }
      break;
    case "confirm":
      if (s.proposal) {
        a.push(button("confirm", t("btn.confirm") + ": " + verdictWord(s.proposal.verdict, s.routine),
          {icon: verdictIcon(s.proposal.verdict), cls: "big good"}));
      }
      a.push(button("override", t("btn.override"), {icon: "warn"}));
      break;
    }
    if (open && s.step !== "scan" && s.step !== "sign_in") {
      a.push(button("back", t("btn.back"), {icon: "back"}));
      a.push(button("cancel", t("btn.cancel"), {icon: "bad", cls: "quiet"}));
    }
    return a.join("");
  }

  /* The station's clerks for the sign-in buttons (GET /api/v1/clerks),
   * asked again each time the desk comes back to sign-in. */
  var clerks = null, clerksAt = 0;
  function loadClerks() {
    clerksAt = Date.now();
    getJSON("/api/v1/clerks").then(function (list) {
      clerks = Array.isArray(list) ? list : [];
      if (view === "routine" && status && status.step === "sign_in") renderRoutine();
    }, function () { clerksAt = 0; });
  }

  function renderProposal(s) {
    if (s.step !== "confirm") return "";
    if (!s.proposal) return '<div class="proposal">' + icon("hold") + esc(t("proposal.waiting")) + "</div>";
    var p = s.proposal;
    var reasons = (p.reasons || []).map(function (r) {
      return "<li>" + esc(said("why.", r.text_code, r.text_args, r.text || r.code)) + "</li>";
    }).join("");
    return '<div class="proposal verdict-' + esc(p.verdict) + ' need" data-need="proposal">' +
      '<div class="verdict">' + icon(verdictIcon(p.verdict)) + "<span>" + esc(verdictWord(p.verdict, s.routine)) +
      "</span>" + (p.refund_minor != null && s.routine !== "ship_qc" ? '<span class="money">' + esc(t("proposal.refund")) + ": " +
      esc(fmtMoney(p.refund_minor, p.currency)) + "</span>" : "") + "</div>" +
      (reasons ? '<ul class="reasons">' + reasons + "</ul>" : "") + "</div>";
  }

  function renderParcel(s) {
    var p = s.parcel;
    var html = "";
    if (!s.receipt && !p) return '<p class="muted">' + esc(t("parcel.none")) + "</p>";
    html += '<dl class="facts">';
    html += "<dt>" + esc(t("parcel.receipt")) + "</dt><dd>" + esc(s.receipt) + "</dd>";
    if (s.code) html += "<dt>" + esc(t("parcel.code")) + "</dt><dd>" + esc(s.code) + "</dd>";
    var e = p && p.expected;
    if (e) {
      if (e.order) html += "<dt>" + esc(t("parcel.order")) + "</dt><dd>" + esc(e.order) + "</dd>";
      if (e.rma) html += "<dt>" + esc(t("parcel.rma")) + "</dt><dd>" + esc(e.rma) + "</dd>";
      if (e.delivered_at) html += "<dt>" + esc(t("parcel.delivered")) + "</dt><dd>" + esc(fmtDay(e.delivered_at)) + "</dd>";
      if (e.deadline) html += "<dt>" + esc(t("parcel.deadline")) + "</dt><dd>" + esc(fmtDay(e.deadline)) +
        (e.days_left != null ? ' <b class="days">' + esc(e.days_left) + " " + esc(t("parcel.days_left")) + "</b>" : "") + "</dd>";
    } else if (s.rma) {
      html += "<dt>" + esc(t("parcel.rma")) + "</dt><dd>" + esc(s.rma) + "</dd>";
    } else if (p && p.expected === null) {
      html += '<dt></dt><dd class="warn">' + icon("warn") + esc(t("parcel.unexpected")) + "</dd>";
    }
    html += "</dl>";
    html += renderWeight(s);
    html += renderItems(s);
    html += renderPhotos(s);
    if (p && p.label_preview) {
      /* the label's own words, as printed; their names in the page's */
      html += '<h3>' + icon("print") + esc(t("parcel.label")) + '</h3><dl class="facts label need" data-need="label-preview">';
      Object.keys(p.label_preview).forEach(function (k) {
        var v = p.label_preview[k];
        if (v != null && v !== "" && typeof v !== "object")
          html += '<dt>' + esc(t("label." + k)) + '</dt><dd data-field="' + esc(k) + '">' + esc(v) + "</dd>";
      });
      html += "</dl>";
    }
    return html;
  }
  function renderWeight(s) {
    var w = s.parcel && s.parcel.weight;
    var sc = s.scale;
    if (!w && !(sc && s.step === "weigh")) return "";
    var html = '<h3>' + icon("scale") + esc(t("weight.title")) + '</h3><dl class="facts weight">';
    if (sc && sc.grams != null)
      html += "<dt>" + esc(t("weight.live")) + '</dt><dd class="need" data-need="live-weight">' + esc(sc.grams) + " g" +
        (sc.stable === false ? " (" + esc(t("weight.unstable")) + ")" : "") + "</dd>";
    if (w) {
      if (w.expected_g != null)
        html += "<dt>" + esc(t("weight.expected")) + "</dt><dd>" + esc(w.expected_g) + " g ± " + esc(w.tolerance_g) + " g</dd>";
      if (w.measured_g != null)
        html += "<dt>" + esc(t("weight.measured")) + "</dt><dd>" + esc(w.measured_g) + " g" +
          (w.manual ? " (" + esc(t("weight.manual")) + ")" : "") + "</dd>";
      if (w.measured_g != null && w.expected_g != null)
        html += '<dt></dt><dd class="' + (w.mismatch ? "warn" : "good") + '">' + icon(w.mismatch ? "warn" : "ok") +
          esc(t(w.mismatch ? "weight.mismatch" : "weight.ok")) + "</dd>";
    }
    return html + "</dl>";
  }
  function renderItems(s) {
    var p = s.parcel;
    if (!p || (!p.items && !p.extra)) return "";
    var rows = (p.items || []).map(function (it) {
      var done = it.scanned >= it.ordered;
      var over = it.scanned > it.ordered;
      return '<tr class="' + (over ? "bad" : done ? "good" : "") + '"><td>' + icon(over ? "warn" : done ? "ok" : "scan") +
        "</td><td>" + esc(it.name || it.code) + '</td><td class="num">' + esc(it.scanned) + " / " + esc(it.ordered) +
        "</td><td>" + esc(over ? t("items.extra") : done ? "" : (s.routine === "ship_qc" ? t("items.missing") : "")) + "</td></tr>";
    });
    (p.extra || []).forEach(function (it) {
      rows.push('<tr class="bad"><td>' + icon("warn") + "</td><td>" + esc(it.code) + '</td><td class="num">' +
        esc(it.scanned) + "</td><td>" + esc(t("items.extra")) + "</td></tr>");
    });
    return '<h3>' + icon("scan") + esc(t("parcel.items")) + '</h3><table class="items need" data-need="items">' +
      rows.join("") + "</table>";
  }
  function renderPhotos(s) {
    var ph = s.parcel && s.parcel.photos;
    if (!ph || !ph.length) return "";
    return '<h3>' + icon("camera") + esc(t("parcel.photos")) + '</h3><div class="photos">' +
      ph.map(function (p) {
        var url = p.url || ("/api/v1/photos/" + p.id);
        return '<button class="thumb" data-act="enlarge" data-arg="' + esc(url) + '"><img alt="' + esc(p.step) +
          '" src="' + esc(url) + '"></button>';
      }).join("") + button("photo", t("btn.retake"), {icon: "camera", cls: "small", need: "retake"}) + "</div>";
  }

  function renderLast(s) {
    var l = s.last_decision;
    if (!l) return "";
    var html = '<div class="last need" data-need="last"><span class="what">' + icon(verdictIcon(l.verdict)) +
      esc(t("last.receipt")) + " " + esc(l.receipt) + ": " + esc(t("verdict." + l.verdict)) + "</span>";
    var r = l.refund;
    if (r && r.state) {
      html += '<span class="refund refund-' + esc(r.state) + ' need" data-need="refund">' +
        icon(r.state === "confirmed" ? "ok" : r.state === "failed" ? "bad" : "send") + esc(t("refund." + r.state)) +
        (r.shop_ref ? " (" + esc(r.shop_ref) + ")" : "") +
        (r.state === "failed" && r.error ? ": " + esc(r.error) : "") +
        (r.next_attempt_at && r.state !== "confirmed" ? " · " + esc(t("refund.next")) + " " + esc(fmtTime(r.next_attempt_at)) : "") +
        "</span>";
      if (r.state === "failed" && r.outbox_id)
        html += button("retry", t("btn.retry"), {arg: r.outbox_id, icon: "send", cls: "small"});
    }
    var until = l.undo_until ? new Date(l.undo_until) : null;
    if (until && until > new Date())
      html += button("undo", t("btn.undo"), {arg: l.receipt, icon: "undo", cls: "small"});
    html += button("reprint", t("btn.reprint"), {arg: l.receipt, icon: "print", cls: "small"});
    return html + "</div>";
  }

  function renderRoutine() {
    var s = status;
    var v = $("view");
    if (!s) { v.innerHTML = '<p class="muted">' + esc(t("conn.connecting")) + "</p>"; return; }
    if (s.step === "sign_in" && (!clerks || Date.now() - clerksAt > 30000)) loadClerks();
    var what = s.step === "sign_in" ? t("do.sign_in")
      : s.step === "scan" && !s.prompt ? t(s.routine === "ship_qc" ? "do.scan_qc" : "do.scan") : "";
    var prompt = s.step === "checklist" && s.checklist ? checklistText(s.checklist)
      : said("say.", s.prompt_code, s.prompt_args, s.prompt);
    var problem = said("say.", s.problem_code, s.problem_args, s.problem);
    var faults = deviceProblems(s).map(function (f) {
      return '<div class="fault need" data-need="fault-' + f.name + '">' + icon("warn") + "<b>" +
        esc(t("device." + f.name)) + ": " + esc(t("device.fault")) + '</b> <span title="' + esc(f.error) + '">' +
        esc(faultWords(f.error)) + "</span>" +
        ' <span class="fix">' + esc(fixFor(f.name, f.error)) + "</span></div>";
    }).join("");
    var removing = s.removing ? '<div class="problem">' + icon("warn") + esc(t("items.removing")) + "</div>" : "";
    // the disk below its floors (the status's disk.state): photos are refused soon, or now
    var disk = s.disk && (s.disk.state === "low" || s.disk.state === "full")
      ? '<div class="problem need" data-need="disk">' + icon("warn") + esc(t("disk." + s.disk.state)) + "</div>" : "";
    var html = setupBanner(s) + '<section class="step" data-step="' + esc(s.step) + '">' +
      '<h1 class="need" data-need="step-title">' + esc(t("step." + s.step)) + "</h1>" +
      (prompt ? '<p class="prompt need" data-need="prompt">' + esc(prompt) + "</p>" : "") +
      (what ? '<p class="prompt need" data-need="what-next">' + esc(what) + "</p>" : "") +
      (problem ? '<div class="problem need" data-need="problem">' + icon("warn") + esc(problem) + "</div>" : "") +
      (s.left_open ? '<div class="problem">' + icon("warn") + esc(s.left_open.code) + ": " +
        esc(lang === "en" ? s.left_open.text : t("left_open.text")) + "</div>" : "") +
      removing + disk + faults + renderProposal(s) +
      '<div class="actions">' + stepActions(s) + "</div>" + renderLast(s) + "</section>" +
      '<aside class="parcel"><h2>' + icon("box") + esc(t("parcel.title")) + "</h2>" + renderParcel(s) + "</aside>";
    v.className = "routine";
    v.innerHTML = html;
  }

  /* ---- the station page ---- */
  var stationData = {outbox: null, complaints: null, system: null, bundles: null, at: 0};
  function loadStation() {
    Promise.all([
      getJSON("/api/v1/outbox?state=pending&limit=50").catch(function () { return []; }),
      getJSON("/api/v1/outbox?state=dead&limit=50").catch(function () { return []; }),
      getJSON("/api/v1/complaints/due").catch(function () { return []; }),
      getJSON("/api/v1/system").catch(function () { return null; }),
      getJSON("/api/v1/system/bundles").catch(function () { return []; })
    ]).then(function (r) {
      var list = function (x) { return Array.isArray(x) ? x : (x && (x.outbox || x.entries || x.complaints)) || []; };
      stationData = {outbox: list(r[0]).concat(list(r[1])), complaints: list(r[2]), system: r[3],
        bundles: Array.isArray(r[4]) ? r[4] : [], at: Date.now()};
      if (view === "station") renderStation();
    });
  }

  /* ---- the desk's system: first boot, slots, updates ---- */
  /* What the first boot found missing: a banner on every page. */
  function setupBanner(s) {
    var items = (s && s.setup_missing) || [];
    if (!items.length) return "";
    return '<div class="setup need" data-need="setup-missing" role="alert">' + icon("warn") +
      "<div><b>" + esc(t("setup.banner")) + "</b><ul>" + items.map(function (i) {
        var key = "setup." + i;
        return '<li class="need" data-need="setup-' + esc(i) + '">' + esc(I18N[lang][key] || I18N.en[key] ? t(key) : i) + "</li>";
      }).join("") + "</ul><p>" + esc(t("setup.then")) + "</p></div></div>";
  }
  function slotWord(slot) {
    var w = [];
    if (slot.state) w.push(t("slot." + slot.state));
    if (slot.boot_status) w.push(t("slot." + slot.boot_status));
    if (slot.bundle_version) w.push(t("system.version") + " " + slot.bundle_version);
    return w.join(" · ");
  }
  /* The update: live from the status while one runs, else as loaded. */
  function renderUpdate(u) {
    if (!u || u.state === "idle") return '<p class="muted need" data-need="update-idle">' + esc(t("update.idle")) + "</p>";
    var pct = u.percent == null ? 0 : u.percent;
    var html = '<div class="update ' + esc(u.state) + ' need" data-need="update-' + esc(u.state) + '">' +
      "<p><b>" + esc(t("update." + u.state)) + "</b> " + esc(u.bundle || "") +
      (u.by ? " · " + esc(t("update.by")) + " " + esc(u.by) : "") + "</p>";
    if (u.state === "installing" || u.state === "receiving")
      html += '<div class="bar" role="progressbar" aria-valuenow="' + pct + '" aria-valuemin="0" aria-valuemax="100">' +
        '<span style="width:' + pct + '%"></span></div><p class="muted">' + pct + "% " + esc(u.message || "") + "</p>";
    if (u.state === "installed")
      html += '<p class="need" data-need="update-restart">' + esc(t("update.restart")) + "</p>";
    if (u.state === "failed")
      html += '<p class="need" data-need="update-reason">' + esc(u.reason || "") + "</p>";
    return html + "</div>";
  }
  function renderSystem() {
    var sys = stationData.system;
    var s = status || {};
    if (!sys) return '<section class="system"><h2>' + icon("box") + esc(t("station.system")) + '</h2><p class="muted">' +
      esc(t("conn.connecting")) + "</p></section>";
    var head = sys.image
      ? esc(t("system.slot")) + " <b>" + esc(sys.slot) + "</b>" +
        (sys.next_boot && sys.next_boot !== sys.slot ? " · " + esc(t("system.next_boot")) + " <b>" + esc(sys.next_boot) + "</b>" : "")
      : esc(t("system.not_image"));
    var slots = (sys.slots || []).map(function (sl) {
      return "<tr><td><b>" + esc(sl.bootname || sl.name) + "</b></td><td>" + esc(slotWord(sl)) + "</td></tr>";
    }).join("");
    var u = s.update || sys.update;
    var busy = u && (u.state === "installing" || u.state === "receiving");
    var bundles = (stationData.bundles || []).map(function (b, i) {
      return '<tr><td>' + icon("box") + "</td><td><b>" + esc(b.name) + "</b><br><span class=\"muted\">" +
        esc(b.path) + " · " + esc(Math.round(b.size / 1048576)) + " MiB</span></td><td>" +
        button("install", t("btn.install"), {arg: i, icon: "ok", cls: "small", need: "install-" + i, disabled: busy}) + "</td></tr>";
    }).join("");
    return '<section class="system need" data-need="system"><h2>' + icon("box") + esc(t("station.system")) + "</h2>" +
      '<p class="need" data-need="system-slot">' + head + " · " + esc(t("system.version")) + " <b>" + esc(sys.version) + "</b></p>" +
      (slots ? '<table class="list">' + slots + "</table>" : "") +
      (sys.rauc_error ? '<p class="muted">' + esc(sys.rauc_error) + "</p>" : "") +
      (busy || (u && u.state !== "idle") ? "" : renderUpdate(u)) + /* else at the top */
      "<h3>" + esc(t("system.bundles")) + "</h3>" +
      (bundles ? '<table class="list need" data-need="bundles">' + bundles + "</table>"
        : '<p class="muted need" data-need="no-bundles">' + esc(t("system.no_bundles")) + "</p>") +
      button("look-again", t("btn.look_again"), {icon: "undo", cls: "small quiet"}) + "</section>";
  }
  /* Install bundle @i of the list: confirm, a supervisor's badge unless
   * one is signed in, then the install starts (the status follows it). */
  function installBundle(i) {
    var b = (stationData.bundles || [])[i];
    if (!b) return;
    pick("pick.install", [["yes", "btn.install", "ok"]], function () {
      var body = {bundle: b.path};
      var go = function () {
        post("/api/v1/system/update", body).then(loadStation, function () {});
      };
      if (status && status.role === "supervisor") return go();
      keypadLower = false;
      keypad("keypad.badge", "alnum", function (badge) { body.supervisor = badge; go(); });
    });
  }
  function renderStation() {
    var s = status || {};
    var d = s.devices || {};
    var devs = ["scanner", "scale", "printer", "camera", "gpio"].filter(function (n) { return d[n]; }).map(function (n) {
      var dev = d[n];
      var missing = dev.present === false;
      var ok = dev.ok !== false && !missing;
      return '<tr class="' + (ok ? "good" : "bad") + ' need" data-need="device-' + n + '"><td>' + icon(ok ? "ok" : "warn") +
        "</td><td><b>" + esc(t("device." + n)) + "</b></td><td>" +
        esc(ok ? t("device.ok") : missing ? t("device.missing") : t("device.fault")) +
        (dev.last_error && faultWords(dev.last_error) ? ": " + esc(faultWords(dev.last_error)) : "") + "</td><td>" + (ok ? "" : esc(fixFor(n, dev.last_error))) + "</td></tr>";
    }).join("");
    var ob = (stationData.outbox || []).map(function (o) {
      return '<tr class="' + (o.state === "dead" ? "bad" : "") + '"><td>' + icon(o.state === "dead" ? "bad" : "send") +
        "</td><td>" + esc(o.id) + " " + esc(o.kind || o.event || o.topic || "") + "</td><td>" +
        esc(t("outbox." + o.state) || o.state) + (o.attempts != null ? " · " + esc(o.attempts) + " " + esc(t("outbox.attempts")) : "") +
        (o.next_attempt_at ? " · " + esc(t("outbox.next")) + " " + esc(fmtTime(o.next_attempt_at)) : "") +
        (o.last_error ? " · " + esc(o.last_error) : "") + "</td><td>" +
        button("retry", t("btn.retry"), {arg: o.id, icon: "send", cls: "small", need: "retry-" + o.id}) + "</td></tr>";
    }).join("");
    var cp = (stationData.complaints || []).map(function (c) {
      return '<tr class="' + (c.deemed_accepted ? "bad" : "") + '"><td>' + icon(c.deemed_accepted ? "warn" : "hold") +
        "</td><td>" + esc(c.rma || c.order || c.receipt || "") + "</td><td>" + esc(t("complaint.deadline")) + " " +
        esc(fmtDay(c.answer_deadline || c.deadline)) + (c.deemed_accepted ? " · " + esc(t("complaint.past")) : "") + "</td></tr>";
    }).join("");
    var none = '<p class="muted">' + esc(t("station.none")) + "</p>";
    /* an update under way or just ended: at the top, where it is seen */
    var upd = s.update || (stationData.system && stationData.system.update);
    $("view").className = "station";
    $("view").innerHTML = setupBanner(s) + (upd && upd.state !== "idle" ? renderUpdate(upd) : "") +
      '<section><h2>' + icon("plug") + esc(t("station.devices")) + '</h2><table class="list">' + devs + "</table>" +
      (s.clock ? '<p class="clock">' + esc(t("station.clock")) + ": " + esc(t("clock." + s.clock.state)) +
        (s.clock.state !== "synchronised" && s.clock.waiting_since ? " · " + esc(t("clock.since")) + " " +
          esc(fmtTime(s.clock.waiting_since)) : "") + "</p>" : "") +
      "</section>" +
      '<section><h2>' + icon("send") + esc(t("station.outbox")) + " (" + esc((s.outbox || {}).pending || 0) + " / " +
      esc((s.outbox || {}).dead || 0) + ")</h2>" + (ob ? '<table class="list">' + ob + "</table>" : none) + "</section>" +
      '<section><h2>' + icon("hold") + esc(t("station.complaints")) + "</h2>" + (cp ? '<table class="list">' + cp + "</table>" : none) + "</section>" +
      renderSystem();
  }

  /* ---- the numbers (kpi.js, loaded on first use) ---- */
  var kpiLoading = null;
  function loadScript(src) {
    return new Promise(function (ok, fail) {
      var el = document.createElement("script");
      el.src = src;
      el.onload = ok;
      el.onerror = fail;
      document.head.appendChild(el);
    });
  }
  function renderKpi() {
    $("view").className = "kpi";
    if (!kpiLoading)
      kpiLoading = loadScript("/ui/chart.min.js").then(function () { return loadScript("/ui/kpi.js"); });
    kpiLoading.then(function () {
      if (view === "kpi") window.retourKpi.show($("view"), lang);
    });
  }

  /* ---- drawing ---- */
  var drawnView = null;
  function render() {
    renderHeader();
    if (view === "routine") renderRoutine();
    else if (view === "station") {
      if (Date.now() - stationData.at > 3000) loadStation();
      renderStation();
    } else if (view === "kpi" && drawnView !== "kpi") renderKpi();
    drawnView = view;
    if (status) {
      var seq = status.seq, step = status.step;
      requestAnimationFrame(function () {
        document.body.dataset.seq = seq;
        document.body.dataset.step = step;
        window.retourRenders.push({seq: seq, step: step, at: performance.timeOrigin + performance.now()});
        if (window.retourRenders.length > 1000) window.retourRenders.shift();
      });
    }
  }
  function go(v) {
    view = v;
    drawnView = null;
    if (location.hash !== "#" + v) history.replaceState(null, "", "#" + v);
    if (v === "station") loadStation();
    render();
  }

  /* ---- overlays: keypad, pick-list, photo ---- */
  var overlayDone = null;
  var overlayRedraw = null; /* draws the open overlay again in the new language */
  function closeOverlay() {
    $("overlay").hidden = true;
    $("overlay").innerHTML = "";
    overlayDone = overlayRedraw = null;
  }
  /* The keypad: digits, or letters too (kind "alnum").  @titleKey is
   * translated, @extra added to it.  @done(text). */
  function keypad(titleKey, kind, done, extra) {
    var title = t(titleKey) + (extra || "");
    var rows = kind === "digits" ? ["123", "456", "789", "0"]
      : ["1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM ./"];
    var keys = rows.map(function (r) {
      return '<div class="krow">' + r.split("").map(function (k) {
        return '<button class="key" data-key="' + esc(k) + '">' + (k === " " ? "␣" : esc(k)) + "</button>";
      }).join("") + "</div>";
    }).join("");
    $("overlay").innerHTML = '<div class="sheet keypad ' + kind + '"><h2>' + esc(title) + '</h2>' +
      '<div class="entry need" data-need="keypad-entry" id="entry"></div>' + keys +
      '<div class="krow tools"><button class="key wide" data-key="DEL">' + esc(t("btn.del")) + "</button>" +
      '<button class="key wide" data-key="CLR">' + esc(t("btn.clear")) + "</button>" +
      '<button class="key wide quiet need" data-need="keypad-close" data-act="close">' + esc(t("btn.close")) + "</button>" +
      '<button class="key wide good need" data-need="keypad-ok" data-key="OK">' + icon("ok") + esc(t("btn.ok")) + "</button></div></div>";
    $("overlay").hidden = false;
    var entry = "";
    overlayRedraw = function () { keypad(titleKey, kind, done, extra); };
    overlayDone = function (k) {
      if (k === "DEL") entry = entry.slice(0, -1);
      else if (k === "CLR") entry = "";
      else if (k === "OK") { if (entry) { closeOverlay(); done(entry); } return; }
      else if (entry.length < 64) entry += (kind === "alnum" && entry && /[A-Z]/.test(k) && lowerAfter(entry)) ? k.toLowerCase() : k;
      $("entry").textContent = entry;
    };
  }
  /* A name types as "Ola": capital first, then lower case. */
  function lowerAfter(entry) { return keypadLower && /[A-Za-z]$/.test(entry); }
  var keypadLower = false;
  /* A pick-list: @items [[value, label key, icon]], @done(value). */
  function pick(titleKey, items, done) {
    $("overlay").innerHTML = '<div class="sheet pick"><h2>' + esc(t(titleKey)) + '</h2><div class="choices">' +
      items.map(function (it) {
        return '<button class="act choice need" data-need="pick-' + esc(it[0]) + '" data-pick="' + esc(it[0]) + '">' +
          (it[2] ? icon(it[2]) : "") + "<span>" + esc(t(it[1])) + "</span></button>";
      }).join("") + '</div><button class="act quiet need" data-need="pick-close" data-act="close">' + esc(t("btn.close")) +
      "</button></div>";
    $("overlay").hidden = false;
    overlayRedraw = function () { pick(titleKey, items, done); };
    overlayDone = function (v) { closeOverlay(); done(v); };
  }
  /* A reason from a list, then an optional note on the keypad. */
  function reasonWithNote(titleKey, keys, done) {
    pick(titleKey, keys.map(function (k) { return [k, k]; }), function (k) {
      var reason = t(k);
      pick("pick.note", [["none", "btn.skip_note", "ok"], ["note", "btn.add_note", "keypad"]], function (v) {
        if (v === "none") return done(reason);
        keypadLower = true;
        keypad("keypad.note", "alnum", function (note) { keypadLower = false; done(reason + ": " + note); });
      });
    });
  }

  var SKIP_REASONS = {scale: ["reason.scale_broken", "reason.scale_missing", "reason.too_big", "reason.other"],
    camera: ["reason.camera_broken", "reason.camera_missing", "reason.other"]};
  var OVERRIDE_REASONS = ["oreason.damaged", "oreason.tags", "oreason.worn", "oreason.wrong_item",
    "oreason.missing", "oreason.goodwill", "oreason.checked", "oreason.supervisor"];

  function override() {
    var qc = status && status.routine === "ship_qc";
    var verdicts = qc ? ["qc_passed", "qc_failed"] : ["accept", "partial", "reject", "hold"];
    pick("pick.verdict", verdicts.map(function (v) { return [v, "verdict." + v, verdictIcon(v)]; }), function (v) {
      reasonWithNote("pick.reason", OVERRIDE_REASONS, function (reason) {
        var body = {verdict: v, reason: reason};
        var needsSupervisor = status && status.role !== "supervisor" &&
          ((v === "accept" || v === "partial" || v === "qc_passed") &&
           status.proposal && ["reject", "hold", "qc_failed"].indexOf(status.proposal.verdict) >= 0);
        if (!needsSupervisor) return post("/api/v1/confirm", body).catch(function () {});
        keypadLower = false;
        keypad("keypad.badge", "alnum", function (badge) {
          body.supervisor = badge;
          post("/api/v1/confirm", body).catch(function () {});
        });
      });
    });
  }

  function act(name, arg) {
    var s = status || {};
    var done = function () {};
    switch (name) {
    case "dismiss": showMessage(""); return;
    case "close": closeOverlay(); return;
    case "sign-in-name": return post("/api/v1/clerk", {name: arg}).catch(done);
    case "type-badge":
      keypadLower = false;
      return keypad("keypad.own_badge", "alnum", function (b) { post("/api/v1/clerk", {badge: b}).catch(done); });
    case "type-code":
      keypadLower = false;
      return keypad("keypad.code", "alnum", function (c) { post("/api/v1/scan", {code: c}).catch(done); });
    case "unexpected": return post("/api/v1/unexpected").catch(done);
    case "routine": return post("/api/v1/routine", {routine: arg}).catch(done);
    case "sign-out": return post("/api/v1/clerk", null, "DELETE").catch(done);
    case "weigh": return post("/api/v1/weigh").catch(done);
    case "manual-weight":
      return keypad("keypad.grams", "digits", function (g) {
        reasonWithNote("pick.reason", SKIP_REASONS.scale, function (reason) {
          post("/api/v1/weigh", {grams: parseInt(g, 10), reason: reason}).catch(done);
        });
      });
    case "skip":
      return reasonWithNote("pick.reason", SKIP_REASONS[arg] || SKIP_REASONS.camera, function (reason) {
        post("/api/v1/skip", {reason: reason}).catch(done);
      });
    case "photo": return post("/api/v1/photo").catch(done);
    case "items-done": return post("/api/v1/items-done").catch(done);
    case "remove": return post("/api/v1/remove").catch(done);
    case "answer": return post("/api/v1/answer", {answer: arg}).catch(done);
    case "measure":
      return keypad("keypad.value", "digits", function (v) { post("/api/v1/answer", {answer: v}).catch(done); },
        s.checklist && s.checklist.unit ? " (" + s.checklist.unit + ")" : "");
    case "confirm": return post("/api/v1/confirm", {verdict: s.proposal.verdict}).catch(done);
    case "override": return override();
    case "back": return post("/api/v1/back").catch(done);
    case "cancel": return post("/api/v1/cancel").catch(done);
    case "undo": return post("/api/v1/undo", {receipt: parseInt(arg, 10)}).catch(done);
    case "reprint": return post("/api/v1/reprint", {receipt: parseInt(arg, 10)}).catch(done);
    case "install": return installBundle(parseInt(arg, 10));
    case "look-again": return loadStation();
    case "retry":
      return post("/api/v1/outbox/" + encodeURIComponent(arg) + "/retry").then(loadStation, done);
    case "enlarge":
      $("overlay").innerHTML = '<div class="sheet photo"><img alt="" src="' + esc(arg) + '">' +
        button("close", t("btn.close"), {need: "photo-close"}) + "</div>";
      $("overlay").hidden = false;
      return;
    }
  }

  /* One listener for every tap: pointerup feels instant under a glove. */
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("button");
    if (!b || b.disabled) return;
    if (b.dataset.view) return go(b.dataset.view);
    if (b.id === "lang") return setLang(lang === "pl" ? "en" : "pl");
    if (b.dataset.key != null && overlayDone) return overlayDone(b.dataset.key);
    if (b.dataset.pick != null && overlayDone) return overlayDone(b.dataset.pick);
    if (b.dataset.act) act(b.dataset.act, b.dataset.arg);
  });
  function setLang(l) {
    lang = l;
    try { sessionStorage.setItem("retour.lang", lang); } catch (e) { /* ignore */ }
    document.documentElement.lang = lang;
    drawnView = null;
    render();
    if (overlayRedraw) overlayRedraw();
    if (lastError && $("message").innerHTML) showError(lastError);
  }
  window.retourLang = function () { return lang; };
  window.retourSetLang = setLang;

  document.documentElement.lang = lang;
  var start = (location.hash || "").replace("#", "");
  if (start === "station" || start === "kpi") view = start;
  render();
  if (view === "station") loadStation();
  connect();
})();
