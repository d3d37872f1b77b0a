import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { checkIntegerInRange, throwIfProblems } from '../props-check.ts';
import { DEFAULT_SECRET_PREFIX } from '../../shared/model/index.ts';

/** The default `TRIGGERHUB_SECRET_PREFIX`: a job's secret `demo` is the secret `triggerhub/demo`. */
export { DEFAULT_SECRET_PREFIX };

/** Characters Secrets Manager allows in a secret name. */
const SECRET_NAME_CHARS = /^[A-Za-z0-9/_+=.@-]+$/;

/** The problems in a secret prefix, one sentence each; empty when it is valid. */
export const checkSecretPrefix = (prefix: string): string[] => {
  const problems: string[] = [];
  if (!SECRET_NAME_CHARS.test(prefix)) {
    problems.push(`secretPrefix "${prefix}" must be made of A-Z a-z 0-9 / _ + = . @ -`);
  }
  // The IAM grant is "<prefix>*": without a trailing "/" the prefix
  // "triggerhub" would also match another application's "triggerhub-prod".
  if (!prefix.endsWith('/')) problems.push(`secretPrefix "${prefix}" must end with "/"`);
  return problems;
};

/**
 * Props of {@link JobSecret}.
 */
export interface JobSecretProps {
  /** The secret's name as a job refers to it (`demo`); the prefix is added. */
  readonly jobSecretName: string;
  /**
   * Prefix of every job secret's name (`TRIGGERHUB_SECRET_PREFIX`).
   *
   * @default DEFAULT_SECRET_PREFIX
   */
  readonly prefix?: string;
  /**
   * Length of the generated value (letters and digits only, so it survives
   * any HTTP header or form field a third-party system puts it in).
   *
   * @default 32
   */
  readonly length?: number;
}

/** The problems in {@link JobSecretProps}, one sentence each; empty when they are valid. */
export const checkJobSecretProps = (props: JobSecretProps): string[] => [
  ...checkSecretPrefix(props.prefix ?? DEFAULT_SECRET_PREFIX),
  ...(SECRET_NAME_CHARS.test(props.jobSecretName)
    ? []
    : [`jobSecretName "${props.jobSecretName}" must be made of A-Z a-z 0-9 / _ + = . @ -`]),
  ...checkIntegerInRange('length', props.length, 16, 4096),
];

/**
 * A job's shared secret in Secrets Manager, named `<prefix><jobSecretName>`
 * (the name is the contract with the functions, so it is fixed, not
 * generated), with a generated value. Kept when it leaves the stack: the value
 * is configured in a third-party system.
 */
export class JobSecret extends Construct {
  public readonly secret: Secret;
  /** The full name, `<prefix><jobSecretName>`. */
  public readonly secretName: string;

  constructor(scope: Construct, id: string, props: JobSecretProps) {
    super(scope, id);
    throwIfProblems(`JobSecret ${id}`, checkJobSecretProps(props));
    this.secretName = `${props.prefix ?? DEFAULT_SECRET_PREFIX}${props.jobSecretName}`;
    this.secret = new Secret(this, 'Secret', {
      secretName: this.secretName,
      description: `Shared secret of the triggerhub job secret "${props.jobSecretName}"`,
      generateSecretString: { passwordLength: props.length ?? 32, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A shared secret configured in a third-party system (SecureChange, SmartTasks) cannot be rotated automatically; ' +
        'operators rotate it by hand and the platform accepts AWSCURRENT and AWSPREVIOUS during the change.',
    });
  }
}

/**
 * The ARN pattern of every job secret under `prefix`
 * (`arn:…:secret:triggerhub/*`; the `*` also covers the random suffix
 * Secrets Manager appends to each secret's ARN).
 */
export const jobSecretsArn = (scope: Construct, prefix: string): string =>
  Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${prefix}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });

/**
 * Lets `grantee` read (only `GetSecretValue`) the value of every job secret
 * under `prefix`, including the ones operators add after deployment.
 */
export const grantReadJobSecrets = (scope: Construct, grantee: IGrantable, prefix: string): Grant =>
  Grant.addToPrincipal({
    grantee,
    actions: ['secretsmanager:GetSecretValue'],
    resourceArns: [jobSecretsArn(scope, prefix)],
  });
