// Types for parse-prometheus-text-format (the package ships none): the shape its parser returns.
declare module 'parse-prometheus-text-format' {
  export interface PrometheusSample {
    /** The sample's value as written (a number, NaN, +Inf, …); not checked by the parser. */
    value?: string;
    labels?: Record<string, string>;
    timestamp_ms?: string;
    /** Summaries and histograms. */
    quantiles?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  export interface PrometheusFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'SUMMARY' | 'HISTOGRAM' | 'UNTYPED';
    metrics: PrometheusSample[];
  }
  /** Parses Prometheus's text exposition format; throws on a malformed line. */
  function parsePrometheusTextFormat(text: string): PrometheusFamily[];
  export default parsePrometheusTextFormat;
}
