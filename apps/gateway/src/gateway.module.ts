import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfig } from '@authfarm/config';
import { AccessLog, Metrics, type Logger } from '@authfarm/platform';
import { ProxyServer } from './proxy/proxy.server.js';
import { Routes } from './upstreams/routes.js';

/** The gateway: routing and upstream pools. It authenticates nothing; the replicas do. */
@Module({})
export class GatewayModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: GatewayModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: AccessLog, useValue: new AccessLog(logger) },
        Metrics,
        Routes,
        ProxyServer,
      ],
    };
  }
}
