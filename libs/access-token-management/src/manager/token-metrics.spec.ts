import { afterEach, describe, expect, it } from '@jest/globals';
import { metrics, type Meter } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';

import { METER_NAME, TokenMetrics } from './token-metrics.js';

/** Collects on demand (the SDK leaves an in-memory reader to its users). */
class InMemoryReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  /** name -> sum of the data points (a histogram's count), with the instrumentation scope of each. */
  async sums(): Promise<Record<string, { sum: number; scope: string }>> {
    const { resourceMetrics } = await this.collect();
    const sums: Record<string, { sum: number; scope: string }> = {};
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        for (const point of metric.dataPoints as DataPoint<number | { count: number }>[]) {
          const entry = (sums[metric.descriptor.name] ??= { sum: 0, scope: scope.scope.name });
          entry.sum += typeof point.value === 'number' ? point.value : point.value.count;
        }
      }
    }
    return sums;
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('TokenMetrics', () => {
  afterEach(() => metrics.disable());

  it('records on the global meter provider by default (the optional API, loaded by a dynamic import)', async () => {
    const reader = new InMemoryReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

    const tokenMetrics = new TokenMetrics();
    tokenMetrics.miss('orders');
    tokenMetrics.request('orders', 'success', 0.01);
    await tick();

    expect(await reader.sums()).toEqual({
      'access_token.cache.misses': { sum: 1, scope: METER_NAME },
      'access_token.requests': { sum: 1, scope: METER_NAME },
      'access_token.request.duration': { sum: 1, scope: METER_NAME },
    });
  });

  it('keeps what is measured while the meter is loading and records it once the meter is there', async () => {
    const reader = new InMemoryReader();
    const meter = deferred<Meter | undefined>();
    const tokenMetrics = new TokenMetrics(meter.promise);

    tokenMetrics.miss('orders');
    tokenMetrics.request('orders', 'failure', 0.2, 'ERR_TOKEN_ENDPOINT_UNAVAILABLE');
    tokenMetrics.retry('orders');
    tokenMetrics.request('orders', 'success', 0.1);
    tokenMetrics.hit('orders');
    meter.resolve(new MeterProvider({ readers: [reader] }).getMeter('test'));
    await tick();
    tokenMetrics.hit('orders');

    const sums = await reader.sums();
    expect(Object.fromEntries(Object.entries(sums).map(([name, { sum }]) => [name, sum]))).toEqual({
      'access_token.cache.misses': 1,
      'access_token.requests': 2,
      'access_token.request.duration': 2,
      'access_token.retries': 1,
      'access_token.cache.hits': 2,
    });
  });

  it('keeps at most 1,000 measurements while the meter is loading', async () => {
    const reader = new InMemoryReader();
    const meter = deferred<Meter | undefined>();
    const tokenMetrics = new TokenMetrics(meter.promise);

    for (let i = 0; i < 1500; i++) tokenMetrics.hit('orders');
    meter.resolve(new MeterProvider({ readers: [reader] }).getMeter('test'));
    await tick();

    expect((await reader.sums())['access_token.cache.hits']?.sum).toBe(1000);
  });

  it('measures nothing, and never throws, when there is no meter (the app has no @opentelemetry/api)', async () => {
    const meter = deferred<Meter | undefined>();
    const tokenMetrics = new TokenMetrics(meter.promise);
    tokenMetrics.miss('orders');
    meter.resolve(undefined);
    await tick();

    expect(() => {
      tokenMetrics.hit('orders');
      tokenMetrics.request('orders', 'success', 0.1);
    }).not.toThrow();
  });
});
