import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { FilterPattern, MetricFilter, QueryDefinition, QueryString } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The message of the WARN line ingest writes for every refused webhook (4xx). */
export const REFUSAL_MESSAGE = 'webhook refused';
/** The metric counting refusals, by `jobId` and `reason`. */
export const REFUSAL_METRIC_NAME = 'WebhookRefusals';

/**
 * Props of {@link WebhookRefusals}.
 */
export interface WebhookRefusalsProps {
  /** The ingest function's log group, where the refusal lines are. */
  readonly logGroup: ILogGroup;
  /** CloudWatch namespace of the metric (one per stage, so two stacks never add up). */
  readonly metricNamespace: string;
  /** Name of the saved Logs Insights query, e.g. `triggerhub/refusals`. */
  readonly queryName: string;
}

/**
 * Makes refusals visible without writing anything per request: a metric
 * `WebhookRefusals` by `jobId` and `reason`, counted from the ingest log by
 * metric filters, and a saved CloudWatch Logs Insights query listing them.
 *
 * A webhook to an unknown job (404) is counted by `reason` only: its job id
 * is whatever the caller put in the URL, and a scanner trying thousands of
 * ids would otherwise create thousands of metrics (CloudWatch disables a
 * filter past 1000 dimension values an hour). The saved query still shows
 * each id.
 */
export class WebhookRefusals extends Construct {
  /** Refusals of known jobs: dimensions `jobId` and `reason`. */
  public readonly byJob: MetricFilter;
  /** Refusals of job ids that do not exist (404): dimension `reason`. */
  public readonly unknownJobs: MetricFilter;
  public readonly query: QueryDefinition;
  public readonly queryName: string;

  constructor(scope: Construct, id: string, props: WebhookRefusalsProps) {
    super(scope, id);
    const refused = FilterPattern.stringValue('$.message', '=', REFUSAL_MESSAGE);
    this.byJob = new MetricFilter(this, 'ByJob', {
      logGroup: props.logGroup,
      filterPattern: FilterPattern.all(refused, FilterPattern.numberValue('$.status', '!=', 404)),
      metricNamespace: props.metricNamespace,
      metricName: REFUSAL_METRIC_NAME,
      metricValue: '1',
      dimensions: { jobId: '$.jobId', reason: '$.reason' },
    });
    this.unknownJobs = new MetricFilter(this, 'UnknownJobs', {
      logGroup: props.logGroup,
      filterPattern: FilterPattern.all(refused, FilterPattern.numberValue('$.status', '=', 404)),
      metricNamespace: props.metricNamespace,
      metricName: REFUSAL_METRIC_NAME,
      metricValue: '1',
      dimensions: { reason: '$.reason' },
    });
    this.queryName = props.queryName;
    this.query = new QueryDefinition(this, 'Query', {
      queryDefinitionName: props.queryName,
      queryString: new QueryString({
        fields: ['@timestamp', 'jobId', 'status', 'reason', 'sourceIp', 'requestId'],
        filterStatements: [`message = "${REFUSAL_MESSAGE}"`],
        sort: '@timestamp desc',
      }),
      logGroups: [props.logGroup],
    });
  }
}
