/* mtcodegen trajectory browser (docs/browser.md).
 *
 * Everything shown comes from data files that are scripts calling mtcgData({...}): a page opened from file://
 * cannot fetch() JSON in Chromium, but it may load scripts from beside it. Every string from the data (model
 * output, prompts, test values, even the cell's name) enters the document through text nodes; the only HTML
 * inserted is highlight.js's output, which escapes the code it highlights.
 */
(function () {
  "use strict";
  var FORMAT = 1;
  var OUTCOME_CLASSES = ["solved", "failed", "no_code", "error"];
  var OUTCOME_LABELS = { solved: "solved", failed: "failed", no_code: "no code", error: "error" };
  var COLORS = { failed: "#d1242f", no_code: "#8c959f", error: "#8250df",
                 solved: ["#1a7f37", "#4caf50", "#9ccc65", "#d4e157"] };
  var HIGHLIGHT_LIMIT = 200000; // characters; longer code is shown plain (highlighting it would stall the page)
  var KEEP_PROBLEMS = 8;        // problem files kept in memory

  // ---- loading data files --------------------------------------------------------------------------------
  var pending = new Map();  // <script> element -> resolve
  var cache = new Map();    // url -> Promise of the payload
  window.mtcgData = function (payload) {
    var resolve = pending.get(document.currentScript);
    if (resolve) { pending.delete(document.currentScript); resolve(payload); }
  };
  function load(url) {
    if (cache.has(url)) {
      var hit = cache.get(url); cache.delete(url); cache.set(url, hit);  // most recently used last
      return hit;
    }
    var promise = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      pending.set(script, resolve);
      script.onerror = function () {
        pending.delete(script); cache.delete(url); script.remove();
        reject(new Error("could not load " + url + " (not built yet, or moved?)"));
      };
      script.onload = function () {
        script.remove();
        if (pending.has(script)) { pending.delete(script); cache.delete(url); reject(new Error(url + " is not a data file")); }
      };
      script.src = url;
      document.head.appendChild(script);
    }).then(function (payload) {
      if (!payload || payload.format !== FORMAT) throw new Error(url + ": data format " + (payload && payload.format) + ", this page reads " + FORMAT);
      return payload;
    });
    cache.set(url, promise);
    var problems = Array.from(cache.keys()).filter(function (u) { return u.indexOf("/data/p/") >= 0 || u.indexOf("data/p/") === 0; });
    while (problems.length > KEEP_PROBLEMS) cache.delete(problems.shift());
    return promise;
  }

  // ---- DOM helpers: text only ---------------------------------------------------------------------------
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) for (var key in attrs) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "style") node.style.cssText = value;  // CSSOM: allowed by the page's CSP, unlike style=""
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function pre(text, cls) { return el("pre", { class: cls || "text" }, text === null || text === undefined ? "" : String(text)); }
  function fmt(x, digits) { return typeof x === "number" ? x.toFixed(digits === undefined ? 3 : digits) : "–"; }

  function outcomeClass(code) { return code > 0 ? "solved" : code === 0 ? "failed" : code === -1 ? "no_code" : "error"; }
  function outcomeColor(code) { return code > 0 ? COLORS.solved[Math.min(code, 4) - 1] : COLORS[outcomeClass(code)]; }
  function outcomeName(code) { return code > 0 ? "solved at turn " + code : OUTCOME_LABELS[outcomeClass(code)]; }

  // ---- state ---------------------------------------------------------------------------------------------
  var state = {
    index: null, filter: { outcomes: new Set(OUTCOME_CLASSES), turn: 0, difficulty: "", search: "" },
    file: null, sample: null, compare: "", peerSample: null
  };
  function sampleMatches(code) {
    var f = state.filter;
    if (!f.outcomes.has(outcomeClass(code))) return false;
    return !f.turn || code === f.turn;  // the turn filter keeps samples solved at that turn
  }
  function problemMatches(p) {
    var f = state.filter;
    if (f.difficulty && String(p.difficulty === null ? "(none)" : p.difficulty) !== f.difficulty) return false;
    if (f.search && p.id.toLowerCase().indexOf(f.search.toLowerCase()) < 0) return false;
    return p.outcomes.some(sampleMatches);
  }

  // URL fragment: #p=<file>&s=<sample>&cmp=<peer dir>&ps=<peer sample>, so that a view can be linked/reloaded.
  function readHash() {
    var params = new URLSearchParams(location.hash.slice(1));
    state.file = params.has("p") ? Number(params.get("p")) : null;
    state.sample = params.has("s") ? Number(params.get("s")) : null;
    var cmp = params.get("cmp") || "";
    state.compare = state.index.peers.some(function (p) { return p.dir === cmp; }) ? cmp : "";
    state.peerSample = params.has("ps") ? Number(params.get("ps")) : null;
  }
  function writeHash() {
    var params = new URLSearchParams();
    if (state.file !== null) params.set("p", state.file);
    if (state.sample !== null) params.set("s", state.sample);
    if (state.compare) params.set("cmp", state.compare);
    if (state.peerSample !== null) params.set("ps", state.peerSample);
    history.replaceState(null, "", "#" + params.toString());
  }

  // ---- header and controls -------------------------------------------------------------------------------
  function renderHeader(index) {
    var label = index.label || {};
    document.title = (label.name || "cell") + " · trajectories";
    clear(document.getElementById("title")).appendChild(document.createTextNode("Trajectories of " + (label.name || "a cell")));
    var keys = ["model", "dataset", "reasoning", "instruction", "feedback", "turns", "cot_retry", "finetuned", "block",
                "skipped"];  // skipped: why a cell has no trajectories (its model was never trained)
    var labels = el("div", { class: "labels" }, keys.filter(function (k) { return k in label; }).map(function (k) {
      return el("span", null, k + ": ", el("b", null, String(label[k])));
    }), el("span", null, "problems: ", el("b", null, String(index.problems.length))),
        el("span", null, "trajectories: ", el("b", null, String(index.trajectories))));
    var spec = el("details", null, el("summary", null, "full cell specification (the generate node's manifest)"),
                  pre(JSON.stringify(index.spec || {}, null, 2)));
    var legend = el("div", { class: "legend" }, [1, 2, 3, 4].filter(function (t) { return t <= Math.max(index.turns, 1); }).map(function (t) {
      return el("span", null, el("span", { class: "swatch", style: "background:" + COLORS.solved[t - 1] }), t < 4 ? "solved at turn " + t : "solved at turn ≥ 4");
    }), ["failed", "no_code", "error"].map(function (c) {
      return el("span", null, el("span", { class: "swatch", style: "background:" + COLORS[c] }), OUTCOME_LABELS[c]);
    }));
    append(clear(document.getElementById("spec")), [labels, legend, spec]);
  }

  function renderControls(index) {
    var counts = { solved: 0, failed: 0, no_code: 0, error: 0 };
    index.problems.forEach(function (p) { p.outcomes.forEach(function (o) { counts[outcomeClass(o)]++; }); });
    var box = clear(document.getElementById("controls"));
    append(box, el("span", null, "outcome:"));
    OUTCOME_CLASSES.forEach(function (c) {
      var input = el("input", { type: "checkbox", id: "f-" + c, checked: state.filter.outcomes.has(c), onchange: function () {
        if (input.checked) state.filter.outcomes.add(c); else state.filter.outcomes.delete(c);
        renderList(); renderSamplesAgain();
      } });
      append(box, el("label", null, input, " " + OUTCOME_LABELS[c] + " ", el("span", { class: "count" }, "(" + counts[c] + ")")));
    });
    var turn = el("select", { id: "f-turn", onchange: function () { state.filter.turn = Number(turn.value); renderList(); renderSamplesAgain(); } },
                  el("option", { value: "0" }, "any"));
    for (var t = 1; t <= index.turns; t++) append(turn, el("option", { value: String(t) }, String(t)));
    append(box, el("label", null, "solved at turn ", turn));
    var values = Array.from(new Set(index.problems.map(function (p) { return p.difficulty === null ? "(none)" : String(p.difficulty); }))).sort();
    var difficulty = el("select", { id: "f-difficulty", onchange: function () { state.filter.difficulty = difficulty.value; renderList(); } },
                        el("option", { value: "" }, "all"), values.map(function (v) { return el("option", { value: v }, v); }));
    append(box, el("label", null, "difficulty ", difficulty));
    var search = el("input", { id: "f-search", type: "search", placeholder: "problem id", size: 14, oninput: function () {
      state.filter.search = search.value; renderList(); } });
    append(box, el("label", null, "id ", search));
    if (index.peers.length) {
      var compare = el("select", { id: "f-compare", onchange: function () {
        state.compare = compare.value; state.peerSample = null; writeHash(); renderDetail(); } },
        el("option", { value: "" }, "none"), index.peers.map(function (p) {
          return el("option", { value: p.dir, selected: p.dir === state.compare }, p.name); }));
      append(box, el("label", null, "side by side with ", compare));
    }
    append(box, el("span", { id: "match-count", class: "count" }));
  }

  // ---- problem list --------------------------------------------------------------------------------------
  function stripGeometry(n) {
    var cell = n <= 20 ? 12 : n <= 60 ? 6 : 4;
    var cols = Math.max(1, Math.min(n, Math.floor(240 / cell)));
    return { cell: cell, cols: cols, rows: Math.ceil(n / cols) };
  }
  function drawStrip(canvas, outcomes) {
    var g = stripGeometry(outcomes.length), gap = g.cell >= 6 ? 1 : 0;
    canvas.width = g.cols * g.cell; canvas.height = g.rows * g.cell;
    var ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    outcomes.forEach(function (o, i) {
      ctx.globalAlpha = sampleMatches(o) ? 1 : 0.15;
      ctx.fillStyle = outcomeColor(o);
      ctx.fillRect((i % g.cols) * g.cell, Math.floor(i / g.cols) * g.cell, g.cell - gap, g.cell - gap);
    });
  }
  function stripIndexAt(canvas, outcomes, event) {
    var g = stripGeometry(outcomes.length), r = canvas.getBoundingClientRect();
    var i = Math.floor((event.clientY - r.top) / g.cell) * g.cols + Math.floor((event.clientX - r.left) / g.cell);
    return i >= 0 && i < outcomes.length ? i : null;
  }

  var listBody = null;
  function renderList() {
    var index = state.index, section = clear(document.getElementById("list"));
    var table = el("table", { class: "problems" }, el("thead", null, el("tr", null,
      el("th", null, "problem"), el("th", null, "difficulty"), el("th", { title: "samples solved (any turn) / samples" }, "solved"), el("th", null, "samples"))));
    listBody = el("tbody");
    var shownProblems = 0, shownSamples = 0, totalSamples = 0;
    index.problems.forEach(function (p) {
      totalSamples += p.outcomes.length;
      if (!problemMatches(p)) return;
      shownProblems++;
      shownSamples += p.outcomes.filter(sampleMatches).length;
      var solved = p.outcomes.filter(function (o) { return o > 0; }).length;
      var canvas = el("canvas", { class: "strip", title: "click a sample" });
      drawStrip(canvas, p.outcomes);
      canvas.addEventListener("click", function (event) {
        var i = stripIndexAt(canvas, p.outcomes, event);
        if (i !== null) openProblem(p.file, p.samples[i]);
      });
      canvas.addEventListener("mousemove", function (event) {
        var i = stripIndexAt(canvas, p.outcomes, event);
        canvas.title = i === null ? "" : "sample " + p.samples[i] + ": " + outcomeName(p.outcomes[i]);
      });
      var row = el("tr", { "data-file": p.file, class: p.file === state.file ? "current" : null },
        el("td", null, el("button", { class: "link", onclick: function () { openProblem(p.file, null); } }, p.id)),
        el("td", null, p.difficulty === null ? "–" : String(p.difficulty), p.rating ? " (" + p.rating + ")" : ""),
        el("td", null, solved + "/" + p.outcomes.length),
        el("td", null, canvas));
      listBody.appendChild(row);
    });
    table.appendChild(listBody);
    section.appendChild(table);
    if (!shownProblems) section.appendChild(el("p", { class: "note" }, "No problem has a sample that matches the filter."));
    var count = document.getElementById("match-count");
    if (count) count.textContent = shownProblems + " of " + index.problems.length + " problems, " + shownSamples + " of " + totalSamples + " trajectories match";
  }
  function markCurrentRow() {
    if (!listBody) return;
    Array.from(listBody.children).forEach(function (row) { row.classList.toggle("current", Number(row.getAttribute("data-file")) === state.file); });
  }

  // ---- one problem, one trajectory -----------------------------------------------------------------------
  function openProblem(file, sample) {
    state.file = file; state.sample = sample; state.peerSample = null;
    writeHash(); markCurrentRow(); renderDetail();
  }

  var detailToken = 0;
  function renderDetail() {
    var token = ++detailToken, detail = document.getElementById("detail");
    if (state.file === null) return;
    var entry = state.index.problems.find(function (p) { return p.file === state.file; });
    if (!entry) { clear(detail).appendChild(el("p", { class: "error-note" }, "No problem number " + state.file + " in this cell.")); return; }
    document.body.setAttribute("data-trajectory", "loading");
    load("data/p/" + entry.file + ".js").then(function (data) {
      if (token !== detailToken) return;
      if (state.sample === null || !data.trajectories.some(function (t) { return t.sample === state.sample; })) {
        var first = data.trajectories.find(function (t) { return sampleMatches(t.outcome); }) || data.trajectories[0];
        state.sample = first.sample; writeHash();
      }
      clear(detail);
      detail.appendChild(problemHead(data));
      var columns = el("div", { class: "columns" });
      var left = el("div", { class: "column", id: "column-main" });
      columns.appendChild(left);
      detail.appendChild(columns);
      renderColumn(left, data, state.index.label && state.index.label.name, state.sample, function (s) {
        state.sample = s; writeHash(); renderDetail(); });
      document.body.classList.toggle("comparing", !!state.compare);
      if (state.compare) {
        var right = el("div", { class: "column", id: "column-peer" }, el("p", { class: "note" }, "Loading the other cell…"));
        columns.appendChild(right);
        return renderPeer(right, entry.id, token).then(function () { return true; });
      }
      return true;
    }).then(function (done) {
      if (done && token === detailToken) document.body.setAttribute("data-trajectory", state.file + ":" + state.sample);
    }).catch(function (err) {
      if (token !== detailToken) return;
      clear(detail).appendChild(el("p", { class: "error-note" }, String(err.message || err)));
      document.body.setAttribute("data-trajectory", "error");
    });
  }
  function renderSamplesAgain() {
    document.querySelectorAll(".samples button").forEach(function (b) {
      b.classList.toggle("dim", !sampleMatches(Number(b.getAttribute("data-outcome"))));
    });
  }

  function renderPeer(column, problemId, token) {
    var peer = state.index.peers.find(function (p) { return p.dir === state.compare; });
    var base = peer.dir.replace(/\/+$/, "") + "/";
    return load(base + "data/index.js").then(function (peerIndex) {
      var entry = peerIndex.problems.find(function (p) { return p.id === problemId; });
      if (!entry) throw new Error(peer.name + " has no trajectories for " + problemId);
      return load(base + "data/p/" + entry.file + ".js").then(function (data) {
        if (token !== detailToken) return;
        clear(column);
        var sample = state.peerSample;
        if (sample === null || !data.trajectories.some(function (t) { return t.sample === sample; })) {
          sample = data.trajectories.some(function (t) { return t.sample === state.sample; }) ? state.sample : data.trajectories[0].sample;
        }
        renderColumn(column, data, peerIndex.label && peerIndex.label.name || peer.name, sample, function (s) {
          state.peerSample = s; writeHash(); renderDetail(); });
      });
    }).catch(function (err) {
      if (token !== detailToken) return;
      clear(column).appendChild(el("p", { class: "error-note" }, peer.name + ": " + String(err.message || err)));
    });
  }

  function problemHead(data) {
    var p = data.problem, s = data.strings;
    var facts = [p.kind === "call" ? "function " + (p.entry_point || "?") : "stdin/stdout program",
                 "difficulty " + (p.difficulty === null ? "–" : p.difficulty) + (p.rating ? " (rating " + p.rating + ")" : ""),
                 p.public_tests.length + " public tests", p.private_total + " private tests", "checker " + p.checker];
    if (p.time_limit_s) facts.push("time limit " + p.time_limit_s + " s");
    return el("div", { class: "problem-head" },
      el("h2", null, p.id),
      el("div", { class: "stats" }, facts.join(" · ")),
      el("details", { open: true }, el("summary", null, "statement"), el("div", { class: "statement" }, pre(s[p.statement]))),
      el("details", null, el("summary", null, "public tests (input, expected)"), testsTable(p.public_tests.map(function (t, i) {
        return { index: i, input: t.input, expected: t.expected }; }), false)));
  }

  function renderColumn(column, data, cellName, sample, choose) {
    var t = data.trajectories.find(function (x) { return x.sample === sample; });
    column.appendChild(el("h3", null, cellName || "this cell"));
    column.appendChild(el("div", { class: "samples" }, data.trajectories.map(function (x) {
      return el("button", { title: "sample " + x.sample + ": " + outcomeName(x.outcome), "data-outcome": x.outcome, "data-sample": x.sample,
        class: (x.sample === sample ? "current" : "") + (sampleMatches(x.outcome) ? "" : " dim"),
        style: "background:" + outcomeColor(x.outcome) + (x.outcome >= 3 ? ";color:#1f2328" : ""),  // light greens: dark text
        onclick: function () { choose(x.sample); } }, String(x.sample));
    })));
    column.appendChild(trajectoryView(t, data));
  }

  function verdictBadge(v) { return el("span", { class: "verdict " + (v || "") }, v || "?"); }

  function testsTable(rows, withResult) {
    var head = ["#", withResult ? "verdict" : null, "input", "expected", withResult ? "got" : null, withResult ? "detail / stderr" : null]
      .filter(function (h) { return h !== null; });
    var cols = el("colgroup", null, el("col", { class: "n" }), withResult ? el("col", { class: "v" }) : null);
    return el("table", { class: "tests" }, cols, el("thead", null, el("tr", null, head.map(function (h) { return el("th", null, h); }))),
      el("tbody", null, rows.map(function (r) {
        return el("tr", null, el("td", null, String(r.index)), withResult ? el("td", null, verdictBadge(r.verdict)) : null,
          el("td", null, pre(r.input)), el("td", null, pre(r.expected)),
          withResult ? el("td", null, pre(r.got)) : null, withResult ? el("td", null, pre(r.detail)) : null);
      })));
  }

  function verdictBlock(title, summary, tests, note) {
    if (!summary) return el("div", { class: "stats" }, title + ": none");
    var rows = (summary.tests || []).map(function (t) {
      var known = tests[String(t.index)] || tests[t.index] || {};
      var got = t.got !== undefined && t.got !== null && t.got !== "" ? t.got : t.stdout;
      var detail = [t.detail, t.stderr].filter(function (x) { return x; }).join("\n");
      return { index: t.index, verdict: t.verdict, input: known.input === undefined ? "(not shown)" : known.input,
               expected: known.expected === undefined ? "(not shown)" : known.expected, got: got, detail: detail };
    });
    var box = el("div", { class: "verdict-block" }, el("div", null, title + ": ", verdictBadge(summary.verdict),
      " " + summary.passed + "/" + summary.total + " passed", summary.detail ? " · " + summary.detail : "",
      typeof summary.time_s === "number" ? " · " + fmt(summary.time_s) + " s" : ""));
    if (note) box.appendChild(el("div", { class: "stats" }, note));
    if (rows.length) box.appendChild(testsTable(rows, true));
    if (summary.trace) box.appendChild(el("details", null, el("summary", null, "execution trace (LDB feedback)"), pre(JSON.stringify(summary.trace, null, 1))));
    return box;
  }

  function codeOf(attempt, strings, response) {
    if (attempt.code === null || attempt.code === undefined) return null;
    if (typeof attempt.code === "number") return strings[attempt.code];
    return response.slice(attempt.code[0], attempt.code[1]);
  }
  function highlighted(code) {
    var block = el("code", { class: "language-python hljs" });
    if (window.hljs && code.length <= HIGHLIGHT_LIMIT) {
      // highlight.js escapes the code it is given: its output is the only HTML this page inserts.
      block.innerHTML = window.hljs.highlight(code, { language: "python", ignoreIllegals: true }).value;
    } else {
      block.textContent = code;
    }
    return el("pre", { class: "code" }, block);
  }
  function splitLines(code) {  // the same split as payload.py's _lines
    var lines = code.split("\n");
    if (lines.length && lines[lines.length - 1] === "") lines.pop();
    return lines;
  }
  function diffView(diff, before, after) {
    var a = splitLines(before), b = splitLines(after), rows = [];
    diff.ops.forEach(function (op) {
      var tag = op[0];
      if (tag === "equal") for (var i = op[1], j = op[3]; i < op[2]; i++, j++) rows.push(["eq", i + 1, j + 1, " ", a[i]]);
      if (tag === "delete" || tag === "replace") for (var k = op[1]; k < op[2]; k++) rows.push(["del", k + 1, "", "-", a[k]]);
      if (tag === "insert" || tag === "replace") for (var m = op[3]; m < op[4]; m++) rows.push(["ins", "", m + 1, "+", b[m]]);
    });
    var changed = rows.filter(function (r) { return r[0] !== "eq"; }).length;
    return el("div", { class: "diff", "data-similarity": diff.similarity },
      el("div", { class: "head" }, "diff of the code, attempt " + (diff.from + 1) + " → " + (diff.to + 1) + " · similarity ",
        el("b", { class: "similarity" }, diff.similarity.toFixed(3)),
        " (token difflib ratio, as in the similarity figure) · " + changed + " changed lines"),
      el("table", null, el("tbody", null, rows.map(function (r) {
        return el("tr", { class: r[0] }, el("td", { class: "no" }, String(r[1])), el("td", { class: "no" }, String(r[2])),
          el("td", { class: "sign" }, r[3]), el("td", { class: "text" }, r[4]));
      }))));
  }

  function trajectoryView(t, data) {
    var s = data.strings, p = data.problem, box = el("div", { class: "trajectory", "data-sample": t.sample });
    var final = t.final ? "final: public " + (t.final.public_pass ? "pass" : "fail") + ", private " + (t.final.private_pass ? "pass" : "fail") : "";
    box.appendChild(el("div", { class: "stats" }, "sample " + t.sample + " · seed " + t.seed + " · finish " + t.finish + " · ",
      el("b", { style: "color:" + outcomeColor(t.outcome) }, outcomeName(t.outcome)), final ? " · " + final : ""));
    var codes = t.attempts.map(function (a, i) {
      var response = null;
      t.messages.forEach(function (m) { if (m.attempt === i && m.kind === "code") response = s[m.text]; });
      return codeOf(a, s, response || "");
    });
    t.messages.forEach(function (m) {
      var kind = m.kind.split(" ")[0];
      var attempt = m.attempt === null ? null : t.attempts[m.attempt];
      var head = el("div", { class: "head" }, el("span", { class: "kind" }, m.kind), el("span", null, m.role),
        attempt ? el("span", null, "attempt " + (m.attempt + 1) + " (turn " + attempt.turn + ")") : null,
        attempt && m.kind.indexOf("reasoning prompt") >= 0 && attempt.reasoning.length ? el("span", null, "prompt: " + attempt.reasoning.join(" + ")) : null,
        attempt && m.kind === "instruction" && attempt.instruction ? el("span", null, "instruction: " + attempt.instruction) : null);
      // The system prompt is the same in every trajectory of a cell: folded, one click away.
      var body = el("div", { class: "body" }, m.kind === "system"
        ? el("details", null, el("summary", null, s[m.text].length + " characters"), pre(s[m.text])) : pre(s[m.text]));
      var card = el("div", { class: "msg " + m.role + " " + kind, "data-kind": m.kind }, head, body);
      box.appendChild(card);
      if (m.role !== "assistant" || m.kind !== "code" || !attempt) {
        if (m.kind === "reasoning answer" && attempt) body.appendChild(el("div", { class: "stats" }, "tokens and time of this call are counted with the code call of the same turn"));
        return;
      }
      var code = codes[m.attempt];
      if (code !== null) {
        body.appendChild(el("div", { class: "stats" }, "extracted code (" + attempt.extraction + ")"));
        body.appendChild(highlighted(code));
      } else {
        body.appendChild(el("div", { class: "stats" }, "no code extracted"));
      }
      body.appendChild(el("div", { class: "stats call-stats" },
        (attempt.prompt_tokens === undefined || attempt.prompt_tokens === null ? "?" : attempt.prompt_tokens) + " prompt + " +
        (attempt.completion_tokens === undefined || attempt.completion_tokens === null ? "?" : attempt.completion_tokens) + " completion tokens · generation " +
        fmt(attempt.generation_s) + " s · public judging " + fmt(attempt.judge_s) + " s" +
        (attempt.finish_reason ? " · finish " + attempt.finish_reason : "") + (attempt.response_truncated ? " · response truncated" : "") +
        (attempt.reasoning.length ? " (both calls of this turn)" : "")));
      body.appendChild(verdictBlock("public tests", attempt.public, Object.assign({}, p.public_tests), "shown to the model as feedback"));
      body.appendChild(verdictBlock("private tests", attempt.private, p.private_tests, "the final verdict; failed tests only"));
      var diff = t.diffs.find(function (d) { return d.to === m.attempt; });
      if (diff) box.appendChild(diffView(diff, codes[diff.from], codes[diff.to]));
    });
    return box;
  }

  // ---- start ---------------------------------------------------------------------------------------------
  function start() {
    var started = performance.now();
    load("data/index.js").then(function (index) {
      state.index = index;
      readHash();
      renderHeader(index);
      renderControls(index);
      renderList();
      if (state.file !== null) renderDetail();
      // A link to another view of this page (or the user editing the fragment) changes only the hash.
      window.addEventListener("hashchange", function () { readHash(); markCurrentRow(); if (state.file !== null) renderDetail(); });
      // Left/right arrows: the previous/next sample of the open problem (outside text fields).
      document.addEventListener("keydown", function (event) {
        if (state.sample === null || /^(INPUT|SELECT|TEXTAREA)$/.test(event.target.tagName)) return;
        if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
        var buttons = Array.from(document.querySelectorAll("#column-main .samples button"));
        var at = buttons.findIndex(function (b) { return Number(b.getAttribute("data-sample")) === state.sample; });
        var next = buttons[at + (event.key === "ArrowRight" ? 1 : -1)];
        if (next) { event.preventDefault(); next.click(); }
      });
      window.mtcgReady = { list_ms: performance.now() - started, since_navigation_ms: performance.now() };
      document.body.setAttribute("data-state", "ready");
    }).catch(function (err) {
      clear(document.getElementById("list")).appendChild(el("p", { class: "error-note" }, String(err.message || err)));
      document.body.setAttribute("data-state", "error");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
