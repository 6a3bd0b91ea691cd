import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { AccessTokenHealthIndicator } from 'nestjs-access-token-management';

/** `GET /health`: 200 while tokens can be had, 503 when a client has no usable token and its requests fail. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly tokens: AccessTokenHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.tokens.check('access_tokens')]);
  }
}
