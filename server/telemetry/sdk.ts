// OpenTelemetry set-up for the server: a MeterProvider with a Prometheus endpoint and/or
// an OTLP/HTTP exporter, a TracerProvider (OTLP/HTTP when configured) registered as the
// global one — the auth chain gets its tracer from the global API — and the
// subscribers that turn published events into metrics, set-up traces and accounting
// delivery traces.
//
// The Prometheus endpoint is our own http.Server around the exporter's request handler,
// so it can bind port 0 (tests), report EADDRINUSE as a start-up error and stop cleanly.
// OTLP exporters are imported only when configured.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace, type Tracer } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { ErrorCode, PptpdError } from '../errors.js';
import type { OperationsHost } from '../control/host.js';
import type { TelemetryConfig } from '../../config/schema-operations.js';
import { registerMetrics, type ServerMetrics } from './metrics.js';
import { AccountingSpans } from './accounting-spans.js';
import { ParentingTracerProvider, SessionSpans } from './session-spans.js';

export interface TelemetryDeps {
  /** config.telemetry (parsed, defaulted by the schema). */
  readonly options: TelemetryConfig;
  readonly host: OperationsHost;
  readonly log: Logger;
  /** Extra metric readers (tests: an in-memory reader). */
  readonly metricReaders?: readonly IMetricReader[];
  /** Extra span processors (tests: SimpleSpanProcessor + InMemorySpanExporter). */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** Register the tracer provider globally (default true; the auth chain uses the global API). */
  readonly registerGlobal?: boolean;
}

export interface Telemetry {
  readonly metrics: ServerMetrics;
  readonly tracer: Tracer;
  readonly spans: SessionSpans | undefined;
  /** Where the Prometheus endpoint listens, when enabled. */
  readonly prometheusAddress: AddressInfo | undefined;
  stop(): Promise<void>;
}

const PACKAGE = 'pptpd-ts';

async function listenPrometheus(exporter: PrometheusExporter, host: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (req.method === 'GET' && (url === '/metrics' || url.startsWith('/metrics?'))) {
      exporter.getMetricsRequestHandler(req, res);
      return;
    }
    res.statusCode = 404;
    res.end('not found: scrape /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new PptpdError(ErrorCode.CONFIG_INVALID, `telemetry.prometheus: cannot listen on ${host}:${port}: ${e.code ?? e.message}`)),
    );
    server.listen(port, host, () => resolve());
  });
  return server;
}

export async function startTelemetry(deps: TelemetryDeps): Promise<Telemetry> {
  const { options, log } = deps;
  const resource = resourceFromAttributes({ 'service.name': options.serviceName });
  const readers: IMetricReader[] = [...(deps.metricReaders ?? [])];
  let promServer: http.Server | undefined;
  const prometheus = options.prometheus?.enabled === true ? options.prometheus : undefined;
  const otlp = options.otlp?.enabled === true ? options.otlp : undefined;
  if (prometheus) {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    readers.push(exporter);
    promServer = await listenPrometheus(exporter, prometheus.host, prometheus.port);
  }
  const spanProcessors: SpanProcessor[] = [...(deps.spanProcessors ?? [])];
  // The collector's base URL; /v1/metrics and /v1/traces are appended.
  const endpoint = otlp?.endpoint.replace(/\/+$/, '');
  if (otlp) {
    const o = otlp;
    if (o.metrics) {
      const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
      readers.push(
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics`, headers: { ...o.headers } }),
          exportIntervalMillis: o.interval * 1000,
        }),
      );
    }
    if (o.traces) {
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces`, headers: { ...o.headers } })));
    }
  }
  const meterProvider = new MeterProvider({ resource, readers });
  const serverMetrics = registerMetrics(meterProvider.getMeter(PACKAGE), deps.host);

  let tracerProvider: BasicTracerProvider | undefined;
  let spans: SessionSpans | undefined;
  let accountingSpans: AccountingSpans | undefined;
  let tracer: Tracer = trace.getTracer(PACKAGE);
  let registered = false;
  if (spanProcessors.length > 0) {
    tracerProvider = new BasicTracerProvider({ resource, spanProcessors });
    tracer = tracerProvider.getTracer(PACKAGE);
    spans = new SessionSpans(tracer);
    accountingSpans = new AccountingSpans(tracer);
    if (deps.registerGlobal !== false) {
      const s = spans;
      const parenting = new ParentingTracerProvider(tracerProvider, () => s, (callId) => deps.host.registry.byCallId(callId)?.sessionId);
      registered = trace.setGlobalTracerProvider(parenting);
      if (!registered) log.warn('a global OpenTelemetry tracer provider is already registered: auth spans go there, not under the session set-up spans');
    }
  }
  if (promServer) {
    const a = promServer.address() as AddressInfo;
    log.info({ prometheus: `${a.address}:${a.port}` }, `Prometheus metrics on http://${a.address}:${a.port}/metrics`);
  }
  if (otlp) log.info({ otlp: endpoint, traces: otlp.traces, metrics: otlp.metrics }, `OTLP export to ${endpoint}`);

  return {
    metrics: serverMetrics,
    tracer,
    spans,
    prometheusAddress: promServer ? (promServer.address() as AddressInfo) : undefined,
    stop: async () => {
      serverMetrics.dispose();
      spans?.dispose();
      accountingSpans?.dispose();
      if (registered) trace.disable();
      if (promServer) {
        promServer.closeAllConnections();
        await new Promise<void>((resolve) => promServer!.close(() => resolve()));
      }
      await Promise.allSettled([meterProvider.shutdown(), tracerProvider?.shutdown()]);
    },
  };
}

