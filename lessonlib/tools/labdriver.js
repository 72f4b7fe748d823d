// The browser driver's helpers (lessonlib/tools/labdriver.py installs them in every page as window.__lesson6).
window.__lesson6 = {
  digests: new Map(),  // image source -> promise of its digest
  hashBytes(bytes) {  // FNV-1a of the image's bytes, so figures are compared without sending them to Python
    let h = 2166136261;
    for (let i = 0; i < bytes.length; i++) { h ^= bytes[i]; h = Math.imul(h, 16777619); }
    return (h >>> 0).toString(16) + ':' + bytes.length;
  },
  digest(src) {  // a promise of the digest of the PNG behind a data: or blob: URL (null for none)
    if (!src) return Promise.resolve(null);
    if (!this.digests.has(src)) {
      this.digests.set(src, fetch(src).then(r => r.arrayBuffer()).then(b => this.hashBytes(new Uint8Array(b)))
                                   .catch(() => null));
    }
    return this.digests.get(src);
  },
  notebook() { return document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)'); },
  panels() { const nb = this.notebook(); return nb ? Array.from(nb.querySelectorAll('.lessonlib-live')) : []; },
  controls(panel) {
    return Array.from(panel.children).filter(n => n.matches('.widget-slider, .widget-dropdown, .widget-checkbox'));
  },
  kind(control) {
    return control.matches('.widget-slider') ? 'slider' : control.matches('.widget-dropdown') ? 'dropdown' : 'checkbox';
  },
  value(control) {
    const kind = this.kind(control);
    if (kind === 'slider') { const r = control.querySelector('.widget-readout'); return r ? r.textContent.trim() : ''; }
    if (kind === 'dropdown') { const s = control.querySelector('select'); return s ? s.value : ''; }
    const box = control.querySelector('input[type=checkbox]'); return box ? String(box.checked) : '';
  },
  label(control, index) {
    const label = control.querySelector('.widget-label, .widget-label-basic');
    return (label && label.textContent.trim()) || ('#' + (index + 1));
  },
  status(panel) { const s = panel.querySelector('.lessonlib-live-status'); return s ? s.textContent.trim() : ''; },
  image(panel) {  // live.py: the panel's figure is an ipywidgets Image, an <img> (blob: URL) hidden until the first move
    const node = panel.querySelector('.lessonlib-live-image');
    return node && node.tagName !== 'IMG' ? node.querySelector('img') : node;
  },
  shown(panel) {  // the source of the figure the panel shows now (null while its image is hidden or empty)
    const img = this.image(panel);
    return img && img.getAttribute('src') && getComputedStyle(img).display !== 'none' ? img.src : null;
  },
  defaultShown(panel) {  // the ordinary figure that live() showed just above the panel, in the same cell
    const area = panel.parentElement && panel.parentElement.closest('.jp-OutputArea');
    let last = null;
    if (area) for (const img of area.querySelectorAll('img')) {
      if (!img.closest('.lessonlib-live') && (img.compareDocumentPosition(panel) & Node.DOCUMENT_POSITION_FOLLOWING)) last = img;
    }
    return last ? last.src : null;
  },
  error(panel) {  // live.py: a red "Error for ..." status and a <pre> traceback (HTML); or a raw traceback
    const status = this.status(panel);
    const output = panel.querySelector('.lessonlib-live-output');
    const shown = output ? Array.from(output.querySelectorAll(
        '[data-mime-type="text/html"] pre, [data-mime-type="application/vnd.jupyter.stderr"], ' +
        '[data-mime-type="application/vnd.jupyter.error"]')).map(n => n.textContent)
        .filter(t => /Traceback|Error/.test(t)) : [];
    if (status.startsWith('Error') || shown.length) return (status + '\n' + shown.join('\n')).trim();
    return '';
  },
  async describe() {  // figures by the digest of their bytes (null: no figure shown)
    return Promise.all(this.panels().map(async panel => ({
      controls: this.controls(panel).map((c, i) => ({kind: this.kind(c), label: this.label(c, i), value: this.value(c)})),
      status: this.status(panel), figure: await this.digest(this.shown(panel)),
      defaultFigure: await this.digest(this.defaultShown(panel)), error: this.error(panel)})));
  },
  watch(p, c) {  // records when the control is released and when its panel shows a new figure (decoded) or an error
    const panel = this.panels()[p], control = this.controls(panel)[c];
    const move = {start: null, end: null, outcome: null, figure: null, before: this.shown(panel), source: null};
    const statusBefore = this.status(panel);
    this.digest(move.before);  // now, before the kernel's next image revokes that blob: URL
    const mark = () => { if (move.start === null) move.start = performance.now(); };
    for (const type of ['keydown', 'change', 'pointerup', 'click']) control.addEventListener(type, mark, {capture: true, once: true});
    const check = () => {
      const status = this.status(panel);  // live.py: the output is cleared before the status says "running"
      if (move.end !== null || move.source !== null || status === statusBefore || status.startsWith('running')) return;
      if (this.error(panel)) {
        move.outcome = 'error'; move.end = performance.now(); observer.disconnect();
        return;
      }
      const source = this.shown(panel);
      if (source === null || source === move.before) return;
      // a new source (live.py sets the status first, then the image's value): the figure is there once decoded
      move.source = source;
      observer.disconnect();
      this.image(panel).decode().catch(() => null).then(() => {
        move.end = performance.now();
        return Promise.all([this.digest(source), this.digest(move.before)]);
      }).then(([figure, before]) => {  // the same bytes as before the move: the figure did not change
        move.figure = figure;
        move.outcome = figure !== null && figure === before ? 'unchanged' : 'figure';
      });
    };
    const observer = new MutationObserver(check);
    observer.observe(panel, {subtree: true, childList: true, characterData: true, attributes: true});
    this.move = move;
    return true;
  },
  // True once the notebook (at path, if given) is the current document and its kernel is idle; a "Select Kernel"
  // dialog (a notebook without kernelspec) is accepted.
  kernelReady(path) {
    const accept = document.querySelector('.jp-Dialog .jp-Dialog-button.jp-mod-accept');
    if (accept) accept.click();
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    if (path && !(w && w.context && w.context.path === path)) return false;
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return !!k && w.sessionContext.isReady && k.status === 'idle';
  },
  closeAll() {  // every document closed without a "save your changes?" dialog (the tests' copies are throw-away)
    for (const w of Array.from(window.jupyterapp.shell.widgets('main'))) {
      if (w.context) w.context.model.dirty = false;
      w.dispose();
    }
  },
  async openOnly(path) {  // the page reused for another notebook: its documents closed, this one opened
    this.closeAll();
    this.move = null;
    await window.jupyterapp.commands.execute('docmanager:open', {path});
  },
  notebookState() {
    const app = window.jupyterapp;
    const panel = app && app.shell.currentWidget;
    if (!panel || !panel.content || !panel.sessionContext) return {ready: false, kernel: 'none'};
    const session = panel.sessionContext.session;
    const kernel = session && session.kernel;
    let code = 0, executed = 0, errors = [];
    panel.content.widgets.forEach((cell, index) => {
      if (cell.model.type !== 'code' || !cell.model.sharedModel.getSource().trim()) return;
      code += 1;
      if (cell.model.executionCount !== null) executed += 1;
      for (const output of cell.model.outputs.toJSON()) {
        if (output.output_type === 'error') {
          errors.push({cell: index + 1, text: output.ename + ': ' + output.evalue + '\n' + (output.traceback || []).join('\n')});
        }
        const text = Array.isArray(output.text) ? output.text.join('') : (output.text || '');
        if (output.output_type === 'stream' && output.name === 'stderr' && /Traceback/.test(text)) {
          errors.push({cell: index + 1, text: 'traceback on stderr: ' + text});
        }
      }
    });
    const busy = Array.from(panel.node.querySelectorAll('.jp-InputPrompt')).filter(n => n.textContent.includes('*')).length;
    return {ready: panel.sessionContext.isReady, kernel: kernel ? kernel.status : 'none', code, executed, errors, busy};
  },
  pageProblems() {
    const nb = window.__lesson6.notebook();
    if (!nb) return ['no notebook open'];
    const found = [];
    for (const node of nb.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.widget-view+json"]')) {
      if (!node.querySelector('.jupyter-widgets')) found.push('widget did not render: ' + node.textContent.slice(0, 300));
    }
    return found;
  },
  async kernelExecute(code) {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    const future = kernel.requestExecute({code, silent: false, store_history: false});
    let out = '';
    future.onIOPub = msg => {
      if (msg.header.msg_type === 'stream') out += msg.content.text;
      if (msg.header.msg_type === 'error') out += 'ERROR ' + msg.content.ename + ': ' + msg.content.evalue;
    };
    await future.done;
    return out;
  },
};
