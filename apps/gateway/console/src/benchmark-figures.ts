import { h } from './dom.js';

interface Target {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

interface Results {
  startedAt?: string;
  targets?: Target[];
  charts?: string[];
}

const BASE = '/console/figures';
/** The charts that tell the trade-off at a glance, when the run has them. */
const HEADLINE = [
  '1-throughput-by-mode.svg',
  '7-revocation-reach.svg',
  '8-store-outage.svg',
  '4-scaling.svg',
];

/** "The figures": the latest benchmark's headline charts and its targets, met or missed. */
export async function showFigures(root: HTMLElement): Promise<void> {
  const results = await load();
  if (!results) {
    root.replaceChildren(
      h('p', {}, 'No benchmark run found; run ', h('code', {}, 'npm run bench'), '.'),
    );
    return;
  }
  const targets = Array.isArray(results.targets) ? results.targets : [];
  const charts = (Array.isArray(results.charts) ? results.charts : []).filter((name) =>
    /^[\w.-]+\.svg$/.test(name),
  );
  const headline = HEADLINE.filter((name) => charts.includes(name));
  const shown = headline.length > 0 ? headline : charts.slice(0, 4);
  const met = targets.filter((t) => t.met).length;
  const figures = await Promise.all(shown.map(figure));
  root.replaceChildren(
    h(
      'p',
      {},
      `Benchmark run of ${when(results.startedAt)}: ${met} of ${targets.length} targets met. `,
      h('a', { href: `${BASE}/latest.md` }, 'Read the full report'),
      '.',
    ),
    h('div', { class: 'charts' }, ...figures),
    targetsTable(targets),
  );
}

async function load(): Promise<Results | null> {
  try {
    const response = await fetch(`${BASE}/results.json`, { cache: 'no-store' });
    if (!response.ok) return null;
    const json: unknown = await response.json();
    return typeof json === 'object' && json !== null ? (json as Results) : null;
  } catch {
    return null;
  }
}

async function figure(name: string): Promise<HTMLElement> {
  const title = (await chartTitle(name)) ?? humanize(name);
  return h(
    'figure',
    { class: 'chart' },
    h('img', { src: `${BASE}/${name}`, alt: title, loading: 'lazy', width: 760, height: 330 }),
    h('figcaption', {}, title),
  );
}

/** The chart's own title (its first text element), so the alt text says what it shows. */
async function chartTitle(name: string): Promise<string | null> {
  try {
    const response = await fetch(`${BASE}/${name}`, { cache: 'force-cache' });
    if (!response.ok) return null;
    const svg = new DOMParser().parseFromString(await response.text(), 'image/svg+xml');
    const text = svg.querySelector('title, text')?.textContent?.trim();
    return text ? text : null;
  } catch {
    return null;
  }
}

function targetsTable(targets: readonly Target[]): HTMLElement {
  return h(
    'table',
    { class: 'targets' },
    h('caption', {}, 'Benchmark targets'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Measure'),
        h('th', { scope: 'col' }, 'Target'),
        h('th', { scope: 'col' }, 'Measured'),
        h('th', { scope: 'col' }, 'Met'),
      ),
    ),
    h(
      'tbody',
      {},
      ...targets.map((t) =>
        h(
          'tr',
          { 'data-met': String(t.met) },
          h('th', { scope: 'row' }, t.name),
          h('td', {}, t.target),
          h('td', {}, t.measured),
          h('td', { class: t.met ? 'met' : 'missed' }, t.met ? '✓ met' : '✗ missed'),
        ),
      ),
    ),
  );
}

function when(startedAt: string | undefined): string {
  const date = startedAt ? new Date(startedAt) : null;
  return date && !Number.isNaN(date.getTime()) ? date.toLocaleString() : 'unknown date';
}

function humanize(name: string): string {
  return name
    .replace(/\.svg$/, '')
    .replace(/^\d+-/, '')
    .replace(/-/g, ' ');
}
