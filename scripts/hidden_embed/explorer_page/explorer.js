// The explorer: every map of one run (rows: layers, columns: reducers), linked.
// Point i is the same training or test point in every map: indices 0..nTrain-1 are the
// training points, nTrain..nTrain+nTest-1 the placed test points. Data: the JSON payload
// written by hidden_embed/explorer.py; drawing: regl-scatterplot (one shared WebGL context).
(function () {
  'use strict';

  const { createScatterplot, createRenderer } = window.reglScatterplot;
  const data = JSON.parse(document.getElementById('explorer-data').textContent);
  const QUANT = 65535;

  function bytes(b64) {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i += 1) out[i] = bin.charCodeAt(i);
    return out;
  }
  function typed(b64, Type) {
    const b = bytes(b64);
    return new Type(b.buffer, 0, b.byteLength / Type.BYTES_PER_ELEMENT);
  }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === 'class') node.className = v;
      else if (k === 'style') node.style.cssText = v;
      else node.setAttribute(k, v);
    });
    children.forEach((c) => node.append(c));
    return node;
  }

  const nTrain = data.nTrain;
  const n = data.nTrain + data.nTest;
  const labels = typed(data.labels, Uint16Array);
  const predictions = data.predictions ? typed(data.predictions, Uint16Array) : null;
  const features = data.features ? typed(data.features.values, Float32Array) : null;
  const names = data.classNames;
  const colors = data.colors;
  const isTest = (i) => i >= nTrain;
  const splitName = (i) => (isTest(i) ? 'test' : 'training');
  const rowIndex = (i) => (isTest(i) ? i - nTrain : i);

  // ---- images: sprite atlases (PNG), decoded once; a thumbnail is drawn from its tile --------
  const im = data.images;
  const atlasImages = [];
  const atlasesReady = im
    ? Promise.all(im.atlases.map((uri) => { const img = new Image(); img.src = uri; atlasImages.push(img); return img.decode(); }))
    : Promise.resolve();
  function thumb(i, scale) {
    if (!im) return null;
    const canvas = el('canvas', { class: 'thumb', width: im.width * scale, height: im.height * scale });
    const ctx = canvas.getContext('2d');
    ctx.imageSmoothingEnabled = false;
    const tile = i % im.perAtlas;
    const sx = (tile % im.columns) * im.width;
    const sy = Math.floor(tile / im.columns) * im.height;
    ctx.drawImage(atlasImages[Math.floor(i / im.perAtlas)], sx, sy, im.width, im.height, 0, 0, im.width * scale, im.height * scale);
    return canvas;
  }

  function featureText(i) {
    if (!features) return `row ${rowIndex(i)} of the ${splitName(i)} split`;
    const shown = data.features.shown;
    const parts = [];
    for (let f = 0; f < shown; f += 1) parts.push(`x${f} = ${features[i * shown + f].toPrecision(4)}`);
    if (data.features.count > shown) parts.push(`... (${data.features.count} features)`);
    return parts.join('\n');
  }

  function describe(i) {
    const label = names[labels[i]];
    let text = `${label} (${splitName(i)} #${rowIndex(i)})`;
    if (predictions) {
      const p = predictions[i];
      text += p === labels[i] ? `, network: ${names[p]} (right)` : `, network: ${names[p]} (wrong)`;
    }
    return text;
  }

  // ---- layout ---------------------------------------------------------------------------
  const grid = document.getElementById('grid');
  const panel = document.getElementById('panel');
  const tooltip = document.getElementById('tooltip');
  const columns = data.reducers.length;
  const available = Math.max(600, window.innerWidth - 320 - 60);
  const size = Math.max(160, Math.min(320, Math.floor(available / columns) - 8));
  grid.style.gridTemplateColumns = `24px repeat(${columns}, ${size}px)`;
  grid.append(el('div'));
  data.reducers.forEach((r) => grid.append(el('div', { class: 'col-head' }, r.label)));

  const pointSize = n > 50000 ? 1.5 : n > 10000 ? 2 : n > 2000 ? 3 : 5;
  // One WebGL context for all maps (browsers allow about 16 per page). Its canvas has the size of
  // one panel, not of the window (the library's default): every redraw of a map clears and
  // copies only that many pixels, which keeps panning smooth without a GPU.
  const dpr = window.devicePixelRatio || 1;
  const renderer = createRenderer({ canvas: el('canvas', { width: Math.round(size * dpr), height: Math.round(size * dpr) }) });
  const plots = [];
  const mapsByName = new Map(data.maps.map((m) => [`${m.layer}/${m.reducer}`, m]));
  data.layers.forEach((layer) => {
    grid.append(el('div', { class: 'row-head' }, layer));
    data.reducers.forEach((r) => {
      const m = mapsByName.get(`${layer}/${r.name}`);
      const cell = el('div', { class: 'panel', 'data-map': `${layer}/${r.name}`, title: m ? m.title : '' });
      grid.append(cell);
      if (!m) return;
      const canvas = el('canvas', { width: size, height: size, style: `width:${size}px;height:${size}px` });
      const ring = el('div', { class: 'ring' });
      ring.hidden = true;
      cell.append(canvas, el('span', { class: 'count' }), ring);
      plots.push({ map: m, cell, canvas, ring, index: plots.length });
    });
  });

  // ---- the maps -------------------------------------------------------------------------
  function coordinates(m) {
    const codes = typed(m.coords, Uint16Array);
    const [x0, x1, y0, y1] = m.view;
    const sx = (m.high[0] - m.low[0]) / QUANT;
    const sy = (m.high[1] - m.low[1]) / QUANT;
    // one scale for both axes (the view is square): a map is drawn true to shape
    const cx = (x0 + x1) / 2; const cy = (y0 + y1) / 2;
    const h = Math.max((x1 - x0) / 2, (y1 - y0) / 2, 1e-12);
    const x = new Float32Array(n);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i += 1) {
      x[i] = (m.low[0] + codes[2 * i] * sx - cx) / h;
      y[i] = (m.low[1] + codes[2 * i + 1] * sy - cy) / h;
    }
    return { codes, sx, sy, x, y };
  }

  let syncing = false;
  let lassoing = false;
  let lastLasso = null; // the plot, time and points of the last lasso selection
  let selection = [];

  function forOthers(source, fn) {
    syncing = true;
    try { plots.forEach((p) => { if (p !== source) fn(p); }); } finally { syncing = false; }
  }

  const drawn = plots.map((p) => {
    Object.assign(p, coordinates(p.map));
    p.sp = createScatterplot({
      renderer,
      canvas: p.canvas,
      width: size,
      height: size,
      pointSize,
      pointSizeSelected: 2,
      pointOutlineWidth: 1,
      opacity: n > 10000 ? 0.6 : 0.85,
      opacityInactiveScale: 0.25,
      pointColor: colors,
      pointColorActive: '#000000',
      pointColorHover: '#000000',
      backgroundColor: '#ffffff',
      lassoColor: '#333333',
      colorBy: 'valueA',
    });
    p.sp.subscribe('lassoStart', () => { lassoing = true; });
    p.sp.subscribe('select', ({ points }) => {
      if (syncing) return;
      const fromLasso = lassoing;
      lassoing = false;
      // A lasso closed where it began also ends in a click, which the library takes for a
      // click on the nearest point: keep the lasso's selection instead.
      if (!fromLasso && points.length === 1 && lastLasso && lastLasso.plot === p && performance.now() - lastLasso.time < 500) {
        syncing = true;
        p.sp.select(lastLasso.points, { preventEvent: true });
        syncing = false;
        return;
      }
      lastLasso = fromLasso ? { plot: p, time: performance.now(), points: Array.from(points) } : null;
      select(points, p, fromLasso);
    });
    p.sp.subscribe('deselect', () => { if (!syncing) clearSelection(); });
    p.sp.subscribe('pointOver', (i) => { if (!syncing) hover(i, p); });
    p.sp.subscribe('pointOut', () => { if (!syncing) unhover(); });
    p.sp.subscribe('view', () => { if (linked) placeRings(); });
    const valueA = Float32Array.from(labels);
    return p.sp.draw({ x: p.x, y: p.y, valueA }, { zDataType: 'categorical' }).then(() => {
      p.cell.dataset.points = String(p.sp.get('points').length);
    });
  });

  // ---- visibility: training / test, classes ---------------------------------------------
  const hiddenClasses = new Set();
  const showTrain = document.getElementById('show-train');
  const showTest = document.getElementById('show-test');
  function visibleIndices() {
    const out = [];
    for (let i = 0; i < n; i += 1) {
      if ((isTest(i) ? showTest.checked : showTrain.checked) && !hiddenClasses.has(labels[i])) out.push(i);
    }
    return out;
  }
  function applyVisibility() {
    const all = hiddenClasses.size === 0 && showTrain.checked && showTest.checked;
    const visible = all ? null : visibleIndices();
    const count = all ? n : visible.length;
    syncing = true;
    const done = plots.map((p) => (all ? p.sp.unfilter({ preventEvent: true }) : p.sp.filter(visible, { preventEvent: true })));
    syncing = false;
    plots.forEach((p) => {
      p.cell.dataset.visible = String(count);
      p.cell.querySelector('.count').textContent = `${count.toLocaleString('en')} points`;
    });
    if (selection.length) {
      const keep = new Set(visible || []);
      select(all ? selection : selection.filter((i) => keep.has(i)), null, true);
    }
    return Promise.all(done);
  }
  showTrain.addEventListener('change', applyVisibility);
  showTest.addEventListener('change', applyVisibility);

  const legend = document.getElementById('legend');
  names.forEach((name, c) => {
    const item = el('button', { class: 'legend-item', type: 'button', 'data-class': String(c), title: 'hide or show this class' },
      el('span', { class: 'swatch', style: `background:${colors[c]}` }), name);
    item.addEventListener('click', () => {
      if (hiddenClasses.has(c)) hiddenClasses.delete(c); else hiddenClasses.add(c);
      item.classList.toggle('hidden', hiddenClasses.has(c));
      applyVisibility();
    });
    legend.append(item);
  });

  // ---- hover ----------------------------------------------------------------------------
  let mouse = [0, 0];
  document.addEventListener('mousemove', (e) => {
    mouse = [e.clientX, e.clientY];
    if (!tooltip.hidden) placeTooltip();
  });
  function placeTooltip() {
    const w = tooltip.offsetWidth; const h = tooltip.offsetHeight;
    const x = mouse[0] + 14 + w > window.innerWidth ? mouse[0] - 14 - w : mouse[0] + 14;
    const y = Math.min(mouse[1] + 14, window.innerHeight - h - 4);
    tooltip.style.left = `${x}px`;
    tooltip.style.top = `${y}px`;
  }
  let buttons = 0; // a mouse button held: panning or drawing a lasso, no linked hover
  document.addEventListener('pointerdown', (e) => { buttons = e.buttons; }, true);
  document.addEventListener('pointerup', (e) => { buttons = e.buttons; }, true);
  // The other maps show the hovered point as a ring drawn over the map (a DOM element): no
  // WebGL redraw of 14 maps per step of the pointer, which would stall the page without a GPU.
  let linked = null; // [source plot, point] whose rings are shown
  function placeRings() {
    if (!linked) return;
    const [source, i] = linked;
    plots.forEach((p) => {
      if (p === source) { p.ring.hidden = true; return; }
      const [x, y] = p.sp.getScreenPosition(i);
      const inside = x >= 0 && y >= 0 && x <= size && y <= size;
      p.ring.hidden = !inside;
      if (inside) p.ring.style.transform = `translate(${x}px, ${y}px)`;
    });
  }
  function hover(i, source) {
    if (buttons) return;
    tooltip.replaceChildren();
    const image = thumb(i, 3);
    if (image) tooltip.append(image);
    else tooltip.append(el('div', { class: 'features' }, featureText(i)));
    tooltip.append(el('div', {}, describe(i)));
    tooltip.dataset.point = String(i);
    tooltip.hidden = false;
    placeTooltip();
    linked = [source, i];
    placeRings();
  }
  function unhover() {
    tooltip.hidden = true;
    delete tooltip.dataset.point;
    linked = null;
    plots.forEach((p) => { p.ring.hidden = true; });
  }

  // ---- selection ------------------------------------------------------------------------
  const stats = { selectMs: null }; // how long the last selection took to reach every map and the panel
  function select(points, source, asGroup) {
    const start = performance.now();
    selection = Array.from(points);
    forOthers(source, (p) => {
      if (selection.length) p.sp.select(selection, { preventEvent: true });
      else p.sp.deselect({ preventEvent: true });
    });
    plots.forEach((p) => {
      p.cell.dataset.selected = String(selection.length);
      p.sp.set({ pointSizeSelected: selection.length === 1 ? 6 : 2 }); // one point: easy to find in every map
    });
    if (!selection.length) showHint();
    else if (selection.length === 1 && !asGroup && source) showPoint(selection[0], source);
    else showSelection(selection);
    stats.selectMs = performance.now() - start;
  }
  function clearSelection() {
    selection = [];
    forOthers(null, (p) => p.sp.deselect({ preventEvent: true }));
    plots.forEach((p) => { p.cell.dataset.selected = '0'; });
    showHint();
  }
  document.getElementById('clear').addEventListener('click', clearSelection);

  function showHint() {
    panel.replaceChildren(el('p', { class: 'hint' }, 'Select points with a lasso (shift + drag) in any map, or click a point: the same points light up in every map.'));
  }

  function classCounts(points) {
    const counts = new Map();
    points.forEach((i) => counts.set(labels[i], (counts.get(labels[i]) || 0) + 1));
    return [...counts.entries()].sort((a, b) => b[1] - a[1]);
  }

  function showSelection(points) {
    const test = points.filter(isTest).length;
    const parts = [el('h2', { id: 'selection-count' }, `${points.length.toLocaleString('en')} points selected`),
      el('div', {}, `${(points.length - test).toLocaleString('en')} training, ${test.toLocaleString('en')} test`)];
    if (predictions) {
      const right = points.filter((i) => predictions[i] === labels[i]).length;
      parts.push(el('div', {}, `the network is right on ${right.toLocaleString('en')} (${(100 * right / points.length).toFixed(1)} %)`));
    }
    const table = el('table', { id: 'class-counts' });
    classCounts(points).forEach(([c, count]) => {
      table.append(el('tr', {}, el('td', {}, el('span', { class: 'swatch', style: `display:inline-block;width:10px;height:10px;border-radius:50%;background:${colors[c]}` })),
        el('td', {}, names[c]), el('td', { style: 'text-align:right' }, count.toLocaleString('en'))));
    });
    parts.push(table);
    const shown = points.slice(0, 40);
    if (data.images) {
      const thumbs = el('div', { class: 'thumbs' });
      shown.forEach((i) => thumbs.append(el('figure', { title: describe(i) }, thumb(i, 2), names[labels[i]])));
      parts.push(el('div', {}, `the first ${shown.length}:`), thumbs);
    } else {
      parts.push(el('div', {}, `rows: ${shown.map((i) => `${splitName(i)} #${rowIndex(i)}`).join(', ')}${points.length > shown.length ? ', ...' : ''}`));
    }
    panel.replaceChildren(...parts);
  }

  function nearestTraining(p, i, k) {
    // the k nearest training points of point i in map p (in the map's own units), itself excluded
    const { codes, sx, sy } = p;
    const xi = codes[2 * i] * sx; const yi = codes[2 * i + 1] * sy;
    const best = []; // [distance², index], ascending, at most k
    for (let j = 0; j < nTrain; j += 1) {
      if (j === i) continue;
      const dx = codes[2 * j] * sx - xi; const dy = codes[2 * j + 1] * sy - yi;
      const d = dx * dx + dy * dy;
      if (best.length < k || d < best[best.length - 1][0]) {
        let at = best.length;
        while (at > 0 && best[at - 1][0] > d) at -= 1;
        best.splice(at, 0, [d, j]);
        if (best.length > k) best.pop();
      }
    }
    return best.map(([d, j]) => [Math.sqrt(d), j]);
  }

  function showPoint(i, source) {
    const parts = [el('h2', { id: 'point-title' }, describe(i))];
    const image = thumb(i, 5);
    parts.push(image || el('div', { class: 'features' }, featureText(i)));
    const neighbours = nearestTraining(source, i, data.neighbours);
    const votes = classCounts(neighbours.map(([, j]) => j));
    parts.push(el('h2', {}, `its ${neighbours.length} nearest training points in ${source.map.title}`),
      el('div', {}, `their majority: ${votes.length ? names[votes[0][0]] : '-'}`));
    const list = el('div', { class: 'thumbs', id: 'neighbours' });
    neighbours.forEach(([d, j]) => {
      list.append(el('figure', { title: `${describe(j)}; distance ${d.toPrecision(3)}`, 'data-point': String(j) },
        thumb(j, 2) || el('span', {}, `#${j}`), names[labels[j]]));
    });
    parts.push(list);
    panel.replaceChildren(...parts);
  }

  // ---- for tests and scripts: read-only views of the state ------------------------------
  const ready = Promise.all([...drawn, atlasesReady]).then(() => applyVisibility()).then(() => {
    document.body.dataset.readyMs = performance.now().toFixed(0); // from navigation start
    document.body.dataset.ready = 'true';
  });
  window.explorer = {
    ready,
    n,
    nTrain,
    maps: plots.map((p) => `${p.map.layer}/${p.map.reducer}`),
    stats,
    selected: (k) => [...plots[k].sp.get('selectedPoints')].sort((a, b) => a - b),
    visible: (k) => (plots[k].sp.get('isPointsFiltered') ? plots[k].sp.get('filteredPoints').length : plots[k].sp.get('points').length),
    screenPosition(k, i) {
      const [x, y] = plots[k].sp.getScreenPosition(i);
      const box = plots[k].canvas.getBoundingClientRect();
      return [box.left + x, box.top + y];
    },
  };
}());
