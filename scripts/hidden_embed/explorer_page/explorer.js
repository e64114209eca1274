// The explorer: every map of one run (rows: layers, columns: reducers), linked.
// Point i is the same training or test point in every map: indices 0..nTrain-1 are the
// training points, nTrain..nTrain+nTest-1 the placed test points. Data: the JSON payload
// written by hidden_embed/explorer.py; drawing: regl-scatterplot (one shared WebGL context).
// Above the grid, the journey: each reducer's maps morphing from layer to layer (aligned by the
// similarity transforms in data.morphs), the journey map (AlignedUMAP through the layers) and,
// where the run has dynamics, each hidden layer's maps over training. Every panel is linked.
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
    if (data.texts) return data.texts[i];  // a dataset of texts: the point's own text
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
  // the journey's row holds a panel per reducer and the journey map: every row must fit
  const widest = Math.max(columns, (data.morphs || []).length + (data.journeyMap ? 1 : 0), (data.epochs || []).length);
  const size = Math.max(160, Math.min(320, Math.floor(available / widest) - 8));
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

  // ---- the journey's panels: a layer morph per reducer, the journey map, the epochs --------
  const morphData = data.morphs || [];
  const extra = []; // every panel outside the grid
  function addPanel(row, title, info) {
    const cell = el('div', { class: 'morph', title });
    const canvas = el('canvas', { width: size, height: size, style: `width:${size}px;height:${size}px` });
    const ring = el('div', { class: 'ring' });
    ring.hidden = true;
    cell.append(el('div', { class: 'morph-head' }, title), canvas, el('span', { class: 'count' }), ring);
    row.append(cell);
    const p = { cell, canvas, ring, ...info };
    extra.push(p);
    return p;
  }
  const journeySection = document.getElementById('journey');
  const layerSlider = document.getElementById('layer-slider');
  const journeyRow = document.getElementById('journey-row');
  const journeyLayers = morphData.length ? morphData[0].layers : (data.journeyMap ? data.journeyMap.steps : []);
  // The morphs show the test points (as the GIFs and the journey map do): without a GPU a morph
  // redraws every panel of the row at each frame, and 10,000 points per panel keep it fluid.
  const testPoints = new Set(Array.from({ length: n - nTrain }, (_, t) => nTrain + t));
  const morphPlots = morphData.map((morph) => addPanel(journeyRow, `${morph.label} through the layers, test points`, { kind: 'morph', morph, reducer: morph.reducer, only: testPoints }));
  const journeyPlot = data.journeyMap ? addPanel(journeyRow, data.journeyMap.label, { kind: 'sequence', seq: data.journeyMap }) : null;
  journeySection.hidden = journeyLayers.length < 2;
  layerSlider.max = String(Math.max(0, journeyLayers.length - 1));
  const epochSection = document.getElementById('epochs');
  const epochSlider = document.getElementById('epoch-slider');
  const epochRow = document.getElementById('epoch-row');
  const epochPlots = (data.epochs || []).map((seq) => addPanel(epochRow, seq.label, { kind: 'sequence', seq }));
  const epochSteps = data.epochs && data.epochs.length ? data.epochs[0].steps : [];
  epochSection.hidden = epochPlots.length === 0;
  epochSlider.max = String(Math.max(0, epochSteps.length - 1));

  // ---- the maps -------------------------------------------------------------------------
  function dequantized(m, codes = typed(m.coords, Uint16Array)) {
    // a map's own coordinates (data units), from its 16-bit codes
    const count = codes.length / 2;
    const sx = (m.high[0] - m.low[0]) / QUANT;
    const sy = (m.high[1] - m.low[1]) / QUANT;
    const X = new Float64Array(count);
    const Y = new Float64Array(count);
    for (let i = 0; i < count; i += 1) { X[i] = m.low[0] + codes[2 * i] * sx; Y[i] = m.low[1] + codes[2 * i + 1] * sy; }
    return { X, Y };
  }
  function inView(pos, view) {
    // data units to the panel's [-1, 1] square, one scale for x and y (the view is square)
    const [x0, x1, y0, y1] = view;
    const cx = (x0 + x1) / 2; const cy = (y0 + y1) / 2;
    const h = Math.max((x1 - x0) / 2, (y1 - y0) / 2, 1e-12);
    const x = new Float32Array(n);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i += 1) { x[i] = (pos.X[i] - cx) / h; y[i] = (pos.Y[i] - cy) / h; }
    return { x, y };
  }
  function transformed(pos, matrix, shift) {
    // points @ matrix + shift, as numpy computes it (hidden_embed.journey.apply)
    const X = new Float64Array(pos.X.length);
    const Y = new Float64Array(pos.X.length);
    for (let i = 0; i < X.length; i += 1) {
      X[i] = pos.X[i] * matrix[0][0] + pos.Y[i] * matrix[1][0] + shift[0];
      Y[i] = pos.X[i] * matrix[0][1] + pos.Y[i] * matrix[1][1] + shift[1];
    }
    return { X, Y };
  }
  function subsetPositions(seq, frame) {
    // a sequence's points (test points, or a subset of them) among all n; the rest at the centre
    const own = dequantized(frame);
    const X = new Float64Array(n);
    const Y = new Float64Array(n);
    const [x0, x1, y0, y1] = seq.view;
    X.fill((x0 + x1) / 2); Y.fill((y0 + y1) / 2);
    for (let j = 0; j < seq.count; j += 1) { X[seq.members[j]] = own.X[j]; Y[seq.members[j]] = own.Y[j]; }
    return { X, Y };
  }
  function coordinates(m) {
    // a grid map: its codes and steps (for the neighbours of a clicked point) and its positions
    // in its own square view, one scale for both axes: a map is drawn true to shape
    const codes = typed(m.coords, Uint16Array);
    const sx = (m.high[0] - m.low[0]) / QUANT;
    const sy = (m.high[1] - m.low[1]) / QUANT;
    return { codes, sx, sy, ...inView(dequantized(m, codes), m.view) };
  }


  let syncing = false;
  let lassoing = false;
  let lastLasso = null; // the plot, time and points of the last lasso selection
  let selection = [];

  function forOthers(source, fn) {
    syncing = true;
    try { every.forEach((p) => { if (p !== source) fn(p); }); } finally { syncing = false; }
  }

  function createPlot(p) {
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
        p.sp.select(lastLasso.points.slice(), { preventEvent: true });
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
    p.valueA = Float32Array.from(labels);
    return p.sp.draw({ x: p.x, y: p.y, valueA: p.valueA }, { zDataType: 'categorical' }).then(() => {
      p.cell.dataset.points = String(p.sp.get('points').length);
    });
  }

  // the grid's maps
  plots.forEach((p) => { p.kind = 'grid'; p.reducer = p.map.reducer; Object.assign(p, coordinates(p.map)); });
  // the layer morphs: per reducer, every layer's map moved by its alignment, in one view
  const gridMap = (layer, reducer) => plots.find((q) => q.map.layer === layer && q.map.reducer === reducer);
  morphPlots.forEach((p) => {
    const { morph } = p;
    p.aligned = morph.layers.map((layer, l) => transformed(dequantized(gridMap(layer, morph.reducer).map), morph.matrix[l], morph.shift[l]));
    p.frames = p.aligned.map((pos) => inView(pos, morph.view));
    const b = bytes(morph.predictions);
    const all = morph.predictionBytes === 2 ? new Uint16Array(b.buffer, 0, b.byteLength / 2) : b;
    p.predictions = morph.layers.map((_, l) => all.subarray(l * data.nTest, (l + 1) * data.nTest));
  });
  // the sequences (journey map, epochs): a subset of the test points, each step its own map
  [journeyPlot, ...epochPlots].filter(Boolean).forEach((p) => {
    const { seq } = p;
    const index = seq.index ? typed(seq.index, Uint32Array) : null;
    seq.members = Uint32Array.from({ length: seq.count }, (_, j) => nTrain + (index ? index[j] : j));
    p.only = new Set(seq.members);
    p.aligned = seq.frames.map((frame) => subsetPositions(seq, frame));
    p.frames = p.aligned.map((pos) => inView(pos, seq.view));
  });
  [...morphPlots, ...epochPlots, ...(journeyPlot ? [journeyPlot] : [])].forEach((p) => { Object.assign(p, p.frames[0]); });
  const every = [...plots, ...extra];
  const drawn = every.map(createPlot);

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
  // ---- what moved: colour modes and the untangled / tangled filter -------------------------
  // Per reducer, from the layer morph: how far each point travels between two layers' aligned
  // maps, and how its 2-D kNN prediction (journey k) changes: 0 training point, 1 right in both,
  // 2 wrong in both, 3 untangled (wrong, then right), 4 tangled (right, then wrong).
  const CHANGE = { names: ['training point', 'right in both', 'wrong in both', 'untangled (wrong \u2192 right)', 'tangled (right \u2192 wrong)'],
    colors: ['#e3e3e3', '#a9b8cc', '#6b6b6b', '#1a9850', '#d7301f'] };
  const colourMode = document.getElementById('colour-mode');
  const fromLayer = document.getElementById('from-layer');
  const toLayer = document.getElementById('to-layer');
  const onlyKind = document.getElementById('only');
  const morphOf = new Map(morphPlots.map((p) => [p.reducer, p]));
  journeyLayers.forEach((layer, l) => {
    fromLayer.append(el('option', { value: String(l) }, layer));
    toLayer.append(el('option', { value: String(l) }, layer));
  });
  fromLayer.value = '0';
  toLayer.value = String(Math.max(0, journeyLayers.length - 1));
  // a browser may restore the controls of a reloaded page: start from the page's own state
  colourMode.value = 'class';
  onlyKind.value = 'all';
  if (!morphPlots.length) colourMode.querySelector('option[value="knn"]').remove();
  if (journeyLayers.length < 2 && !epochPlots.length) colourMode.closest('label').hidden = true;

  function changes(reducer, a, b) {
    // the kind of change of every point (see CHANGE) in one reducer's maps from layer a to layer b
    const out = new Uint8Array(n);
    const m = morphOf.get(reducer);
    if (!m) return null;
    const before = m.predictions[a]; const after = m.predictions[b];
    for (let t = 0; t < data.nTest; t += 1) {
      const y = labels[nTrain + t];
      const r0 = before[t] === y; const r1 = after[t] === y;
      out[nTrain + t] = r0 && r1 ? 1 : (!r0 && !r1 ? 2 : (r1 ? 3 : 4));
    }
    return out;
  }
  function changeCounts(reducer, a, b) {
    // per class: [untangled, tangled] test points
    const kinds = changes(reducer, a, b);
    const counts = names.map(() => [0, 0]);
    for (let t = 0; t < data.nTest; t += 1) {
      const k = kinds[nTrain + t];
      if (k === 3) counts[labels[nTrain + t]][0] += 1;
      else if (k === 4) counts[labels[nTrain + t]][1] += 1;
    }
    return counts;
  }
  function travelSource(p) {
    // the aligned sequence whose steps a plot's "distance moved" compares, and the two steps
    if (p.kind === 'sequence' && p.seq !== data.journeyMap) return [p, 0, p.frames.length - 1];
    const a = +fromLayer.value; const b = +toLayer.value;
    return [p.kind === 'sequence' ? p : morphOf.get(p.reducer), a, b];
  }
  const RAMP = data.ramp;
  document.querySelector('#ramp-key .ramp').style.background = `linear-gradient(to right, ${RAMP.join(', ')})`;
  function travelBins(source, a, b) {
    // each point's distance between steps a and b, relative to step b's size, in RAMP bins up to
    // the 98th percentile (points outside a sequence's subset: 0)
    const key = `${a}/${b}`;
    source.travel = source.travel || {};
    if (source.travel[key]) return source.travel[key];
    const A = source.aligned[a]; const B = source.aligned[b];
    // a reducer's distances are those of all its points (every grid map is coloured by them)
    const members = source.seq ? [...source.only] : Array.from({ length: n }, (_, i) => i);
    let cx = 0; let cy = 0;
    members.forEach((i) => { cx += B.X[i]; cy += B.Y[i]; });
    cx /= members.length; cy /= members.length;
    let spread = 0;
    members.forEach((i) => { spread += (B.X[i] - cx) ** 2 + (B.Y[i] - cy) ** 2; });
    const scale = Math.sqrt(spread / members.length) || 1;
    const moved = new Float64Array(n);
    members.forEach((i) => { moved[i] = Math.hypot(B.X[i] - A.X[i], B.Y[i] - A.Y[i]) / scale; });
    const sorted = members.map((i) => moved[i]).sort((u, v) => u - v);
    const top = sorted[Math.floor(0.98 * (sorted.length - 1))] || 1;
    const bins = new Float32Array(n);
    members.forEach((i) => { bins[i] = Math.min(RAMP.length - 1, Math.floor((moved[i] / top) * RAMP.length)); });
    source.travel[key] = { bins, moved, top };
    return source.travel[key];
  }
  function colourValues(p) {
    // what a plot's colours encode in the current mode, and the colour list
    const mode = colourMode.value;
    if (mode === 'moved') {
      const [source, a, b] = travelSource(p);
      if (source) return [travelBins(source, a, b).bins, RAMP];
    }
    if (mode === 'knn' && p.reducer) {
      return [Float32Array.from(changes(p.reducer, +fromLayer.value, +toLayer.value)), CHANGE.colors];
    }
    return [Float32Array.from(labels), colors];
  }

  function redraw(p, transition) {
    // draw a plot's current positions and colours; the filter, the selection and the zoom stay.
    // Each set of positions gets its spatial index (for hover and lasso) built once and kept: a
    // colour change or a second morph to the same layer reuses it (70,000 points: a costly build).
    const key = String(p.step || 0);
    p.indexes = p.indexes || {};
    return p.sp.draw({ x: p.x, y: p.y, valueA: p.valueA }, {
      zDataType: 'categorical', preventFilterReset: true, transition, transitionDuration: MORPH_MS, spatialIndex: p.indexes[key],
    }).then(() => {
      if (!p.indexes[key]) p.indexes[key] = p.sp.get('spatialIndex');
      if (selection.length) p.sp.select(selection.slice(), { preventEvent: true });
    });
  }
  function applyColours() {
    const mode = colourMode.value;
    document.getElementById('pair').hidden = mode === 'class' || journeyLayers.length < 2;
    document.getElementById('only-label').hidden = mode !== 'knn';
    document.getElementById('ramp-key').hidden = mode !== 'moved';
    legend.classList.toggle('inactive', mode !== 'class');
    if (mode !== 'knn') onlyKind.value = 'all';
    return Promise.all(every.map((p) => {
      const [values, list] = colourValues(p);
      p.valueA = values;
      p.sp.set({ pointColor: list });
      return redraw(p, false);
    })).then(() => { showMoved(); return applyVisibility(); });
  }

  // ---- visibility: the training / test toggles, the classes, the subset of a panel --------
  function applyVisibility() {
    const all = hiddenClasses.size === 0 && showTrain.checked && showTest.checked;
    const visible = all ? null : visibleIndices();
    const kind = colourMode.value === 'knn' && onlyKind.value !== 'all' ? (onlyKind.value === 'untangled' ? 3 : 4) : 0;
    syncing = true;
    const done = every.map((p) => {
      const byKind = kind && p.reducer ? p.valueA : null;
      let shown = null; // null: every point
      if (visible || p.only || byKind) {
        shown = (visible || Array.from({ length: n }, (_, i) => i)).filter((i) => (!p.only || p.only.has(i)) && (!byKind || byKind[i] === kind));
      }
      p.shown = shown;
      const count = shown ? shown.length : n;
      p.cell.dataset.visible = String(count);
      p.cell.querySelector('.count').textContent = `${count.toLocaleString('en')} points`;
      return shown ? p.sp.filter(shown, { preventEvent: true }) : p.sp.unfilter({ preventEvent: true });
    });
    syncing = false;
    if (selection.length) {
      const keep = new Set(visible || []);
      select(all ? selection : selection.filter((i) => keep.has(i)), null, true);
    }
    return Promise.all(done);
  }
  colourMode.addEventListener('change', applyColours);
  fromLayer.addEventListener('change', applyColours);
  toLayer.addEventListener('change', applyColours);
  onlyKind.addEventListener('change', () => applyVisibility());

  // the side panel's counts of the untangled and tangled points, per class and reducer
  const moved = document.getElementById('moved');
  function showMoved() {
    moved.hidden = colourMode.value !== 'knn';
    if (moved.hidden) return;
    const a = +fromLayer.value; const b = +toLayer.value;
    const head = el('tr', {}, el('th', {}, 'class'), ...morphPlots.map((p) => el('th', {}, p.morph.label)));
    const table = el('table', { id: 'moved-counts' }, head);
    const counts = morphPlots.map((p) => changeCounts(p.reducer, a, b));
    const cell = (c, k, reducer) => {
      const [u, t] = c;
      return el('td', { 'data-reducer': reducer, 'data-class': String(k), 'data-untangled': String(u), 'data-tangled': String(t) }, `${u} / ${t}`);
    };
    names.forEach((name, k) => table.append(el('tr', {}, el('td', {}, name), ...counts.map((c, r) => cell(c[k], k, morphPlots[r].reducer)))));
    table.append(el('tr', { class: 'total' }, el('td', {}, 'all'), ...counts.map((c, r) => cell(c.reduce((s2, x) => [s2[0] + x[0], s2[1] + x[1]], [0, 0]), 'all', morphPlots[r].reducer))));
    const legendItems = CHANGE.names.slice(1).map((label, k) => el('span', { class: 'change' }, el('span', { class: 'swatch', style: `background:${CHANGE.colors[k + 1]}` }), label));
    moved.replaceChildren(
      el('h2', {}, `From ${journeyLayers[a]} to ${journeyLayers[b]}: untangled / tangled test points`),
      el('div', { class: 'hint' }, `by the ${data.journeyK}-NN prediction in each reducer's 2-D maps; the map of layer ${journeyLayers[b]} has untangled \u2212 tangled more right than the map of ${journeyLayers[a]}`),
      el('div', { class: 'changes' }, ...legendItems), table);
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
    every.forEach((p) => {
      if (p === source || (p.only && !p.only.has(i))) { p.ring.hidden = true; return; }
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
    else tooltip.append(el('div', { class: data.texts ? 'text' : 'features' }, featureText(i)));
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
    every.forEach((p) => { p.ring.hidden = true; });
  }

  // ---- selection ------------------------------------------------------------------------
  const stats = { selectMs: null }; // how long the last selection took to reach every map and the panel
  function select(points, source, asGroup) {
    const start = performance.now();
    selection = Array.from(points);
    forOthers(source, (p) => {
      // a copy each: the library keeps the array and drops from it the points a panel filters out
      if (selection.length) p.sp.select(selection.slice(), { preventEvent: true });
      else p.sp.deselect({ preventEvent: true });
    });
    every.forEach((p) => {
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
    every.forEach((p) => { p.cell.dataset.selected = '0'; });
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
    parts.push(image || el('div', { class: data.texts ? 'text' : 'features' }, featureText(i)));
    // the neighbours in the map the point was clicked in; for a morph, the map of the layer shown
    const where = source.kind === 'grid' ? source : (source.kind === 'morph' ? gridMap(journeyLayers[layerControl.state.at], source.reducer) : null);
    if (!where) { panel.replaceChildren(...parts); return; }
    source = where;
    const neighbours = nearestTraining(source, i, data.neighbours);
    const votes = classCounts(neighbours.map(([, j]) => j));
    parts.push(el('h2', {}, `its ${neighbours.length} nearest training points in ${source.map.title}`),
      el('div', {}, `their majority: ${votes.length ? names[votes[0][0]] : '-'}`));
    const list = el('div', { class: 'thumbs', id: 'neighbours' });
    neighbours.forEach(([d, j]) => {
      list.append(el('figure', { title: `${describe(j)}; distance ${d.toPrecision(3)}`, 'data-point': String(j) },
        thumb(j, 2) || el('span', { class: data.texts ? 'text' : '' }, data.texts ? `${data.texts[j]}: ` : `#${j}`), names[labels[j]]));
    });
    parts.push(list);
    panel.replaceChildren(...parts);
  }

  // ---- the morphs: a layer control (and an epoch control) with play buttons -----------------
  function stepper(slider, button, label, steps, targets) {
    // move every plot of `targets` to step k of its frames; `play` walks to the last step
    const state = { at: 0, playing: false, token: 0 };
    function show(k, transition = true) {
      state.at = k;
      slider.value = String(k);
      label.textContent = steps[k];
      targets.forEach((p) => { Object.assign(p, p.frames[k]); p.step = k; });
      return Promise.all(targets.map((p) => redraw(p, transition))).then(() => {
        document.body.dataset[slider.id === 'layer-slider' ? 'layer' : 'epoch'] = steps[k];
      });
    }
    function stop() { state.playing = false; state.token += 1; button.textContent = '\u25b6 play'; }
    async function play() {
      if (state.playing) { stop(); return; }
      state.playing = true;
      const token = ++state.token;
      button.textContent = '\u275a\u275a pause';
      if (state.at >= steps.length - 1) await show(0, true);
      while (state.playing && token === state.token && state.at < steps.length - 1) {
        await new Promise((r) => setTimeout(r, HOLD_MS));
        if (!state.playing || token !== state.token) break;
        await show(state.at + 1, true);
      }
      if (token === state.token) stop();
    }
    slider.addEventListener('input', () => { stop(); show(+slider.value, true); });
    button.addEventListener('click', play);
    label.textContent = steps[0] || '';
    return { state, show, play, stop };
  }
  const MORPH_MS = 1200; // one morph between two layers or epochs
  const HOLD_MS = 700; // a pause on each layer while playing
  const journeyTargets = [...morphPlots, ...(journeyPlot ? [journeyPlot] : [])];
  const layerControl = stepper(layerSlider, document.getElementById('layer-play'), document.getElementById('layer-name'), journeyLayers, journeyTargets);
  const epochControl = stepper(epochSlider, document.getElementById('epoch-play'), document.getElementById('epoch-name'), epochSteps, epochPlots);

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
    // the journey's panels: layer morphs (one per reducer, then the journey map), epoch panels
    journey: {
      layers: journeyLayers,
      panels: journeyTargets.map((p) => (p.kind === 'morph' ? p.reducer : p.seq.name)),
      epochs: epochSteps,
      epochPanels: epochPlots.map((p) => p.seq.name),
      showLayer: (k) => layerControl.show(k, true),
      showEpoch: (k) => epochControl.show(k, true),
      layer: () => layerControl.state.at,
      // the positions a panel draws now, in data units of its aligned maps (after a morph: the
      // aligned coordinates of the layer shown), read back from the library
      positions(kind, k) {
        const p = (kind === 'epoch' ? epochPlots : journeyTargets)[k];
        const view = p.kind === 'morph' ? p.morph.view : p.seq.view;
        const [x0, x1, y0, y1] = view;
        const h = Math.max((x1 - x0) / 2, (y1 - y0) / 2, 1e-12);
        return p.sp.get('points').map(([x, y]) => [(x0 + x1) / 2 + x * h, (y0 + y1) / 2 + y * h]);
      },
      selected: (kind, k) => [...(kind === 'epoch' ? epochPlots : journeyTargets)[k].sp.get('selectedPoints')].sort((a, b) => a - b),
      visible: (kind, k) => { const p = (kind === 'epoch' ? epochPlots : journeyTargets)[k]; return p.shown ? p.shown.length : n; },
      changeCounts: (reducer, a, b) => changeCounts(reducer, a, b),
      // each point's distance moved between layers a and b of a journey panel (in the later map's sizes)
      travel: (k, a, b) => Array.from(travelBins(journeyTargets[k], a, b).moved),
      camera: (k) => Array.from(journeyTargets[k].sp.get('cameraView')),
    },
  };
}());
