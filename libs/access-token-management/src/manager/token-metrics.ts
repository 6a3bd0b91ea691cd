import type * as OpenTelemetryApi from '@opentelemetry/api';

type Attributes = Record<string, string>;
interface Counter {
  add(value: number, attributes?: Attributes): void;
}
interface Histogram {
  record(value: number, attributes?: Attributes): void;
}
interface InstrumentOptions {
  description?: string;
  unit?: string;
}

/**
 * What the library uses of an OpenTelemetry `Meter` (which fits it as it is). Declared here, so that the shipped types
 * need no `@opentelemetry/api` either: an app without it type-checks even with `skipLibCheck` off.
 */
export interface Meter {
  createCounter(name: string, options?: InstrumentOptions): Counter;
  createHistogram(name: string, options?: InstrumentOptions): Histogram;
}

/** Name of the OpenTelemetry meter, and the prefix of every instrument. */
export const METER_NAME = 'nestjs-access-token-management';

/** Measurements kept while the global meter is still loading; beyond this, start-up measurements are dropped. */
const MAX_PENDING_MEASUREMENTS = 1000;

/**
 * `@opentelemetry/api` is an optional peer: loaded once, when this module is, so that an app without it starts (and
 * records no metrics). `undefined` while loading, `null` when the app does not have it.
 */
let api: typeof OpenTelemetryApi | null | undefined;
const apiLoaded: Promise<typeof OpenTelemetryApi | null> = import('@opentelemetry/api').then(
  (loaded) => (api = loaded),
  () => (api = null),
);

/** The global meter provider's meter: at once when the API has loaded, else a promise (`undefined`: no API). */
function globalMeter(): Meter | undefined | Promise<Meter | undefined> {
  if (api !== undefined) return api?.metrics.getMeter(METER_NAME);
  return apiLoaded.then((loaded) => loaded?.metrics.getMeter(METER_NAME));
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

interface Instruments {
  requests: Counter;
  duration: Histogram;
  hits: Counter;
  misses: Counter;
  backgroundRefreshes: Counter;
  retries: Counter;
  evictions: Counter;
}

/** What an eviction forgot: an in-process token, a key's state, or a resolved client. */
export type EvictedLayer = 'token' | 'key' | 'client';

type CounterName = 'hits' | 'misses' | 'backgroundRefreshes' | 'retries';

function createInstruments(meter: Meter): Instruments {
  return {
    requests: meter.createCounter('access_token.requests', {
      description: 'Token requests sent to the token endpoint, by outcome',
    }),
    duration: meter.createHistogram('access_token.request.duration', {
      description: 'Duration of token requests',
      unit: 's',
    }),
    hits: meter.createCounter('access_token.cache.hits', {
      description: 'Calls served a cached token',
    }),
    misses: meter.createCounter('access_token.cache.misses', {
      description: 'Calls that had to wait for a token request',
    }),
    backgroundRefreshes: meter.createCounter('access_token.background_refreshes', {
      description: 'Renewals started in the background while the cached token kept serving',
    }),
    retries: meter.createCounter('access_token.retries', {
      description: 'Token requests made after a failed one (backoff retries)',
    }),
    evictions: meter.createCounter('access_token.cache.evictions', {
      description:
        'Least recently used tokens, key states and resolved clients forgotten under maxCachedTokens',
    }),
  };
}

/**
 * The manager's instruments on `@opentelemetry/api`: no-ops until the application registers an SDK, and nothing at
 * all when the application does not have the API. Every measurement carries the client name as
 * `access_token.client`; none carries a token or a secret.
 */
export class TokenMetrics {
  /** `undefined` while the meter is loading; `null` when there is none (no `@opentelemetry/api`). */
  private instruments: Instruments | null | undefined;
  private pending: Array<(instruments: Instruments) => void> = [];
  private readonly attributes = new Map<string, Attributes>();

  /** @param meter a meter, or one still loading; default: the global meter provider's, when the API is installed */
  constructor(meter: Meter | undefined | Promise<Meter | undefined> = globalMeter()) {
    if (!isPromise(meter)) {
      this.instruments = meter ? createInstruments(meter) : null;
      return;
    }
    void meter.then(
      (loaded) => this.ready(loaded ? createInstruments(loaded) : null),
      () => this.ready(null),
    );
  }

  hit(client: string): void {
    this.count('hits', client);
  }

  miss(client: string): void {
    this.count('misses', client);
  }

  backgroundRefresh(client: string): void {
    this.count('backgroundRefreshes', client);
  }

  retry(client: string): void {
    this.count('retries', client);
  }

  /** One eviction under `maxCachedTokens`, with `access_token.cache.layer` saying what was forgotten. */
  evicted(client: string, layer: EvictedLayer): void {
    if (this.instruments === null) return;
    const attributes: Attributes = { 'access_token.client': client, 'access_token.cache.layer': layer };
    this.record((instruments) => instruments.evictions.add(1, attributes));
  }

  /** A client is gone (removed or evicted): its attributes are not kept for it. */
  forget(client: string): void {
    this.attributes.delete(client);
  }

  request(client: string, outcome: 'success' | 'failure', seconds: number, errorCode?: string): void {
    if (this.instruments === null) return;
    const attributes: Attributes = { ...this.of(client), 'access_token.outcome': outcome };
    if (errorCode) attributes['error.type'] = errorCode;
    this.record((instruments) => {
      instruments.requests.add(1, attributes);
      instruments.duration.record(seconds, attributes);
    });
  }

  private count(name: CounterName, client: string): void {
    // The hot path (a cache hit once loaded) allocates nothing: no closure, attribute objects reused.
    const instruments = this.instruments;
    if (instruments) instruments[name].add(1, this.of(client));
    else if (instruments === undefined) this.record((loaded) => loaded[name].add(1, this.of(client)));
  }

  private record(measure: (instruments: Instruments) => void): void {
    if (this.instruments) measure(this.instruments);
    else if (this.instruments === undefined && this.pending.length < MAX_PENDING_MEASUREMENTS) {
      this.pending.push(measure);
    }
  }

  /** Measurements made while the meter was loading are recorded now, in order (or dropped without a meter). */
  private ready(instruments: Instruments | null): void {
    this.instruments = instruments;
    const pending = this.pending;
    this.pending = [];
    if (instruments) for (const measure of pending) measure(instruments);
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
