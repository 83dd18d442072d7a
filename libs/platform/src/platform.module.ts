import { Global, Module, type DynamicModule, type Type } from '@nestjs/common';
import { AppConfig } from '@authfarm/config';
import { HealthController } from './health.controller.js';
import { Metrics } from './metrics.js';
import { Readiness } from './readiness.js';

/**
 * What every service has: the validated `AppConfig`, Prometheus `Metrics`, and the health and
 * metrics endpoints, with the app's own readiness check.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(config: AppConfig, readiness: Type<Readiness>): DynamicModule {
    return {
      module: PlatformModule,
      controllers: [HealthController],
      providers: [
        { provide: AppConfig, useValue: config },
        Metrics,
        { provide: Readiness, useClass: readiness },
      ],
      exports: [AppConfig, Metrics],
    };
  }
}
