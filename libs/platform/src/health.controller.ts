import { Controller, Get, Header, HttpCode } from '@nestjs/common';
import { AppError } from './app-error.js';
import { Metrics } from './metrics.js';
import { Public } from './public.decorator.js';
import { Readiness } from './readiness.js';

/** Liveness, readiness and Prometheus metrics: the same three paths on every service. */
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly readiness: Readiness,
    private readonly metrics: Metrics,
  ) {}

  @Get('health/live')
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(): Promise<{ status: 'ready' }> {
    if (!(await this.readiness.isReady().catch(() => false))) {
      throw new AppError('NOT_READY');
    }
    return { status: 'ready' };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
