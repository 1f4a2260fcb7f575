// tifa's graph view. Reads the graph from the JSON data block and draws it
// with Cytoscape.js. Every string from the corpus is put into the page with
// textContent (never as markup).
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('tifa-data').textContent);
  var LIMIT = data.limit;
  var all = data.elements;
  var FIXED = { id: 1, label: 1, type: 1, mentions: 1, degree: 1, docs: 1, sentences: 1, _color: 1, _shape: 1 };
  var byId = new Map();
  var byType = {};
  all.nodes.forEach(function (n) {
    var st = data.styles[n.data.type] || { color: '#cccccc', shape: 'ellipse' };
    n.data._color = st.color;
    n.data._shape = st.shape;
    byId.set(n.data.id, n);
    (byType[n.data.type] = byType[n.data.type] || []).push(n);
  });
  var typeNames = Object.keys(byType).sort();
  var checked = {};
  typeNames.forEach(function (t) { checked[t] = true; });
  var $ = function (id) { return document.getElementById(id); };
  var cy = null;
  var view = { cy: null, drawn: 0, search: search, data: data };
  window.tifaView = view;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  // Type filters.
  var boxes = [];
  typeNames.forEach(function (t) {
    var label = el('label');
    var box = el('input');
    box.type = 'checkbox';
    box.checked = true;
    box.addEventListener('change', function () { checked[t] = box.checked; draw(false); });
    boxes.push([t, box]);
    var sw = el('span', null, 'swatch');
    sw.style.background = data.styles[t].color;
    label.append(box, sw, document.createTextNode(t + ' (' + byType[t].length + ')'));
    $('filters').append(label);
  });
  function setAll(on) {
    boxes.forEach(function (b) { checked[b[0]] = on; b[1].checked = on; });
    draw(false);
  }
  $('all-types').addEventListener('click', function () { setAll(true); });
  $('no-types').addEventListener('click', function () { setAll(false); });
  $('show-all').addEventListener('click', function () { draw(false); });
  $('draw-anyway').addEventListener('click', function () { draw(true); });

  // Names for the search box's suggestions (a bounded number).
  var names = Array.from(new Set(all.nodes.map(function (n) { return n.data.label; }))).sort();
  var list = $('names');
  names.slice(0, 5000).forEach(function (name) {
    var o = el('option');
    o.value = name;
    list.append(o);
  });

  var linkedOnly = $('linked-only');
  linkedOnly.addEventListener('change', function () { draw(false); });

  function selection() {
    var nodes = all.nodes.filter(function (n) {
      return checked[n.data.type] && (!linkedOnly.checked || n.data.degree > 0);
    });
    var ids = new Set(nodes.map(function (n) { return n.data.id; }));
    var edges = all.edges.filter(function (e) { return ids.has(e.data.source) && ids.has(e.data.target); });
    return { nodes: nodes, edges: edges };
  }

  // The node and its neighbours, whatever the filters say.
  function neighbourhood(id) {
    var ids = new Set([id]);
    all.edges.forEach(function (e) {
      if (e.data.source === id) ids.add(e.data.target);
      if (e.data.target === id) ids.add(e.data.source);
    });
    return {
      nodes: all.nodes.filter(function (n) { return ids.has(n.data.id); }),
      edges: all.edges.filter(function (e) { return ids.has(e.data.source) && ids.has(e.data.target); })
    };
  }

  function draw(force) {
    var sel = selection();
    if (sel.nodes.length > LIMIT && !force) {
      if (cy) { cy.destroy(); cy = null; view.cy = null; view.drawn = 0; }
      $('notice').hidden = false;
      $('notice-text').textContent = 'This selection has ' + sel.nodes.length +
        ' nodes. Drawing more than ' + LIMIT + ' at once would make the page freeze: untick some types ' +
        'on the left, or search a name to draw its neighbourhood.';
      $('status').textContent = 'Not drawn: ' + sel.nodes.length + ' nodes selected (limit ' + LIMIT + ').';
      return;
    }
    render(sel);
  }

  function layoutFor(n) {
    if (n <= 600) return { name: 'cose', animate: false, randomize: true, nodeRepulsion: function () { return 9000; }, idealEdgeLength: function () { return 70; }, numIter: 1500, padding: 30 };
    return { name: 'grid', avoidOverlap: true, padding: 20 };
  }

  function render(sel) {
    $('notice').hidden = true;
    if (cy) cy.destroy();
    cy = cytoscape({
      container: $('cy'),
      elements: { nodes: sel.nodes, edges: sel.edges },
      layout: layoutFor(sel.nodes.length),
      minZoom: 0.05,
      maxZoom: 6,
      wheelSensitivity: 0.3,
      style: [
        { selector: 'node', style: {
          'label': 'data(label)', 'background-color': 'data(_color)', 'shape': 'data(_shape)',
          'font-size': 10, 'font-family': '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif',
          'text-valign': 'bottom', 'text-margin-y': 2, 'width': 18, 'height': 18,
          'border-width': 1, 'border-color': '#666', 'text-wrap': 'ellipsis', 'text-max-width': 140,
          'min-zoomed-font-size': 4 } },
        { selector: 'node:selected', style: { 'border-width': 4, 'border-color': '#d00000', 'font-weight': 'bold', 'z-index': 10 } },
        { selector: 'edge', style: {
          'width': 1, 'line-color': '#9aa3ad', 'target-arrow-color': '#9aa3ad', 'target-arrow-shape': 'triangle',
          'curve-style': 'bezier', 'label': 'data(label)', 'font-size': 7, 'color': '#666',
          'text-rotation': 'autorotate', 'min-zoomed-font-size': 8 } },
        { selector: 'edge:selected', style: { 'line-color': '#d00000', 'width': 2 } }
      ]
    });
    cy.on('tap', 'node', function (ev) { show(ev.target); });
    view.cy = cy;
    view.drawn = cy.nodes().length;
    $('status').textContent = 'Drawn: ' + cy.nodes().length + ' nodes, ' + cy.edges().length +
      ' edges (of ' + all.nodes.length + ' and ' + all.edges.length + ').';
  }

  function find(query) {
    var q = query.trim();
    if (!q) return null;
    var exact = all.nodes.filter(function (n) { return n.data.label === q; });
    if (exact.length) return exact.sort(function (a, b) { return b.data.degree - a.data.degree; })[0];
    var lower = q.toLowerCase();
    var part = all.nodes.filter(function (n) { return n.data.label.toLowerCase().indexOf(lower) >= 0; });
    part.sort(function (a, b) { return a.data.label.length - b.data.label.length || b.data.degree - a.data.degree; });
    return part[0] || null;
  }

  // Selects the entity called `query` (exact name first, else the shortest
  // name containing it); draws its neighbourhood when it is not drawn.
  function search(query) {
    var n = find(query);
    if (!n) {
      $('status').textContent = 'No entity named “' + query.trim() + '”.';
      return null;
    }
    var id = n.data.id;
    if (!cy || cy.getElementById(id).empty()) render(neighbourhood(id));
    var node = cy.getElementById(id);
    cy.elements(':selected').unselect();
    node.select();
    cy.fit(node.closedNeighborhood(), 80);
    if (cy.zoom() > 1.2) {
      cy.zoom(1.2);
      cy.center(node);
    }
    show(node);
    return id;
  }
  $('search-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    search($('search').value);
  });

  function row(table, key, value) {
    var tr = el('tr');
    tr.append(el('td', key), el('td', value));
    table.append(tr);
  }

  function section(box, title, items, make) {
    if (!items.length) return;
    box.append(el('h3', title + ' (' + items.length + ')'));
    var ul = el('ul');
    items.forEach(function (it) { var li = el('li'); li.append(make(it)); ul.append(li); });
    box.append(ul);
  }

  function show(node) {
    var d = node.data();
    var box = $('details');
    box.replaceChildren();
    box.append(el('h2', d.label));
    var type = el('span', d.type, 'type');
    type.style.background = d._color;
    box.append(type);
    var table = el('table');
    row(table, 'mentions', d.mentions);
    row(table, 'links', d.degree);
    Object.keys(d).sort().forEach(function (k) {
      if (!FIXED[k]) row(table, k.replace(/^attr_/, ''), d[k]);
    });
    box.append(table);
    var links = [];
    all.edges.forEach(function (e) {
      if (e.data.source === d.id) links.push([e.data.label + ' →', e.data.target]);
      if (e.data.target === d.id) links.push(['← ' + e.data.label, e.data.source]);
    });
    section(box, 'Links', links, function (l) {
      var other = byId.get(l[1]);
      var b = el('button', l[0] + ' ' + (other ? other.data.label : l[1]), 'link');
      b.type = 'button';
      b.addEventListener('click', function () { if (other) { $('search').value = other.data.label; search(other.data.label); } });
      return b;
    });
    section(box, 'Sentences', d.sentences || [], function (s) { return document.createTextNode(s); });
    section(box, 'Documents', d.docs || [], function (s) { return document.createTextNode(s); });
  }

  // The address may ask for a view: #linked (only linked entities) and
  // q=NAME (search NAME), e.g. graph.html#linked&q=任城区.
  var params = new URLSearchParams(location.hash.replace(/^#/, ''));
  if (params.has('linked')) linkedOnly.checked = true;
  draw(false);
  if (params.get('q')) {
    $('search').value = params.get('q');
    search(params.get('q'));
  }
})();
