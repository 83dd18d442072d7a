import type { Availability } from './controls-client.js';
import { h, isUnavailable, setUnavailable } from './dom.js';
import {
  NotMeasured,
  type Outcome,
  type Scenario,
  type ScenarioContext,
  type ScenarioId,
} from './scenario-kit.js';
import { clockTime, formatMs, now } from './time.js';

type Verdict = 'as-claimed' | 'not-as-claimed' | 'not-measured';

const DEVICES_TIMEOUT_MS = 20_000;

const VERDICT_TEXT: Record<Verdict, string> = {
  'as-claimed': '✓ As claimed',
  'not-as-claimed': '✗ Not as claimed',
  'not-measured': '– Not measured',
};

/**
 * The scenario buttons, the progress line and the results list. One scenario runs at a time:
 * they share the two devices and the farm.
 */
export class ScenariosView {
  private running: Scenario | null = null;
  private controls: Availability = 'unknown';
  private readonly buttons = new Map<ScenarioId, HTMLButtonElement>();

  constructor(
    list: HTMLElement,
    private readonly results: HTMLOListElement,
    private readonly progressLine: HTMLElement,
    private readonly scenarios: readonly Scenario[],
    private readonly context: Omit<ScenarioContext, 'progress'>,
    private readonly afterRun: () => void,
  ) {
    for (const scenario of scenarios) {
      const button = h('button', { type: 'button', class: 'primary' }, scenario.button);
      button.addEventListener('click', () => void this.run(scenario));
      this.buttons.set(scenario.id, button);
      list.append(
        h(
          'li',
          { class: 'scenario' },
          h('div', {}, h('h3', {}, scenario.title), h('p', { class: 'claim' }, scenario.claim)),
          button,
        ),
      );
    }
    this.refresh();
  }

  setControls(availability: Availability): void {
    this.controls = availability;
    this.refresh();
  }

  private refresh(): void {
    for (const scenario of this.scenarios) {
      const button = this.buttons.get(scenario.id);
      if (!button) continue;
      const noControls = scenario.needsControls && this.controls !== 'on';
      setUnavailable(
        button,
        this.running !== null || noControls,
        this.running ? 'scenario-progress' : noControls ? 'controls-note' : undefined,
      );
    }
  }

  private async run(scenario: Scenario): Promise<void> {
    const button = this.buttons.get(scenario.id);
    if (this.running || (button && isUnavailable(button))) return;
    this.running = scenario;
    this.refresh();
    button?.setAttribute('aria-busy', 'true');
    const started = now();
    const progress = (text: string) => {
      this.progressLine.textContent = `${scenario.title}: ${text}`;
    };
    progress('starting…');
    let verdict: Verdict;
    let lines: string[];
    try {
      await this.devicesReady(progress);
      const outcome: Outcome = await scenario.run({ ...this.context, progress });
      verdict = outcome.asClaimed ? 'as-claimed' : 'not-as-claimed';
      lines = outcome.lines;
    } catch (error) {
      verdict = 'not-measured';
      const reason = error instanceof Error ? error.message : String(error);
      lines = [`${error instanceof NotMeasured ? 'Not measured' : 'Stopped'}: ${reason}`];
    }
    const took = now() - started;
    this.show(scenario, verdict, lines, took);
    progress(`finished in ${formatMs(took)}: ${VERDICT_TEXT[verdict].slice(2).toLowerCase()}.`);
    button?.removeAttribute('aria-busy');
    this.running = null;
    this.refresh();
    this.afterRun();
  }

  private async devicesReady(progress: (text: string) => void): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new NotMeasured('the devices are not ready: see the devices panel')),
        DEVICES_TIMEOUT_MS,
      );
    });
    progress('waiting for both devices to load…');
    try {
      await Promise.race([this.context.devicesReady(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private show(scenario: Scenario, verdict: Verdict, lines: string[], took: number): void {
    const row = h(
      'li',
      { class: 'result', 'data-scenario': scenario.id, 'data-verdict': verdict },
      h(
        'p',
        { class: 'result-title' },
        h('strong', {}, scenario.title),
        h('span', { class: 'muted small' }, ` at ${clockTime(Date.now())}, took ${formatMs(took)}`),
      ),
      h(
        'div',
        { class: 'result-grid' },
        h(
          'div',
          { class: 'result-claim' },
          h('p', { class: 'result-label' }, 'Claim'),
          h('p', {}, scenario.claim),
        ),
        h(
          'div',
          { class: 'result-measured' },
          h('p', { class: 'result-label' }, 'Measured'),
          h('ul', {}, ...lines.map((line) => h('li', { class: 'measured-line' }, line))),
        ),
        h('p', { class: `verdict verdict-${verdict}` }, VERDICT_TEXT[verdict]),
      ),
    );
    this.results.querySelector(`[data-scenario="${scenario.id}"]`)?.remove();
    this.results.prepend(row);
  }
}
