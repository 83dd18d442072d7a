import type { MeResult } from './messages.js';

/** At most this many requests of the rate loop in flight: a stalled farm cannot pile them up. */
const MAX_INFLIGHT = 32;
/** Answers kept for the scenarios to read back: 8 minutes at the top rate. */
const MAX_LOG = 10_000;
export const MAX_RATE = 20;
const MAX_BURST = 200;

/**
 * A device's `/api/me` traffic: a steady rate (0-20 requests/s, paced by a timer, not waiting
 * for answers) and bursts of back-to-back requests. Every answer is recorded in a bounded log.
 */
export class Traffic {
  private timer: ReturnType<typeof setInterval> | undefined;
  private inflight = 0;
  private current = 0;
  private readonly log: MeResult[] = [];

  constructor(
    private readonly send: () => Promise<MeResult>,
    private readonly onResult: (result: MeResult) => void,
  ) {}

  get rate(): number {
    return this.current;
  }

  setRate(rate: number): void {
    const bounded = Math.max(0, Math.min(MAX_RATE, Math.round(rate)));
    if (bounded === this.current) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.current = bounded;
    if (bounded > 0) this.timer = setInterval(() => this.tick(), 1000 / bounded);
  }

  /**
   * `count` requests, `concurrency` at a time (1: one after another). Back-to-back requests
   * let the gateway's least-busy choice rotate over the replicas; a round sent at once lands
   * on as many replicas as it has requests.
   */
  async burst(count: number, concurrency = 1): Promise<MeResult[]> {
    const results: MeResult[] = [];
    let left = Math.min(count, MAX_BURST);
    const worker = async () => {
      while (left > 0) {
        left--;
        const result = await this.send();
        this.record(result);
        results.push(result);
      }
    };
    const workers = Math.max(1, Math.min(concurrency, MAX_INFLIGHT));
    await Promise.all(Array.from({ length: workers }, worker));
    return results;
  }

  since(time: number): MeResult[] {
    return this.log.filter((result) => result.sent >= time);
  }

  private tick(): void {
    if (this.inflight >= MAX_INFLIGHT) return;
    this.inflight++;
    void this.send()
      .then((result) => this.record(result))
      .finally(() => this.inflight--);
  }

  private record(result: MeResult): void {
    this.log.push(result);
    if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
    this.onResult(result);
  }
}
