// The reviewer console: a thin client of the API. Every value from the server is inserted as
// text (never as HTML); the token lives in sessionStorage for this tab only.
const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem('magicai-token'), contentId: undefined, events: undefined };

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

/** Calls the API; a problem+json error becomes an Error carrying its detail. */
async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { authorization: `Bearer ${state.token}`, ...(options.body ? { 'content-type': 'application/json' } : {}) },
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body.detail || body.title || `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

function claims(token) {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return undefined;
  }
}

function show(section) {
  for (const id of ['sign-in', 'inbox', 'content', 'performance', 'experiments']) $(id).hidden = id !== section;
  $('sign-out').hidden = section === 'sign-in';
  $('views').hidden = section === 'sign-in';
  const who = state.token ? claims(state.token) : undefined;
  $('show-experiments').hidden = !(who?.roles ?? []).includes('admin');
}

const riskClass = (score) => (score >= 0.6 ? 'risk-high' : score >= 0.2 ? 'risk-medium' : 'risk-low');
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

async function loadInbox() {
  stopEvents();
  show('inbox');
  const rows = $('inbox-rows');
  rows.replaceChildren();
  const { items } = await api('/v1/content?status=pending');
  $('inbox-empty').hidden = items.length > 0;
  for (const item of items) {
    const tr = el('tr');
    if (item.dueAt && Date.parse(item.dueAt) < Date.now()) tr.className = 'overdue';
    const open = el('a', item.title || item.contentId, { href: `#${item.contentId}` });
    open.addEventListener('click', (event) => {
      event.preventDefault();
      void openContent(item.contentId);
    });
    const title = el('td');
    title.append(open);
    const risk = el('td');
    risk.append(
      el('span', (item.riskScore ?? 0).toFixed(2), {
        class: `badge ${riskClass(item.riskScore ?? 0)}`,
        'aria-label': `risk ${(item.riskScore ?? 0).toFixed(2)}`,
      }),
    );
    tr.append(title, risk, el('td', when(item.dueAt)), el('td', item.assignee ?? '—'), el('td', (item.platforms ?? []).join(', ')));
    rows.append(tr);
  }
}

function renderContent(content) {
  $('content-title').textContent = content.title;
  $('content-status').textContent = content.status;
  $('content-stage').textContent = content.stage;
  $('content-revision').textContent = content.revision;
  $('content-due').textContent = when(content.dueAt);
  $('content-ai').hidden = !content.aiGenerated;
  $('content-body').textContent = content.body;
  const risk = content.risk;
  $('risk').textContent = risk
    ? `${risk.score.toFixed(2)} → ${risk.route}${risk.reasons.length ? ` (${risk.reasons.join('; ')})` : ''}`
    : '—';
  const checks = $('checks');
  checks.replaceChildren();
  if (content.checks) {
    const { style, sensitive, duplicate } = content.checks;
    checks.append(
      el(
        'li',
        `Style: ${style.score === undefined ? `unavailable (${style.unavailable})` : style.score.toFixed(2)}${style.issues.length ? ` — ${style.issues.map((i) => `${i.kind}: ${i.excerpt}`).join('; ')}` : ''}`,
      ),
      el(
        'li',
        `Sensitive words: ${sensitive.matches.length ? sensitive.matches.map((m) => `${m.term} (${m.severity})`).join(', ') : 'none'}`,
      ),
      el('li', `Near-duplicate: ${duplicate.score.toFixed(2)}${duplicate.nearest ? ` — closest: ${duplicate.nearest.title}` : ''}`),
    );
  }
  const decisions = $('decisions');
  decisions.replaceChildren(
    ...content.decisions.map((d) => el('li', `${d.reviewer}: ${d.decision}${d.comment ? ` — ${d.comment}` : ''} (revision ${d.revision})`)),
  );
}

async function renderDiff(from, to) {
  const diff = $('diff');
  diff.replaceChildren();
  if (!from || from === to) {
    diff.textContent = 'Only one revision so far.';
    return;
  }
  const { parts } = await api(`/v1/content/${state.contentId}/diff?from=${from}&to=${to}`);
  for (const part of parts)
    diff.append(part.added ? el('ins', part.value) : part.removed ? el('del', part.value) : document.createTextNode(part.value));
}

async function openContent(contentId) {
  stopEvents();
  state.contentId = contentId;
  show('content');
  $('decision-result').textContent = '';
  const [content, revisions] = await Promise.all([api(`/v1/content/${contentId}`), api(`/v1/content/${contentId}/revisions`)]);
  renderContent(content);
  const select = $('diff-from');
  select.replaceChildren(
    ...revisions.items
      .filter((r) => r.revision < content.revision)
      .map((r) => el('option', `revision ${r.revision}`, { value: r.revision })),
  );
  await renderDiff(Number(select.value) || undefined, content.revision);
  select.onchange = () => void renderDiff(Number(select.value), content.revision);
  // Live status: EventSource cannot send headers, so the token rides in the query string.
  state.events = new EventSource(`/v1/content/${encodeURIComponent(contentId)}/events?access_token=${encodeURIComponent(state.token)}`);
  state.events.addEventListener('progress', (event) => renderContent(JSON.parse(event.data)));
  state.events.addEventListener('done', () => stopEvents());
}

function stopEvents() {
  state.events?.close();
  state.events = undefined;
}

async function decide(event) {
  event.preventDefault();
  const form = new FormData($('decision-form'));
  const result = $('decision-result');
  result.className = '';
  try {
    const outcome = await api(`/v1/content/${state.contentId}/reviews`, {
      method: 'POST',
      body: JSON.stringify({ decision: form.get('decision'), ...(form.get('comment') ? { comment: form.get('comment') } : {}) }),
    });
    result.textContent = `Recorded: content is ${outcome.status} (${outcome.approvals}/${outcome.requiredApprovals} approvals).`;
  } catch (error) {
    result.className = 'error';
    result.textContent = `Refused: ${error.message}`;
  }
}

