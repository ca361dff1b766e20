(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var B = data.blocks;
  var title = document.getElementById("panel-title");
  var body = document.getElementById("panel-body");
  var diff = data.sides.length > 1;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function sideName(k) {
    return diff ? (k === 0 ? "a: " : "b: ") + data.sides[k] : "";
  }
  // check's first line, then its egress and ingress paragraphs.
  function checkText(from, to, port, a) {
    return (a[0] ? "ALLOWED" : "DENIED") + ": " + from + " -> " + to + " on " + port +
      "\n\n" + B[a[1]] + "\n\n" + B[a[2]];
  }
  function answer(box, from, to, port, k, a) {
    if (diff) box.appendChild(el("div", "side", sideName(k)));
    if (a === null) {
      box.appendChild(el("pre", "", "no such workload on this side"));
    } else if (Array.isArray(a)) {
      box.appendChild(el("pre", "explanation", checkText(from, to, port, a)));
    } else {
      box.appendChild(el("pre", "", (a ? "ALLOWED" : "DENIED") + ": " + from + " -> " + to + " on " + port +
        "\n\n(not embedded: this page holds " + data.budget + " explanations)\nnetpolgen check ... --from " +
        from + " --to " + to + " --port " + port));
    }
  }
  function pairBox(i, open) {
    var p = data.pairs[i], f = data.classes[p[0]], t = data.classes[p[1]];
    var d = el("details");
    d.open = open;
    d.appendChild(el("summary", "", f.id + " -> " + t.id + ": " + p[2].map(function (x) { return x[0]; }).join(", ")));
    p[2].forEach(function (port) {
      port[1].forEach(function (a, k) {
        answer(d, f.reps[k] || f.id, t.reps[k] || t.id, port[0], k, a);
      });
    });
    return d;
  }
  function extBox(i, open) {
    var x = data.ext[i];
    var d = el("details");
    d.open = open;
    d.appendChild(el("summary", "", x.title));
    x.sides.forEach(function (b, k) {
      if (diff) d.appendChild(el("div", "side", sideName(k)));
      d.appendChild(el("pre", "explanation", b === null ? "not on this side" : B[b]));
    });
    return d;
  }
  function more(boxes, n) {
    if (n) boxes.push(el("p", "more", "and " + n + " more class pairs; ask netpolgen check about any of them."));
  }
  function show(heading, boxes) {
    title.textContent = heading;
    body.textContent = "";
    boxes.forEach(function (b) { body.appendChild(b); });
  }
  function select(node) {
    document.querySelectorAll(".selected").forEach(function (e) { e.classList.remove("selected"); });
    if (node) node.classList.add("selected");
  }
  function showEdge(node) {
    var e = data.edges[+node.dataset.i];
    var few = e.pairs.length + e.ext.length <= 3;
    var boxes = e.pairs.map(function (p) { return pairBox(p, few); })
      .concat(e.ext.map(function (x) { return extBox(x, few); }));
    more(boxes, e.more);
    show(e.from + " -> " + e.to + ": " + e.ports + " (" + e.kind + (diff ? ", " + e.change : "") + ")", boxes);
  }
  function showNode(node) {
    var key = node.dataset.key;
    var boxes = [];
    data.classes.forEach(function (c) {
      if (c.id !== key && "ns:" + c.ns !== key && "cluster:" + c.ns !== key) return;
      var d = el("details");
      d.open = c.id === key;
      d.appendChild(el("summary", "", c.id + (c.members.length > 1 ? " (" + c.members.length + " workloads)" : "")));
      d.appendChild(el("div", "", c.members.join(", ")));
      c.iso.forEach(function (iso, k) {
        if (diff) d.appendChild(el("div", "side", sideName(k)));
        d.appendChild(el("pre", "", iso === null ? "not on this side" :
          "Ingress:\n" + B[iso[0]] + "\n\nEgress:\n" + B[iso[1]]));
      });
      boxes.push(d);
    });
    var edges = data.edges.filter(function (e) { return e.from === key || e.to === key; });
    if (edges.length) boxes.push(el("p", "", edges.length + " drawn connection(s); click one for its explanation."));
    show(key, boxes);
  }
  function showCell(node) {
    var key = node.dataset.key;
    var cell = data.cells.filter(function (c) { return c.key === key; })[0];
    var boxes = [];
    if (!cell) {
      show(key.slice(5).replace(">", " -> ") + ": nothing allowed", [el("p", "", "No connection between these namespaces is allowed, and none of their workloads has a port to ask about.")]);
      return;
    }
    var few = cell.pairs.length + cell.ext.length <= 3;
    cell.pairs.forEach(function (p) { boxes.push(pairBox(p, few)); });
    cell.ext.forEach(function (x) { boxes.push(extBox(x, few)); });
    more(boxes, cell.more);
    if (cell.denied) {
      var dn = cell.denied, f = data.classes[dn.from], t = data.classes[dn.to];
      var d = el("details");
      d.open = boxes.length === 0;
      d.appendChild(el("summary", "", "denied, for example " + f.id + " -> " + t.id + ": " + dn.port));
      answer(d, f.reps[dn.side], t.reps[dn.side], dn.port, dn.side, dn.answer);
      boxes.push(d);
    }
    show(key.slice(5).replace(">", " -> ") + ": " + node.textContent + " (" + node.title + ")", boxes);
  }
  document.addEventListener("click", function (ev) {
    var node = ev.target.closest ? ev.target.closest("[data-key]") : null;
    if (!node) return;
    select(node);
    if (node.classList.contains("edge")) showEdge(node);
    else if (node.classList.contains("cell")) showCell(node);
    else showNode(node);
  });

  // The filter: nodes whose names match, the edges touching them, and the
  // matrix rows and columns of their namespaces.
  var filter = document.getElementById("filter");
  filter.addEventListener("input", function () {
    var q = filter.value.trim().toLowerCase();
    var keep = {};
    document.querySelectorAll("#graph [data-search]").forEach(function (n) {
      var hit = !q || n.dataset.search.indexOf(q) >= 0;
      if (hit) keep[n.dataset.key] = true;
      n.classList.toggle("dim", !hit);
    });
    document.querySelectorAll("#graph .edge").forEach(function (e) {
      e.classList.toggle("dim", !(keep[e.dataset.from] || keep[e.dataset.to]));
    });
    var nss = {};
    data.classes.forEach(function (c) {
      if (!q || (c.ns + " " + c.members.map(function (m) { return c.ns + "/" + m; }).join(" ")).toLowerCase().indexOf(q) >= 0) nss[c.ns] = true;
    });
    nss.external = !q || "external".indexOf(q) >= 0 || Object.keys(nss).length > 0;
    document.querySelectorAll("#matrix [data-ns]").forEach(function (n) {
      n.classList.toggle("hidden", !nss[n.dataset.ns]);
    });
  });

  // A picture up to a quarter wider as its box is scaled to fit; a larger
  // one scrolls at full size.
  var svg = document.getElementById("graph");
  var box = svg.parentNode.clientWidth;
  if (box && svg.width.baseVal.value > box && svg.width.baseVal.value < 1.25 * box) svg.classList.add("fit");

  // `#test-filter=TEXT` types TEXT into the filter box.
  var f = /^#test-filter=(.*)$/.exec(location.hash);
  if (f) {
    filter.value = decodeURIComponent(f[1]);
    filter.dispatchEvent(new Event("input"));
  }
  // `#test-click=KEY` clicks that element once the page is ready.
  var m = /^#test-click=(.*)$/.exec(location.hash);
  if (m) {
    var key = decodeURIComponent(m[1]);
    var target = Array.prototype.filter.call(document.querySelectorAll("[data-key]"), function (n) {
      return n.dataset.key === key;
    })[0];
    if (target) target.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    document.body.dataset.clicked = target ? key : "missing";
  }
  document.body.dataset.ready = "1";
})();
