import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The server's Prometheus metrics, in a registry of its own (several servers may share a process). */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly latency: Histogram<'method' | 'route'>;
  readonly accepted: Counter<'kind'>;
  readonly batchSize: Histogram;
  readonly batchSeconds: Histogram;
  readonly wsConnections: Gauge;

  constructor(queueDepth: () => number, wsCount: () => number) {
    collectDefaultMetrics({ register: this.registry, prefix: 'safelight_' });
    this.requests = new Counter({
      name: 'safelight_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'safelight_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.accepted = new Counter({
      name: 'safelight_messages_accepted_total',
      help: 'Messages accepted (durably written), by kind: application, commit',
      labelNames: ['kind'],
      registers: [this.registry],
    });
    this.batchSize = new Histogram({
      name: 'safelight_write_batch_size',
      help: 'Operations per group-commit transaction',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2000],
      registers: [this.registry],
    });
    this.batchSeconds = new Histogram({
      name: 'safelight_write_batch_seconds',
      help: 'Time to run and commit one group-commit transaction',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: [this.registry],
    });
    new Gauge({
      name: 'safelight_write_queue_depth',
      help: 'Write operations waiting or being committed',
      registers: [this.registry],
      collect() {
        this.set(queueDepth());
      },
    });
    this.wsConnections = new Gauge({
      name: 'safelight_ws_connections',
      help: 'Open WebSocket connections',
      registers: [this.registry],
      collect() {
        this.set(wsCount());
      },
    });
  }
}
