import { h } from './dom.js';
import type { RequestEvent } from './feed.js';
import { formatMs } from './time.js';

/** Marks kept per lane: the picture stays bounded however long the page stays open. */
const MARKS_PER_LANE = 40;
const VERDICTS = ['ok', 'refused', 'failed', 'other'] as const;
type Verdict = (typeof VERDICTS)[number];

/** One lane of the farm: a replica, an auth process or the gateway, with its last requests. */
export class LaneView {
  readonly root: HTMLLIElement;
  private readonly marks: HTMLOListElement;
  private readonly label: HTMLElement;
  private readonly health: HTMLElement;
  private readonly inflight: HTMLElement;
  private readonly cost: HTMLElement;
  private readonly counts: Record<Verdict, HTMLElement>;
  private readonly tally: Record<Verdict, number> = { ok: 0, refused: 0, failed: 0, other: 0 };
  private queued: RequestEvent[] = [];

  constructor(
    readonly key: string,
    public name: string,
    kind: 'replica' | 'auth' | 'gateway',
  ) {
    const count = (verdict: Verdict, label: string) => {
      const value = h('b', {}, '0');
      return [h('span', { class: `count count-${verdict}` }, `${label} `, value), value] as const;
    };
    const [ok, okValue] = count('ok', '200');
    const [refused, refusedValue] = count('refused', '401');
    const [failed, failedValue] = count('failed', '5xx');
    const [other, otherValue] = count('other', 'other');
    this.counts = { ok: okValue, refused: refusedValue, failed: failedValue, other: otherValue };
    this.health = h('span', { class: 'lane-health' });
    this.inflight = h('span', { class: 'lane-inflight muted small' });
    this.cost = h('p', {
      class: 'lane-cost muted small',
      title: "Measured by the gateway from the replica's own counter, over the last second",
    });
    this.label = h('span', { class: 'lane-name' }, name);
    this.marks = h('ol', { class: 'marks', 'aria-label': `Recent requests on ${name}` });
    this.root = h(
      'li',
      { class: `lane lane-${kind}`, 'data-lane': key, 'data-name': name },
      h(
        'div',
        { class: 'lane-head' },
        h(
          'span',
          { class: 'lane-title' },
          h('span', { class: 'dot', 'aria-hidden': 'true' }),
          this.label,
        ),
        this.health,
        this.inflight,
      ),
      h(
        'div',
        { class: 'lane-stats' },
        h('p', { class: 'lane-counts' }, ok, refused, failed, other),
        this.cost,
      ),
      this.marks,
    );
    if (kind === 'gateway') this.setHealth(null, 'answered by the gateway itself');
  }

  rename(name: string): void {
    if (name === this.name) return;
    this.name = name;
    this.label.textContent = name;
    this.root.dataset.name = name;
    this.marks.setAttribute('aria-label', `Recent requests on ${name}`);
  }

  setHealth(
    healthy: boolean | null,
    text?: string,
    inflight?: number,
    roundTrips?: number | null,
  ): void {
    this.root.dataset.healthy = healthy === null ? 'unknown' : String(healthy);
    this.health.textContent = text ?? (healthy ? 'healthy' : 'unhealthy');
    this.inflight.textContent = inflight === undefined ? '' : `${inflight} in flight`;
    this.cost.textContent =
      typeof roundTrips === 'number'
        ? `${roundTrips.toFixed(2)} store round trips per request (measured, last second)`
        : '';
  }

  /** Counts a request now; its mark is drawn at the next frame (see FarmView.addRequest). */
  record(event: RequestEvent): void {
    this.tally[verdictOf(event.status)]++;
    this.queued.push(event);
    if (this.queued.length > MARKS_PER_LANE) this.queued.shift();
  }

  render(): void {
    for (const verdict of VERDICTS) this.counts[verdict].textContent = String(this.tally[verdict]);
    const marks = this.queued.map((event) => {
      const text = describeRequest(event);
      return h(
        'li',
        { class: `mark mark-${verdictOf(event.status)}`, title: text },
        h('span', { 'aria-hidden': 'true' }, event.device ? event.device[0].toUpperCase() : '·'),
        h('span', { class: 'visually-hidden' }, text),
      );
    });
    this.queued = [];
    this.marks.append(...marks);
    while (this.marks.children.length > MARKS_PER_LANE) this.marks.firstElementChild?.remove();
  }
}

function verdictOf(status: number): Verdict {
  if (status === 200) return 'ok';
  if (status === 401) return 'refused';
  if (status >= 500) return 'failed';
  return 'other';
}

const KIND_TEXT = { session: 'cookie', bearer: 'bearer token', none: 'no credential' };

export function describeRequest(event: RequestEvent): string {
  const trips =
    event.storeRoundTrips === null
      ? 'store round trips not known'
      : `${event.storeRoundTrips} store round trip${event.storeRoundTrips === 1 ? '' : 's'}`;
  return [
    event.device ?? 'not a device',
    `${event.method} ${event.path}`,
    KIND_TEXT[event.kind] ?? event.kind,
    String(event.status),
    trips,
    formatMs(event.ms),
  ].join(' · ');
}
