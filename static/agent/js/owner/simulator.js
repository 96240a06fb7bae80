// The rule simulator: the owner types a shopper's journey (or records one from a live
// visitor) and sees, per rule, when it would fire or which tests failed when it came closest.
// Runs on the server (POST /sites/{id}/rules/simulate), so it judges exactly like the engine.

import { h, replace } from '../dom.js';
import { formError, showApiError, clearErrors, busy, labelled, tabBar } from './ui.js';
import { stepRow, exampleJourney, recordVisitor } from './sim-steps.js';

/**
 * `getEditor()` is the open rule editor or null; `getRules()` the stored rules. Returns
 * `{node, cleanup, editorChanged()}`.
 */
export function simulator(ctx, { getEditor, getRules }) {
  const rows = h('div', { 'data-role': 'steps' });
  const journeyJson = h('textarea', { class: 'raw-json short', 'data-role': 'journey-json', spellcheck: 'false', 'aria-label': 'Journey steps as JSON' });
  const jsonStatus = h('p', { class: 'hint', role: 'status' });
  const results = h('ul', { class: 'sim-results', 'data-role': 'sim-results', 'aria-live': 'polite' });
  const target = h('select', { name: 'target', 'data-role': 'sim-target' });
  const agentsOnline = h('input', { name: 'agents_online', type: 'number', min: 0, max: 100, value: 0 });
  let stopRecording = null;

  const renumber = () => [...rows.children].forEach((row, i) => row.setIndex(i));
  const steps = () => [...rows.children].map((row) => row.read());
  const addStep = (step) => {
    rows.append(stepRow(step, { onChange: () => {}, onRemove: (row) => { row.remove(); renumber(); } }));
    renumber();
  };
  const loadSteps = (list) => { rows.replaceChildren(); list.forEach(addStep); };

  const recorder = recorderControls(ctx, {
    start: (visitorId) => {
      loadSteps([]);
      stopRecording = recordVisitor(ctx.live, visitorId, {
        onStep: (step) => { addStep(step); tabs.select('steps'); },
        onEnd: (reason) => { stopRecording = null; recorder.stopped(reason); },
      });
    },
    stop: () => { if (stopRecording) stopRecording(); stopRecording = null; },
  });

  const stepsPanel = h('div', { role: 'tabpanel' }, rows,
    h('div', { class: 'actions' },
      h('button', { type: 'button', 'data-role': 'add-step', text: '+ Add step', onclick: () => {
        const last = steps().at(-1);
        addStep({ at: last && typeof last.at === 'number' ? last.at + 10 : 0, event: 'page_view', props: { url: `${location.origin}/demo/`, type: 'other' } });
        rows.lastElementChild.querySelector('input').focus();
      } }),
      h('button', { type: 'button', 'data-role': 'example-journey', text: 'Load example journey', onclick: () => loadSteps(exampleJourney()) }),
      h('button', { type: 'button', 'data-role': 'clear-steps', text: 'Clear', onclick: () => loadSteps([]) })));
  const jsonPanel = h('div', { role: 'tabpanel', hidden: true },
    h('p', { class: 'hint', text: 'A list of {"at": seconds, "event": name, "props": {…}}. Changes here update the steps.' }), journeyJson, jsonStatus);
  const tabs = tabBar([['steps', 'Steps', stepsPanel], ['json', 'JSON', jsonPanel]], (name) => {
    stepsPanel.hidden = name !== 'steps';
    jsonPanel.hidden = name !== 'json';
    if (name === 'json') { journeyJson.value = JSON.stringify(steps(), null, 2); jsonStatus.textContent = ''; }
  });
  journeyJson.addEventListener('input', () => {
    try {
      const list = JSON.parse(journeyJson.value);
      if (!Array.isArray(list)) throw new Error('the journey must be a list of steps');
      loadSteps(list);
      jsonStatus.textContent = `${list.length} steps.`;
    } catch (e) { jsonStatus.textContent = `Not valid yet: ${e.message}`; }
  });

  const run = h('button', { type: 'submit', class: 'primary', 'data-role': 'simulate', text: 'Run simulation' });
  const form = h('form', { novalidate: true, onsubmit: (ev) => { ev.preventDefault(); busy(run, () => simulate()); } },
    tabs.node, stepsPanel, jsonPanel,
    h('div', { class: 'owner-row' },
      labelled('Rules to test', target), labelled('Agents online', agentsOnline, 'For rules that test agents_online.')),
    formError(), run, results);
  const node = h('section', { class: 'card owner-section', 'data-role': 'simulator' },
    h('h2', { text: 'Simulator' }),
    h('p', { class: 'hint', text: 'Replay a shopper\'s visit and see when each rule would fire. Times are seconds from the first step; timers run on for 30 minutes after the last one.' }),
    recorder.node, form);

  let hadEditor = false;
  function drawTargets() {
    const editor = getEditor();
    // A freshly opened editor is what the owner wants to test; otherwise keep their choice.
    const chosen = editor && !hadEditor ? 'draft' : target.value;
    hadEditor = !!editor;
    replace(target,
      h('option', { value: 'draft', text: 'The rule in the editor', disabled: !editor }),
      h('option', { value: 'saved', text: 'All saved rules' }),
      h('option', { value: 'both', text: 'The editor\'s rule and the other saved rules', disabled: !editor }));
    target.value = editor ? chosen || 'draft' : 'saved';
  }

  async function simulate() {
    clearErrors(form);
    const editor = getEditor();
    const body = { steps: steps(), agents_online: Number(agentsOnline.value) || 0 };
    // Results come back in the order rules were sent; drafts get throwaway ids, so the ids
    // shown are ours: the edited rule's own id (or "draft"), then each saved rule's.
    let ids = null;
    const mode = editor ? target.value : 'saved';
    if (mode !== 'saved') {
      const draftId = editor.ruleId || 'draft';
      const others = mode === 'both' ? getRules().filter((r) => r.id !== editor.ruleId) : [];
      body.rules = [editor.draft(), ...others.map(spec)];
      ids = [draftId, ...others.map((r) => r.id)];
    }
    try {
      const answer = await ctx.api.post(`/sites/${ctx.site.id}/rules/simulate`, body);
      drawResults(answer.rules.map((r, i) => ({ ...r, rule_id: ids ? ids[i] : r.rule_id })));
    } catch (e) {
      replace(results);
      if (mode !== 'saved') blameDraft(editor, e);
      if (stepsPanel.hidden) tabs.select('steps');
      showApiError(form, e);
    }
  }

  function drawResults(list) {
    if (!list.length) {
      replace(results, h('li', { text: 'No rules to simulate.' }));
      return;
    }
    replace(results, list.map(resultItem));
  }

  drawTargets();
  loadSteps(exampleJourney());
  return {
    node,
    editorChanged: drawTargets,
    cleanup: () => { if (stopRecording) stopRecording(); recorder.cleanup(); },
  };
}