/** Admins: every experiment of the tenant with its arms (live state from the workflow's status query). */
async function loadExperiments() {
  stopEvents();
  show('experiments');
  const rows = $('experiment-rows');
  rows.replaceChildren();
  const { items } = await api('/v1/learning/experiments');
  $('experiments-empty').hidden = items.length > 0;
  for (const item of items) {
    const detail = await api(`/v1/learning/experiments/${encodeURIComponent(item.experimentId)}`);
    const arms =
      detail.live?.arms ??
      item.arms.map((arm) => ({ ...arm, exposures: undefined, posteriorMean: undefined, share: item.allocation[arm.version] }));
    for (const arm of arms) {
      const guard = (detail.live?.guardrails ?? []).find((g) => g.version === arm.version);
      const guardText = arm.production
        ? 'baseline'
        : guard
          ? guard.breached.length
            ? `breached: ${guard.breached.join(', ')}`
            : guard.tested
              ? 'clear'
              : 'collecting'
          : '—';
      const tr = el('tr');
      if (guard?.breached.length) tr.className = 'overdue';
      tr.append(
        el('td', item.experimentId),
        el('td', item.task),
        el('td', item.status),
        el('td', `${arm.version}${arm.production ? ' (production)' : ''}`),
        el('td', arm.exposures ?? '—'),
        el('td', arm.posteriorMean === undefined ? '—' : arm.posteriorMean.toFixed(3)),
        el('td', arm.share === undefined ? '—' : `${Math.round(arm.share * 100)}%`),
        el('td', guardText),
      );
      rows.append(tr);
    }
  }
}

const percent = (rate) => (rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)} %`);

/** The performance report (GET /v1/strategy/report): one row per brand, channel and strategy. */
async function loadPerformance(event) {
  event?.preventDefault();
  stopEvents();
  show('performance');
  if (!$('perf-from').value) {
    const today = new Date();
    $('perf-to').value = new Date(today.getTime() + 86_400_000).toISOString().slice(0, 10);
    $('perf-from').value = new Date(today.getTime() - 29 * 86_400_000).toISOString().slice(0, 10);
  }
  const url = new URL('/v1/strategy/report', window.location.href);
  url.searchParams.set('from', `${$('perf-from').value}T00:00:00Z`);
  url.searchParams.set('to', `${$('perf-to').value}T00:00:00Z`);
  if ($('perf-brand').value.trim()) url.searchParams.set('brand', $('perf-brand').value.trim());
  $('performance-error').textContent = '';
  const rows = $('performance-rows');
  rows.replaceChildren();
  let report;
  try {
    report = await api(`${url.pathname}${url.search}`);
  } catch (error) {
    $('performance-error').textContent = `Report refused: ${error.message}`;
    return;
  }
  const row = (label, f) => {
    const tr = el('tr');
    const rate = el('td');
    rate.append(
      el('span', percent(f.successRate), { class: `badge ${f.meetsTarget === false ? 'risk-high' : f.meetsTarget ? 'risk-low' : ''}` }),
    );
    tr.append(
      ...label.map((text) => el('td', text)),
      ...[f.submitted, f.autoApproved, f.reviewed, f.publishedWithinSla, f.rejected, f.expired, f.open].map((n) => el('td', n)),
      rate,
      el('td', f.engagement.views),
      el('td', f.engagement.clicks),
      el('td', f.engagement.meanReward === null ? '—' : f.engagement.meanReward.toFixed(3)),
    );
    return tr;
  };
  for (const group of report.groups) rows.append(row([group.brand, group.channel, group.strategy], group));
  const total = row(['All', '', ''], report.total);
  total.className = 'total';
  rows.append(total);
  $('performance-summary').textContent =
    `Success rate ${percent(report.total.successRate)} against the ${percent(report.target)} target${report.total.meetsTarget === false ? ' — below target' : ''}.`;
}

async function signIn(event) {
  event.preventDefault();
  const token = $('token').value.trim();
  const who = claims(token);
  if (!who) {
    $('sign-in-error').textContent = 'That does not look like a token.';
    return;
  }
  state.token = token;
  try {
    await loadInbox();
  } catch (error) {
    state.token = undefined;
    show('sign-in');
    $('sign-in-error').textContent = `Sign-in failed: ${error.message}`;
    return;
  }
  sessionStorage.setItem('magicai-token', token);
  $('who').textContent = `${who.sub} · ${who.tenant} · ${(who.roles ?? []).join(', ')}`;
}

$('sign-in-form').addEventListener('submit', (event) => void signIn(event));
$('decision-form').addEventListener('submit', (event) => void decide(event));
$('refresh').addEventListener('click', () => void loadInbox());
$('show-inbox').addEventListener('click', () => void loadInbox());
$('show-performance').addEventListener('click', () => void loadPerformance());
$('performance-form').addEventListener('submit', (event) => void loadPerformance(event));
$('back').addEventListener('click', () => void loadInbox());
$('experiments-back').addEventListener('click', () => void loadInbox());
$('show-experiments').addEventListener('click', () => void loadExperiments());
$('sign-out').addEventListener('click', () => {
  stopEvents();
  sessionStorage.removeItem('magicai-token');
  state.token = undefined;
  $('who').textContent = '';
  show('sign-in');
});

if (state.token && claims(state.token)) {
  const who = claims(state.token);
  $('who').textContent = `${who.sub} · ${who.tenant} · ${(who.roles ?? []).join(', ')}`;
  loadInbox().catch(() => show('sign-in'));
} else {
  show('sign-in');
}
