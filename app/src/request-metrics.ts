import { Counter, Histogram, type MetricObjectWithValues, type MetricValueWithName, type Registry } from "prom-client";

type RequestLabel = "method" | "route" | "status";
type RequestLabels = Record<RequestLabel, string>;

const DURATION_NAME = "http_request_duration_seconds";
const DURATION_HELP = "Time to answer an HTTP request, by method, route template and status code.";
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** One method, route and status: its request count and its durations, per bucket (not cumulative). */
interface Series {
  labels: RequestLabels;
  /** One more than the buckets: the last counts durations above the largest bound. */
  buckets: Float64Array;
  sum: number;
  count: number;
  /** Requests not yet added to the http_requests_total counter. */
  uncounted: number;
}

/**
 * The duration histogram, filled from plain numbers instead of prom-client's observe(), which hashes
 * and validates the labels at every call; prom-client still formats it on a scrape.
 */
class RequestDurationHistogram extends Histogram<RequestLabel> {
  constructor(
    registry: Registry,
    private readonly allSeries: () => Iterable<Series>,
  ) {
    super({
      name: DURATION_NAME,
      help: DURATION_HELP,
      labelNames: ["method", "route", "status"] as const,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
  }

  /** What the registry reads for the text format (prom-client calls it when a metric has it). */
  async getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<RequestLabel>>> {
    return this.get();
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<RequestLabel>>> {
    const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
    for (const { labels, buckets, sum, count } of this.allSeries()) {
      let cumulative = 0;
      DURATION_BUCKETS.forEach((bound, index) => {
        cumulative += buckets[index];
        values.push({ metricName: `${DURATION_NAME}_bucket`, labels: { le: bound, ...labels }, value: cumulative });
      });
      values.push({ metricName: `${DURATION_NAME}_bucket`, labels: { le: "+Inf", ...labels }, value: count });
      values.push({ metricName: `${DURATION_NAME}_sum`, labels, value: sum });
      values.push({ metricName: `${DURATION_NAME}_count`, labels, value: count });
    }
    // prom-client's types leave out the "le" label its own histograms carry, and a collect field it does not read here.
    return { name: DURATION_NAME, help: DURATION_HELP, type: "histogram", aggregator: "sum", values } as unknown as MetricObjectWithValues<MetricValueWithName<RequestLabel>>;
  }
}

/**
 * http_requests_total and http_request_duration_seconds, recorded per request as a few additions on
 * numbers found through three Map lookups on strings Node and the routes already hold (no label
 * object, key string or hash built), and handed to prom-client only when /metrics is scraped.
 */
export function createRequestMetrics(registry: Registry): { httpRequests: Counter<RequestLabel>; observe: (method: string, route: string, status: number, seconds: number) => void } {
  const byMethod = new Map<string, Map<string, Map<number, Series>>>();
  const allSeries: Series[] = [];
  const httpRequests: Counter<RequestLabel> = new Counter({
    name: "http_requests_total",
    help: "HTTP requests answered, by method, route template and status code.",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
    // Runs on every scrape, before the counter is read.
    collect: () => {
      for (const series of allSeries) {
        if (series.uncounted === 0) continue;
        httpRequests.inc(series.labels, series.uncounted);
        series.uncounted = 0;
      }
    },
  });
  new RequestDurationHistogram(registry, () => allSeries);

  const seriesOf = (method: string, route: string, status: number): Series => {
    let byRoute = byMethod.get(method);
    if (byRoute === undefined) byMethod.set(method, (byRoute = new Map()));
    let byStatus = byRoute.get(route);
    if (byStatus === undefined) byRoute.set(route, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (series === undefined) {
      series = { labels: { method, route, status: String(status) }, buckets: new Float64Array(DURATION_BUCKETS.length + 1), sum: 0, count: 0, uncounted: 0 };
      byStatus.set(status, series);
      allSeries.push(series);
    }
    return series;
  };

  const observe = (method: string, route: string, status: number, seconds: number): void => {
    const series = seriesOf(method, route, status);
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]) bucket++;
    series.buckets[bucket]++;
    series.sum += seconds;
    series.count++;
    series.uncounted++;
  };
  return { httpRequests, observe };
}
