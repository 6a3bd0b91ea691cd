import { MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import type { Meter } from '@opentelemetry/api';

/** Collects on demand: the in-memory reader the OpenTelemetry SDK leaves to its users. */
export class InMemoryMetricReader extends MetricReader {
  /** A meter whose instruments this reader collects. */
  meter(): Meter {
    return new MeterProvider({ readers: [this] }).getMeter('test');
  }

  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }

  /** The sum of a counter (or the count of a histogram) over the data points that carry `attributes`. */
  async sum(name: string, attributes: Record<string, string> = {}): Promise<number> {
    const { resourceMetrics } = await this.collect();
    let total = 0;
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name !== name) continue;
        for (const point of metric.dataPoints as DataPoint<number | { count: number }>[]) {
          const matches = Object.entries(attributes).every(([key, value]) => point.attributes[key] === value);
          if (matches) total += typeof point.value === 'number' ? point.value : point.value.count;
        }
      }
    }
    return total;
  }
}