/** A stored rule as a draft the simulator accepts (no server-side fields). */
function spec(rule) {
  const { id, created_at, updated_at, ...rest } = rule;
  return rest;
}

/** Errors about the draft (`rules[0].name`) also go to the editor's fields. */
function blameDraft(editor, error) {
  const own = (error.errors || []).filter((e) => (e.path || '').startsWith('rules[0].'));
  if (own.length) editor.showErrors({ errors: own.map((e) => ({ path: e.path.slice('rules[0].'.length), message: e.message })) });
}

function resultItem(r) {
  const secs = (ms) => `${Math.round(ms / 100) / 10} s`;
  const fires = r.fires_at_ms !== null && r.fires_at_ms !== undefined;
  const failed = r.failed || [];
  return h('li', { 'data-role': 'sim-result', 'data-rule-id': r.rule_id, 'data-fires': String(fires) },
    h('strong', { text: r.name }), ' ',
    h('span', { 'data-role': 'sim-outcome', text: outcome(r, fires, failed, secs) }),
    !fires && failed.length ? h('ul', {}, failed.map((t) => h('li', { 'data-role': 'sim-failed', text: t }))) : null);
}

function outcome(r, fires, failed, secs) {
  if (fires) return `fires at ${secs(r.fires_at_ms)}`;
  if (r.closest_at_ms === null || r.closest_at_ms === undefined) return 'does not fire.';
  // Nothing failed, yet no firing: the conditions held but no event the rule waits for came.
  if (!failed.length) return `does not fire: its conditions hold at ${secs(r.closest_at_ms)}, but none of the events it waits for ("When") happened.`;
  return `does not fire; closest at ${secs(r.closest_at_ms)}, where these failed:`;
}

/** The "record a live visitor" line: a picker of this site's live visitors and a button. */
function recorderControls(ctx, { start, stop }) {
  const pick = h('select', { name: 'visitor', 'data-role': 'record-visitor' });
  const button = h('button', { type: 'button', 'data-role': 'record', text: 'Record' });
  const status = h('span', { role: 'status', 'data-role': 'record-status', class: 'hint' });
  let recording = false;
  const draw = () => {
    const chosen = pick.value;
    const live = [...ctx.live.visitors.values()].filter((v) => v.site_id === ctx.site.id);
    replace(pick, live.length ? live.map((v) => h('option', { value: v.visitor_id, text: visitorLabel(v) }))
      : h('option', { value: '', text: 'No visitors on the shop right now' }));
    if (live.some((v) => v.visitor_id === chosen)) pick.value = chosen;
    button.disabled = !recording && !live.length;
  };
  const setRecording = (on, message) => {
    recording = on;
    button.textContent = on ? 'Stop recording' : 'Record';
    button.setAttribute('aria-pressed', String(on));
    pick.disabled = on;
    status.className = on ? 'recording' : 'hint';
    status.textContent = message;
    draw();
  };
  button.addEventListener('click', () => {
    if (recording) { stop(); setRecording(false, 'Recording stopped. Run the simulation, or edit the steps.'); return; }
    if (!pick.value) return;
    setRecording(true, '● Recording: browse the shop as this visitor; each page and cart change becomes a step.');
    start(pick.value);
  });
  const off = ctx.live.on('visitors', draw);
  draw();
  return {
    node: h('div', { class: 'owner-row bottom' },
      labelled('Record a live visitor', pick, 'Open the demo shop in another tab to be one.'),
      h('div', { class: 'field' }, button, status)),
    stopped: (reason) => setRecording(false, reason),
    cleanup: off,
  };
}

function visitorLabel(v) {
  const who = v.name || `Visitor …${v.visitor_id.slice(-6)}`;
  const page = v.current_page ? (v.current_page.title || v.current_page.path || v.current_page.url) : 'no page yet';
  return `${who} — ${page}`;
}
