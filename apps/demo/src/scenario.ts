import type { Farm, FarmControls } from '@authfarm/farm';
import type { Http } from './device.js';

/** One claim of the classic comparison and what the demo saw when it played it. */
export interface Row {
  claim: string;
  observed: string;
  asClaimed: boolean;
}

export interface ScenarioContext {
  farm: Farm;
  controls: FarmControls;
  http: Http;
  /** One progress line for the running scenario (`[2/5] store outage: cutting Redis…`). */
  step(detail: string): void;
}

export interface Scenario {
  id: string;
  title: string;
  run(context: ScenarioContext): Promise<Row[]>;
}
