import { metrics, type Attributes, type Counter, type Histogram, type Meter } from '@opentelemetry/api';

/** Name of the OpenTelemetry meter, and the prefix of every instrument. */
export const METER_NAME = 'nestjs-access-token-management';

/**
 * The manager's instruments on `@opentelemetry/api`: no-ops until the application registers an SDK. Every measurement
 * carries the client name as `access_token.client`; none carries a token or a secret.
 */
export class TokenMetrics {
  private readonly requests: Counter;
  private readonly duration: Histogram;
  private readonly hits: Counter;
  private readonly misses: Counter;
  private readonly backgroundRefreshes: Counter;
  private readonly retries: Counter;
  private readonly attributes = new Map<string, Attributes>();

  constructor(meter: Meter = metrics.getMeter(METER_NAME)) {
    this.requests = meter.createCounter('access_token.requests', {
      description: 'Token requests sent to the token endpoint, by outcome',
    });
    this.duration = meter.createHistogram('access_token.request.duration', {
      description: 'Duration of token requests',
      unit: 's',
    });
    this.hits = meter.createCounter('access_token.cache.hits', {
      description: 'Calls served a cached token',
    });
    this.misses = meter.createCounter('access_token.cache.misses', {
      description: 'Calls that had to wait for a token request',
    });
    this.backgroundRefreshes = meter.createCounter('access_token.background_refreshes', {
      description: 'Renewals started in the background while the cached token kept serving',
    });
    this.retries = meter.createCounter('access_token.retries', {
      description: 'Token requests made after a failed one (backoff retries)',
    });
  }

  hit(client: string): void {
    this.hits.add(1, this.of(client));
  }

  miss(client: string): void {
    this.misses.add(1, this.of(client));
  }

  backgroundRefresh(client: string): void {
    this.backgroundRefreshes.add(1, this.of(client));
  }

  retry(client: string): void {
    this.retries.add(1, this.of(client));
  }

  request(client: string, outcome: 'success' | 'failure', seconds: number, errorCode?: string): void {
    const attributes: Attributes = { ...this.of(client), 'access_token.outcome': outcome };
    if (errorCode) attributes['error.type'] = errorCode;
    this.requests.add(1, attributes);
    this.duration.record(seconds, attributes);
  }

  /** Attribute objects are reused: the hot path (a cache hit) allocates nothing. */
  private of(client: string): Attributes {
    let attributes = this.attributes.get(client);
    if (attributes === undefined) {
      attributes = { 'access_token.client': client };
      this.attributes.set(client, attributes);
    }
    return attributes;
  }
}
