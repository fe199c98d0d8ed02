/* seedcheck report.html: filters and lazy rendering of the findings.
   Seed text comes from the embedded JSON and is only ever put into the page with
   textContent (never innerHTML); links are built from numbers only. */
(function () {
  "use strict";
  var F_FILE = 0, F_CHECK = 1, F_SEV = 2, F_LINE = 3, F_COL = 4, F_ELINE = 5, F_ECOL = 6,
      F_MSG = 7, F_BASE = 8, F_FIX = 9, F_REL = 10, F_CTX = 11, F_MORE = 12;
  var CHUNK_FILES = 25, CHUNK_FINDINGS = 250, PER_FILE = 200;
  var meta = JSON.parse(document.getElementById("seedcheck-meta").textContent);
  var D = null, byFile = null, category = null;
  var groups = [], next = 0, shownIdx = [], current = null, observer = null;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function shq(s) {
    return /^[A-Za-z0-9_.\/=:@%+-]+$/.test(s) ? s : "'" + s.replace(/'/g, "'\\''") + "'";
  }

  function load() {
    var raw = $("seedcheck-data").textContent;
    if (meta.encoding === "json") { return Promise.resolve(JSON.parse(raw)); }
    if (typeof DecompressionStream === "undefined") {
      return Promise.reject(new Error("this browser cannot inflate the embedded findings " +
        "(no DecompressionStream); read report.md or report.json instead"));
    }
    var bin = atob(raw.trim()), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(
      new DecompressionStream("deflate-raw"));
    return new Response(stream).text().then(fromLines);
  }

  /* The compressed payload's text: the head (files, checks, ...) on its first line, then
     one finding a line, naming its file and check (so that a seed added or removed
     leaves every other finding's text as it was); here they become indexes. */
  function fromLines(text) {
    var cut = text.indexOf("\n"), data = JSON.parse(text.slice(0, cut));
    var rows = text.slice(cut + 1).replace(/\n$/, "");
    var fileAt = {}, checkAt = {};
    data.files.forEach(function (f, i) { fileAt[f[0]] = i; });
    data.checks.forEach(function (c, i) { checkAt[c] = i; });
    data.findings = rows ? JSON.parse("[" + rows.split("\n").join(",") + "]") : [];
    data.findings.forEach(function (f) {
      f[F_FILE] = fileAt[f[F_FILE]];
      f[F_CHECK] = checkAt[f[F_CHECK]];
      f[F_REL].forEach(function (r) { r[0] = fileAt[r[0]]; });
    });
    return data;
  }

  function init(data) {
    D = data;
    byFile = {};
    category = D.checks.map(function (c) { return c.split(".")[0]; });
    D.findings.forEach(function (f, i) { (byFile[f[F_FILE]] = byFile[f[F_FILE]] || []).push(i); });
    ["f-category", "f-severity", "f-check", "f-new"].forEach(function (id) {
      $(id).addEventListener("change", apply);
    });
    var timer = null;
    ["f-path", "f-text"].forEach(function (id) {
      $(id).addEventListener("input", function () {
        clearTimeout(timer); timer = setTimeout(apply, 150);
      });
    });
    $("filters").addEventListener("submit", function (ev) { ev.preventDefault(); });
    $("f-reset").addEventListener("click", function () {
      $("filters").reset(); apply();
    });
    $("more").addEventListener("click", renderMore);
    if ("IntersectionObserver" in window) {
      observer = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) { renderMore(); }
      }, { rootMargin: "600px" });
      observer.observe($("more"));
    }
    window.addEventListener("hashchange", route);
    apply();
    document.body.setAttribute("data-ready-ms", String(Math.round(performance.now())));
    document.body.setAttribute("data-ready", "1");
    route();
  }

  function filters() {
    return {
      cat: $("f-category").value, sev: $("f-severity").value, check: $("f-check").value,
      path: $("f-path").value.trim().toLowerCase(), text: $("f-text").value.trim().toLowerCase(),
      fresh: $("f-new").checked
    };
  }

  function matches(f, q) {
    if (q.cat && category[f[F_CHECK]] !== q.cat) { return false; }
    if (q.sev && D.severities[f[F_SEV]] !== q.sev) { return false; }
    if (q.check && D.checks[f[F_CHECK]] !== q.check) { return false; }
    if (q.fresh && f[F_BASE]) { return false; }
    if (q.path && D.files[f[F_FILE]][0].toLowerCase().indexOf(q.path) < 0) { return false; }
    if (q.text) {
      var hay = f[F_MSG] + "\n" + D.checks[f[F_CHECK]];
      f[F_CTX].forEach(function (r) { hay += "\n" + r.slice(1).join(""); });
      if (hay.toLowerCase().indexOf(q.text) < 0) { return false; }
    }
    return true;
  }

  function apply() {
    var q = filters();
    shownIdx = [];
    groups = [];
    var last = -1;
    for (var i = 0; i < D.findings.length; i++) {
      var f = D.findings[i];
      if (!matches(f, q)) { continue; }
      shownIdx.push(i);
      if (f[F_FILE] !== last) { groups.push({ file: f[F_FILE], items: [] }); last = f[F_FILE]; }
      groups[groups.length - 1].items.push(i);
    }
    next = 0;
    $("files").textContent = "";
    $("jump").textContent = "";
    counts(q);
    commands(q);
    renderMore();
  }

  function counts(q) {
    var total = D.findings.length, n = shownIdx.length;
    $("shown").textContent = "Showing " + n + " of " + total + " findings in " + groups.length +
      " files" + (n === total ? "" : " (filtered)") + ".";
    var cats = {}, sev = [0, 0, 0];
    D.categories.forEach(function (c) { cats[c] = [0, 0, 0]; });
    shownIdx.forEach(function (i) {
      var f = D.findings[i];
      cats[category[f[F_CHECK]]][f[F_SEV]] += 1;
      sev[f[F_SEV]] += 1;
    });
    var body = $("filtered-counts").tBodies[0];
    body.textContent = "";
    D.categories.concat(["total"]).forEach(function (c) {
      var row = c === "total" ? sev : cats[c];
      var tr = el("tr", c === "total" ? "total" : "");
      tr.setAttribute("data-category", c);
      tr.appendChild(el("th", "", c));
      row.forEach(function (v) { tr.appendChild(el("td", "", v)); });
      tr.appendChild(el("td", "", row[0] + row[1] + row[2]));
      body.appendChild(tr);
    });
  }

  function commands(q) {
    var paths = [], seen = {};
    shownIdx.forEach(function (i) {
      var f = D.findings[i], p = D.files[f[F_FILE]][0];
      if (f[F_FIX] && !seen[p]) { seen[p] = 1; paths.push(p); }
    });
    var base = meta.seeds_dir.replace(/\/$/, "");
    var sel = q.check || q.cat;
    var args = (sel ? " --select " + shq(sel) : "");
    var where = paths.length && paths.length <= 20 ?
      paths.map(function (p) { return shq(base + "/" + p); }).join(" ") : shq(base);
    $("cmd-fix").textContent = "python -m checks fix" + args + " " + where;
    $("cmd-write").textContent = "python -m checks fix --write" + args + " " + where;
  }

  function renderMore() {
    if (!D) { return; }
    var box = $("files"), files = 0, items = 0;
    while (next < groups.length && files < CHUNK_FILES && items < CHUNK_FINDINGS) {
      var g = groups[next++];
      box.appendChild(fileSection(g.file, g.items, false));
      files += 1; items += g.items.length;
    }
    var btn = $("more");
    btn.hidden = next >= groups.length;
    btn.textContent = "Show more files (" + (groups.length - next) + " left)";
  }

  function fileSection(fi, items, outside) {
    var file = D.files[fi];
    var sec = el("section", "file" + (outside ? " outside" : ""));
    sec.id = (outside ? "jump-" : "file-") + fi;
    sec.setAttribute("data-file", fi);
    var h = el("h3");
    h.appendChild(el("span", "path", file[0]));
    if (file[1]) { h.appendChild(el("span", "status " + file[1], file[1])); }
    var all = byFile[fi] || [];
    h.appendChild(el("span", "status", items.length + (items.length === all.length ? "" : " of " +
      all.length) + (all.length === 1 ? " finding" : " findings")));
    sec.appendChild(h);
    if (!all.length) {
      sec.appendChild(el("p", "note", "No findings in this file; other findings point here."));
    }
    // a file with very many findings is drawn PER_FILE at a time too
    var done = 0, btn = el("button", "more-in-file");
    btn.type = "button";
    function more() {  // draws the next part; false when all was drawn already
      if (done >= items.length && done > 0) { return false; }
      items.slice(done, done + PER_FILE).forEach(function (i) {
        sec.insertBefore(finding(i), btn);
      });
      done = Math.min(items.length, done + PER_FILE);
      btn.hidden = done >= items.length;
      btn.textContent = "Show " + Math.min(PER_FILE, items.length - done) + " more of " +
        (items.length - done) + " findings left in this file";
      return true;
    }
    btn.addEventListener("click", more);
    sec.appendChild(btn);
    more();
    sec.moreFindings = more;
    return sec;
  }

  function segs(parent, before, marked, after) {
    parent.appendChild(document.createTextNode(before || ""));
    if (marked) { parent.appendChild(el("mark", "", marked)); }
    parent.appendChild(document.createTextNode(after || ""));
  }

  function finding(i) {
    var f = D.findings[i], sev = D.severities[f[F_SEV]], path = D.files[f[F_FILE]][0];
    var box = el("div", "finding " + sev);
    box.id = "f-" + i;
    box.setAttribute("data-line", f[F_LINE]);
    box.setAttribute("data-end-line", f[F_ELINE]);
    var head = el("div", "head");
    var loc = el("a", "loc", path + ":" + f[F_LINE] + ":" + f[F_COL]);
    loc.href = "#f-" + i;
    head.appendChild(loc);
    head.appendChild(el("span", "sev " + sev, sev));
    head.appendChild(el("code", "check", D.checks[f[F_CHECK]]));
    if (f[F_BASE]) { head.appendChild(el("span", "base", "(baselined)")); }
    box.appendChild(head);
    box.appendChild(el("p", "msg", f[F_MSG]));
    var ctx = el("table", "ctx");
    f[F_CTX].forEach(function (r) {
      var tr = el("tr", r[0] === 0 ? "gap" : (r[0] >= f[F_LINE] && r[0] <= f[F_ELINE] ? "hit" : ""));
      tr.appendChild(el("td", "ln", r[0] === 0 ? "" : r[0]));
      var td = el("td", "tx");
      if (r[0] === 0) { td.textContent = r[1]; } else { segs(td, r[1], r[2], r[3]); }
      tr.appendChild(td);
      ctx.appendChild(tr);
    });
    box.appendChild(ctx);
    var fix = f[F_FIX];
    if (fix) {
      var fx = el("div", "fix");
      fx.appendChild(el("span", "label", "fix: "));
      fx.appendChild(el("span", "", (fix[0] === "" ? "delete" : "replace with \u201c" + fix[0] +
        "\u201d") + (fix[1] ? " (safe)" : " (needs review)")));
      if (fix[2] && fix[2].length) {
        var dt = el("table", "diff");
        fix[2].forEach(function (r) {
          var tr = el("tr", r[0] === "-" ? "del" : "add");
          tr.appendChild(el("td", "sign", r[0]));
          tr.appendChild(el("td", "ln", r[1] || ""));
          var td = el("td", "tx");
          segs(td, r[2], r[3], r[4]);
          tr.appendChild(td);
          dt.appendChild(tr);
        });
        fx.appendChild(dt);
      }
      box.appendChild(fx);
    }
    if (f[F_REL].length) {
      var rel = el("div", "related");
      rel.appendChild(el("span", "", "see: "));
      f[F_REL].forEach(function (r, k) {
        var line = el("div", "rel-item");
        var a = el("a", "rel", D.files[r[0]][0] + ":" + r[1] + ":" + r[2] +
          (r[3] !== r[1] ? "\u2013" + r[3] : ""));
        a.href = "#at-" + r[0] + "-" + r[1];
        line.appendChild(a);
        if (r[5] && r[5].length) {
          var pv = el("span", "preview");
          segs(pv, r[5][0], r[5][1], r[5][2]);
          line.appendChild(pv);
        }
        rel.appendChild(line);
      });
      if (f[F_MORE]) { rel.appendChild(el("div", "note", "and " + f[F_MORE] + " more places")); }
      box.appendChild(rel);
    }
    return box;
  }

  function findFile(path) {
    for (var i = 0; i < D.files.length; i++) { if (D.files[i][0] === path) { return i; } }
    return -1;
  }

  function ensureFile(fi) {
    var sec = $("file-" + fi) || $("jump-" + fi);
    if (sec) { return sec; }
    for (var g = next; g < groups.length; g++) {
      if (groups[g].file === fi) {
        while (next <= g) { renderMore(); }
        return $("file-" + fi);
      }
    }
    sec = fileSection(fi, byFile[fi] || [], true);
    $("jump").appendChild(sec);
    return sec;
  }

  function target(node) {
    if (current) { current.classList.remove("target"); }
    current = node;
    node.classList.add("target");
    node.scrollIntoView({ block: "center" });
  }

  function route() {
    if (!D) { return; }
    var h = location.hash.slice(1);
    try { h = decodeURIComponent(h); } catch (e) { return; }
    var m = /^at-(\d+)-(\d+)$/.exec(h), fi, line;
    if (m) { fi = +m[1]; line = +m[2]; }
    else if (h.indexOf("file=") === 0) { fi = findFile(h.slice(5)); line = 0; }
    else if (/^f-\d+$/.test(h)) {
      var i = +h.slice(2);
      if (i < D.findings.length) {
        var sec0 = ensureFile(D.findings[i][F_FILE]), node = sec0.querySelector("#f-" + i);
        while (!node && sec0.moreFindings && sec0.moreFindings()) {
          node = sec0.querySelector("#f-" + i);
        }
        target(node || sec0);
      }
      return;
    } else { return; }
    if (fi === undefined || fi < 0 || fi >= D.files.length) { return; }
    var sec = ensureFile(fi), best = null;
    while (line) {
      var cards = sec.querySelectorAll(".finding");
      for (var k = 0; k < cards.length; k++) {
        var a = +cards[k].getAttribute("data-line"), b = +cards[k].getAttribute("data-end-line");
        if (a <= line && line <= b) { best = cards[k]; break; }
      }
      if (best || !sec.moreFindings || !sec.moreFindings()) { break; }
    }
    target(best || sec);
  }

  var gen = $("generated");
  if (gen) { gen.textContent = "Generated " + meta.generated_at; }
  load().then(init).catch(function (err) {
    $("shown").textContent = "The findings could not be shown: " + err.message;
    $("shown").className = "shown warn";
  });
})();
