import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, matchesPathPattern, platformConfigSpec, routeTableOf, type ConfigSpec, type ServiceDeclaration } from '@closecross/platform';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { bootstrapKeyLength } from '../lib/admin-bootstrap.ts';
import { maxPatternsPerRule } from '../lib/listener-rules.ts';
import { varWorkerTokenLength } from '../lib/var-worker-token.ts';
import { callsNoTaskMakes, sdkActionsReachableFrom } from './sdk-calls.ts';
import { concretePath, servedPaths, serviceModulesForListing } from './served-paths.ts';
import { declarations, resourcesOf, synthStack } from './synth-stack.ts';

const routeTable = routeTableOf(declarations);
const serviceNames = declarations.map((declaration) => declaration.name);
const listedModules = await serviceModulesForListing();

let synthesized: ReturnType<typeof synthStack>;
beforeAll(() => {
  synthesized = synthStack();
}, 120_000);

const template = () => synthesized.template;
const serviceNameOf = (service: string) => `dev-closecross-${service}`;
const serverEntryOf = (declaration: ServiceDeclaration) =>
  fileURLToPath(new URL(`../../services/${declaration.name}/${declaration.server.file}`, import.meta.url));

/** The target group each ECS service registers with, by service name. */
function targetGroupOf(service: string): string {
  const [, ecsService] = resourcesOf(template(), 'AWS::ECS::Service').find(([, resource]) => resource.Properties.ServiceName === serviceNameOf(service))!;
  return ecsService.Properties.LoadBalancers[0].TargetGroupArn.Ref as string;
}

/** Where the synthesized ALB sends a path: rules by priority, then the listener's default action. */
function albServiceFor(path: string): string {
  const byTargetGroup = new Map(serviceNames.map((service) => [targetGroupOf(service), service]));
  const rules = resourcesOf(template(), 'AWS::ElasticLoadBalancingV2::ListenerRule')
    .map(([, rule]) => rule.Properties)
    .sort((a, b) => a.Priority - b.Priority);
  for (const rule of rules) {
    const patterns = rule.Conditions.flatMap(
      (condition: { Field: string; PathPatternConfig?: { Values: string[] } }) => condition.PathPatternConfig?.Values ?? [],
    );
    if (patterns.some((pattern: string) => matchesPathPattern(pattern, path))) return byTargetGroup.get(rule.Actions[0].TargetGroupArn.Ref)!;
  }
  const [, listener] = resourcesOf(template(), 'AWS::ElasticLoadBalancingV2::Listener')[0]!;
  return byTargetGroup.get(listener.Properties.DefaultActions[0].TargetGroupArn.Ref)!;
}

describe('services behind the ALB', () => {
  it('every service has a Fargate service, a target group checking its health route, and a listener rule for each of its paths', () => {
    const rules = resourcesOf(template(), 'AWS::ElasticLoadBalancingV2::ListenerRule').map(([, rule]) => rule.Properties);
    for (const entry of routeTable) {
      template().hasResourceProperties('AWS::ECS::Service', { ServiceName: serviceNameOf(entry.service), LaunchType: 'FARGATE' });
      const targetGroup = targetGroupOf(entry.service);
      template().hasResource('AWS::ElasticLoadBalancingV2::TargetGroup', {
        Properties: Match.objectLike({ HealthCheckPath: entry.healthPath, Port: 8080, TargetType: 'ip', Protocol: 'HTTP' }),
      });
      expect(template().toJSON().Resources[targetGroup].Properties.HealthCheckPath).toBe(entry.healthPath);
      const mine = rules.filter((rule) => rule.Actions[0].TargetGroupArn.Ref === targetGroup);
      const patterns = mine.flatMap((rule) => rule.Conditions[0].PathPatternConfig.Values as string[]);
      expect({ service: entry.service, patterns: patterns.sort() }).toEqual({ service: entry.service, patterns: [...entry.pathPatterns].sort() });
      for (const rule of mine) expect(rule.Conditions[0].PathPatternConfig.Values.length).toBeLessThanOrEqual(maxPatternsPerRule);
    }
    expect(new Set(rules.map((rule) => rule.Priority)).size).toBe(rules.length);
  });

  it.each(listedModules.map((module) => [module.name, module] as const))(
    'the ALB sends every path %s registers to it (the route table the proxy is rendered from)',
    async (name, module) => {
      const paths = await servedPaths(module);
      expect(paths.length).toBeGreaterThan(1);
      for (const path of paths) expect({ path, service: albServiceFor(concretePath(path)) }).toEqual({ path, service: name });
    },
  );

  it('sends the platform routes (/docs, /health) to the default service', () => {
    expect(albServiceFor('/docs')).toBe('market-data');
    expect(albServiceFor('/health')).toBe('market-data');
  });

  it('scales the HTTP services on ALBRequestCountPerTarget at their declared requests per task (20 for the APIs) with 300 s cool-downs, min/max from the declarations and context', () => {
    const policies = resourcesOf(template(), 'AWS::ApplicationAutoScaling::ScalingPolicy').map(([, policy]) => policy.Properties);
    const tracking = policies.filter((policy) => policy.PolicyType === 'TargetTrackingScaling');
    expect(tracking).toHaveLength(declarations.filter((declaration) => declaration.tasks.scaleOn !== 'stream-lag').length);
    const onRequests = tracking.filter((policy) => policy.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification);
    expect(onRequests).toHaveLength(
      declarations.filter((declaration) => typeof declaration.tasks.scaleOn === 'object' && 'requestsPerTask' in declaration.tasks.scaleOn).length,
    );
    // The price workers scale on the subscriptions each task holds, which they log once a minute.
    const onSubscriptions = tracking.filter((policy) => policy.TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification);
    expect(onSubscriptions.map((policy) => policy.TargetTrackingScalingPolicyConfiguration)).toEqual([
      expect.objectContaining({
        TargetValue: 40,
        CustomizedMetricSpecification: expect.objectContaining({ MetricName: 'prices-subscriptions-per-task', Statistic: 'Average' }),
      }),
    ]);
    template().hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.event = "price_worker_load" }',
      MetricTransformations: [Match.objectLike({ MetricValue: '$.subscriptions' })],
    });
    const requestTargets = declarations.flatMap(({ tasks }) =>
      typeof tasks.scaleOn === 'object' && 'requestsPerTask' in tasks.scaleOn ? [tasks.scaleOn.requestsPerTask] : [],
    );
    expect(onRequests.map((policy) => policy.TargetTrackingScalingPolicyConfiguration.TargetValue).sort()).toEqual(requestTargets.sort());
    for (const policy of onRequests) {
      expect(policy.TargetTrackingScalingPolicyConfiguration).toMatchObject({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' },
        ScaleInCooldown: 300,
        ScaleOutCooldown: 300,
      });
    }
    // The API services hold 20 requests per task, as the reference did.
    for (const name of ['market-data', 'model', 'risk-analysis', 'trading'])
      expect(declarations.find((declaration) => declaration.name === name)!.tasks.scaleOn).toEqual({ requestsPerTask: 20 });
    const targets = resourcesOf(template(), 'AWS::ApplicationAutoScaling::ScalableTarget').map(([, target]) => target.Properties);
    const bounds = targets.map((target) => [target.MinCapacity, target.MaxCapacity]).sort();
    const expected = serviceNames.map((name) => [synthesized.settings.services[name]!.minTasks, synthesized.settings.services[name]!.maxTasks]).sort();
    expect(bounds).toEqual(expected);
    // dev sets no sizes: each service runs as its declaration says.
    for (const { name, tasks } of declarations)
      expect({ name, min: synthesized.settings.services[name]!.minTasks, max: synthesized.settings.services[name]!.maxTasks }).toEqual({
        name,
        min: tasks.minTasks,
        max: tasks.maxTasks,
      });
  });

  it('takes min/max tasks from context overrides', () => {
    const { template: overridden } = synthStack({ 'services.model.maxTasks': '7', 'services.model.minTasks': '3' });
    overridden.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 3, MaxCapacity: 7 });
  });

  it('scales the ingestor with the stream: step scaling on iterator age, at most one task per shard', () => {
    const steps = resourcesOf(template(), 'AWS::ApplicationAutoScaling::ScalingPolicy').filter(([, policy]) => policy.Properties.PolicyType === 'StepScaling');
    expect(steps.length).toBeGreaterThanOrEqual(2);
    const lagAlarms = resourcesOf(template(), 'AWS::CloudWatch::Alarm').filter(
      ([, alarm]) => alarm.Properties.MetricName === 'GetRecords.IteratorAgeMilliseconds',
    );
    expect(lagAlarms.length).toBeGreaterThanOrEqual(3); // scale out, scale in, and the ingest-lag alarm
    template().hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 2 });
    const [, ingestorTarget] = resourcesOf(template(), 'AWS::ApplicationAutoScaling::ScalableTarget').find(([, target]) =>
      JSON.stringify(target.Properties.ResourceId).includes('Servicesingestor'),
    )!;
    expect(ingestorTarget.Properties.MaxCapacity).toBe(synthesized.settings.streamShards);
    expect(() => synthStack({ streamShards: '1' })).toThrow(/ingestor.maxTasks \(2\) exceeds the stream's 1 shards/);
  });
});

describe('least privilege and secrets', () => {
  /** Every statement of every identity and resource policy in the template. */
  function statements(of: Template = template()): { owner: string; Effect: string; Action: string | string[]; Resource?: unknown }[] {
    const found: { owner: string; Effect: string; Action: string | string[]; Resource?: unknown }[] = [];
    for (const [id, resource] of Object.entries(of.toJSON().Resources as Record<string, { Type: string; Properties: any }>)) {
      const documents = [
        resource.Properties?.PolicyDocument,
        ...(resource.Properties?.Policies ?? []).map((policy: { PolicyDocument: unknown }) => policy.PolicyDocument),
      ].filter(Boolean);
      for (const document of documents) for (const statement of document.Statement) found.push({ owner: id, ...statement });
    }
    return found;
  }

  it('no IAM statement allows a wildcard action (the only `*` actions are the TLS-only denies)', () => {
    const all = statements();
    expect(all.length).toBeGreaterThan(10);
    const wildcardAllows = all.filter((statement) => statement.Effect === 'Allow' && [statement.Action].flat().some((action) => action.includes('*')));
    expect(wildcardAllows).toEqual([]);
    const wildcardDenies = all.filter((statement) => [statement.Action].flat().some((action) => action.includes('*')));
    for (const deny of wildcardDenies) expect(deny).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  });

  it('allows `*` resources only where AWS offers no narrower one (ECR login)', () => {
    const anyResource = statements().filter((statement) => statement.Effect === 'Allow' && [statement.Resource].flat().includes('*'));
    expect([...new Set(anyResource.flatMap((statement) => [statement.Action].flat()))]).toEqual(['ecr:GetAuthorizationToken']);
  });

  /** The actions a service's task role allows, from its task definition's role in the template. */
  function roleActions(service: string, of: Template = template()): string[] {
    const [, taskDefinition] = resourcesOf(of, 'AWS::ECS::TaskDefinition').find(([, resource]) => resource.Properties.Family === serviceNameOf(service))!;
    const role = taskDefinition.Properties.TaskRoleArn['Fn::GetAtt'][0] as string;
    return statements(of)
      .filter((statement) => {
        const policy = of.toJSON().Resources[statement.owner];
        return policy.Type === 'AWS::IAM::Policy' && policy.Properties.Roles.some((ref: { Ref: string }) => ref.Ref === role);
      })
      .flatMap((statement) => [statement.Action].flat())
      .sort();
  }

  /**
   * Where a task role and the code its entry reaches disagree: calls made that the role lacks, and
   * grants no code makes (those declared implied aside). Both empty for a right role.
   */
  function roleAgainstCode(declaration: ServiceDeclaration, of: Template = template(), entry = serverEntryOf(declaration)) {
    const granted = roleActions(declaration.name, of);
    const called = sdkActionsReachableFrom(entry);
    const implied = declaration.aws.filter((permission) => permission.impliedBecause).flatMap((permission) => permission.actions);
    return {
      service: declaration.name,
      calledNotGranted: called.filter((action) => !granted.includes(action)),
      grantedNotCalled: granted.filter((action) => !called.includes(action) && !implied.includes(action)),
    };
  }

  it('gives each service task role exactly the calls its code makes', () => {
    // Each role holds exactly its declaration's calls; those not marked implied are exactly what
    // the code calls, read from the files its server entry reaches (its own and the workspace packages').
    for (const declaration of declarations) {
      const declared = declaration.aws.flatMap((permission) => permission.actions);
      expect({ service: declaration.name, actions: roleActions(declaration.name) }).toEqual({ service: declaration.name, actions: [...declared].sort() });
      expect(roleAgainstCode(declaration)).toEqual({ service: declaration.name, calledNotGranted: [], grantedNotCalled: [] });
    }
    // market-data serves the model routes' downloads (artifact, predictions) from the model service's store, read-only.
    expect(roleActions('market-data')).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect(roleActions('ingestor')).toEqual(['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards']);
    expect(roleActions('model')).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(roleActions('risk-analysis')).toEqual(['ecs:DescribeTasks', 'ecs:RunTask', 'ecs:StopTask', 'iam:PassRole', 'lambda:InvokeFunction']);
  });

  it('names the Kinesis call an ingestor role lacks: GetRecords dropped from its declaration, or calls reached only through @closecross/kinesis', () => {
    const ingestor = declarations.find((declaration) => declaration.name === 'ingestor')!;
    const withoutGetRecords = {
      ...ingestor,
      aws: ingestor.aws.map((permission) => ({ ...permission, actions: permission.actions.filter((action) => action !== 'kinesis:GetRecords') })),
    };
    const { template: narrowed } = synthStack(
      {},
      declarations.map((declaration) => (declaration === ingestor ? withoutGetRecords : declaration)),
    );
    expect(roleAgainstCode(withoutGetRecords, narrowed)).toEqual({ service: 'ingestor', calledNotGranted: ['kinesis:GetRecords'], grantedNotCalled: [] });

    // The same ingestor, also setting up its stream with the emulator helper of packages/kinesis:
    // its deployed role (read-only) lacks the calls that helper makes, and the check says which.
    const fixtures = mkdtempSync(join(tmpdir(), 'closecross-ingestor-'));
    try {
      const entry = join(fixtures, 'server.ts');
      writeFileSync(
        entry,
        `import { createKinesisClient, ensureStream } from '@closecross/kinesis';\nimport '${relative(fixtures, serverEntryOf(ingestor))}';\nawait ensureStream(createKinesisClient(), 'auction', 2);\n`,
      );
      expect(roleAgainstCode(ingestor, template(), entry)).toEqual({
        service: 'ingestor',
        calledNotGranted: ['kinesis:CreateStream', 'kinesis:DescribeStreamSummary'],
        grantedNotCalled: [],
      });
    } finally {
      rmSync(fixtures, { recursive: true, force: true });
    }
  });

  it("sets DB_SECRET_ID in no task, so the platform's own Secrets Manager read (not granted to task roles) never runs in one", () => {
    expect(callsNoTaskMakes).toEqual([{ file: 'packages/platform/src/database-credentials.ts', action: 'secretsmanager:GetSecretValue' }]);
    for (const [, taskDefinition] of resourcesOf(template(), 'AWS::ECS::TaskDefinition')) {
      for (const container of taskDefinition.Properties.ContainerDefinitions) {
        const names = [...(container.Environment ?? []), ...(container.Secrets ?? [])].map((variable: { Name: string }) => variable.Name);
        expect(names).not.toContain('DB_SECRET_ID');
        // Where the platform reads the database, ECS hands it the secret itself, which wins over DB_SECRET_ID.
        if (names.includes('DB_SSL')) expect(names).toContain('DB_SECRET_JSON');
      }
    }
  });

  it('lets the risk service run only the VaR worker task definition, on its cluster, and invoke only the VaR function', () => {
    template().hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('VarComputeFunction'), 'Arn'] } }),
          Match.objectLike({
            Action: 'ecs:RunTask',
            Resource: { Ref: Match.stringLikeRegexp('VarComputeWorkerTask') },
            Condition: { ArnEquals: { 'ecs:cluster': Match.anyValue() } },
          }),
          Match.objectLike({ Action: 'iam:PassRole', Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } }),
        ]),
      },
    });
  });

  it('gives every task its secrets from Secrets Manager, and no credential in plain environment', () => {
    const [databaseSecret] = resourcesOf(template(), 'AWS::SecretsManager::SecretTargetAttachment')[0]!;
    const [adminSecret] = resourcesOf(template(), 'AWS::SecretsManager::Secret').find(([id]) => id.startsWith('AdminBootstrapSecret'))!;
    const [tokenSecret] = resourcesOf(template(), 'AWS::SecretsManager::Secret').find(([id]) => id.startsWith('VarComputeWorkerTokenSecret'))!;
    const adminValue = (key: string) => ({ 'Fn::Join': ['', [{ Ref: adminSecret }, `:${key}::`]] });
    const databaseValue = { Name: 'DB_SECRET_JSON', ValueFrom: { Ref: databaseSecret } };
    const adminValues = [
      { Name: 'ADMIN_BOOTSTRAP_KEY', ValueFrom: adminValue('api_key') },
      { Name: 'ADMIN_BOOTSTRAP_PASSWORD', ValueFrom: adminValue('password') },
    ];
    const workerToken = { Name: 'SERVICE_TOKEN', ValueFrom: { Ref: tokenSecret } };
    const [alpacaSecret] = resourcesOf(template(), 'AWS::SecretsManager::Secret').find(([id]) => id.startsWith('ServicesAlpacaSecret'))!;
    const alpacaValue = (key: string) => ({ 'Fn::Join': ['', [{ Ref: alpacaSecret }, `:${key}::`]] });
    const alpacaPair = [
      { Name: 'ALPACA_KEY_ID', ValueFrom: alpacaValue('key_id') },
      { Name: 'ALPACA_SECRET_KEY', ValueFrom: alpacaValue('secret_key') },
    ];
    const [telegramSecret] = resourcesOf(template(), 'AWS::SecretsManager::Secret').find(([id]) => id.startsWith('TelegramBotTokenSecret'))!;
    const telegramToken = { Name: 'ALERTS_TELEGRAM_BOT_TOKEN', ValueFrom: { Ref: telegramSecret } };
    const taskDefinitions = resourcesOf(template(), 'AWS::ECS::TaskDefinition');
    expect(taskDefinitions).toHaveLength(declarations.length + 1);
    const secretsByFamily = Object.fromEntries(
      taskDefinitions.map(([, taskDefinition]) => {
        const [container, ...others] = taskDefinition.Properties.ContainerDefinitions;
        expect(others).toEqual([]);
        for (const variable of container.Environment ?? []) expect(variable.Name).not.toMatch(/PASSWORD|SECRET|TOKEN|ACCESS_KEY|DATABASE_URL|ADMIN/);
        return [(taskDefinition.Properties.Family as string).replace('dev-closecross-', ''), container.Secrets];
      }),
    );
    // Every service: the database's secret if it uses one, the first admin's; the caller of the VaR
    // workers (risk-analysis) also their token, which is all the workers, with no database, hold;
    // the trading and prices services the Alpaca key pair they declare;
    // a service that delivers alerts (its settings read the token) the Telegram bot token.
    const callers = ['risk-analysis'];
    const alpacaHolders = ['prices', 'trading'];
    const alertDeliverers = declarations.filter(({ settings }) => 'ALERTS_TELEGRAM_BOT_TOKEN' in settings).map(({ name }) => name);
    expect(alertDeliverers).toContain('market-data');
    expect(secretsByFamily).toEqual({
      ...Object.fromEntries(
        declarations.map(({ name, usesDatabase }) => [
          name,
          [
            ...(usesDatabase ? [databaseValue] : []),
            ...adminValues,
            ...(alpacaHolders.includes(name) ? alpacaPair : []),
            ...(callers.includes(name) ? [workerToken] : []),
            ...(alertDeliverers.includes(name) ? [telegramToken] : []),
          ],
        ]),
      ),
      'var-worker': [workerToken],
    });
    expect(secretsByFamily['risk-analysis']).toEqual([databaseValue, ...adminValues, workerToken]);
  });

  it('keeps the Telegram bot token in Secrets Manager (no value in the template), readable only by the execution roles of the tasks that deliver alerts', () => {
    template().hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'dev/closecross/telegram-bot-token' });
    const [telegramSecret, secret] = resourcesOf(template(), 'AWS::SecretsManager::Secret').find(([id]) => id.startsWith('TelegramBotTokenSecret'))!;
    expect(secret.Properties.SecretString).toBeUndefined();
    const readers = resourcesOf(template(), 'AWS::IAM::Policy')
      .filter(([, policy]) =>
        (policy.Properties.PolicyDocument.Statement as { Resource?: unknown }[]).some((statement) =>
          JSON.stringify(statement.Resource ?? '').includes(telegramSecret),
        ),
      )
      .flatMap(([, policy]) => policy.Properties.Roles.map((role: { Ref: string }) => role.Ref) as string[]);
    expect(readers).toEqual([expect.stringMatching(/^ServicesmarketdataTaskExecutionRole/)]);
  });

  it('keeps the Alpaca key pair in a retained secret with empty placeholders (never the pair itself), readable only by the trading and prices execution roles', () => {
    const [alpacaSecret, secret] = resourcesOf(template(), 'AWS::SecretsManager::Secret').find(([id]) => id.startsWith('ServicesAlpacaSecret'))!;
    expect(secret.Properties.Name).toBe('dev/closecross/alpaca');
    // Empty until the operator puts the pair in, which the trading service reads as "no Alpaca broker".
    expect(JSON.parse(secret.Properties.SecretString)).toEqual({ key_id: '', secret_key: '' });
    // Both services read empty placeholders as no key (the prices service then refuses alpaca subscriptions).
    for (const name of ['trading', 'prices']) {
      const settings = declarations.find((declaration) => declaration.name === name)!.settings;
      expect(loadConfig(settings as Parameters<typeof loadConfig>[0], { ALPACA_KEY_ID: '', ALPACA_SECRET_KEY: '' })).toMatchObject({
        ALPACA_KEY_ID: undefined,
        ALPACA_SECRET_KEY: undefined,
      });
    }
    expect(secret).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const grants = resourcesOf(template(), 'AWS::IAM::Policy').flatMap(([, policy]) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource?: unknown }[])
        .filter((statement) => JSON.stringify(statement.Resource ?? '').includes(alpacaSecret))
        .map((statement) => ({
          roles: policy.Properties.Roles.map((role: { Ref: string }) => role.Ref) as string[],
          actions: [statement.Action].flat().sort(),
        })),
    );
    const readers = grants.flatMap(({ roles }) => roles).sort();
    expect(readers).toEqual([expect.stringMatching(/^ServicespricesTaskExecutionRole/), expect.stringMatching(/^ServicestradingTaskExecutionRole/)]);
    expect(grants.every(({ actions }) => actions.join() === 'secretsmanager:DescribeSecret,secretsmanager:GetSecretValue')).toBe(true);
    const outputs = template().toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(
      Object.entries(outputs)
        .filter(([id]) => id.startsWith('ServicesAlpacaSecretArn'))
        .map(([, output]) => output.Value),
    ).toEqual([{ Ref: alpacaSecret }]);
  });

  it('makes no Alpaca secret when no service declares one', () => {
    const withoutSecrets = declarations.map(({ secrets: _secrets, ...declaration }) => declaration);
    const { template: plain } = synthStack({}, withoutSecrets);
    expect(
      resourcesOf(plain, 'AWS::SecretsManager::Secret')
        .map(([id]) => id)
        .filter((id) => id.includes('Alpaca')),
    ).toEqual([]);
  });

  it("generates the VaR workers' token (letters and digits) at deploy, injected as SERVICE_TOKEN into the workers and the risk service, readable by those two execution roles only", () => {
    template().hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'dev/closecross/var-worker-token',
      GenerateSecretString: { PasswordLength: varWorkerTokenLength, ExcludePunctuation: true, IncludeSpace: false },
    });
    expect(varWorkerTokenLength).toBeGreaterThanOrEqual(40);
    const [tokenSecret, secret] = resourcesOf(template(), 'AWS::SecretsManager::Secret').find(([id]) => id.startsWith('VarComputeWorkerTokenSecret'))!;
    expect(secret.Properties.SecretString).toBeUndefined();
    for (const family of ['dev-closecross-var-worker', 'dev-closecross-risk-analysis']) {
      template().hasResourceProperties('AWS::ECS::TaskDefinition', {
        Family: family,
        ContainerDefinitions: [Match.objectLike({ Secrets: Match.arrayWith([{ Name: 'SERVICE_TOKEN', ValueFrom: { Ref: tokenSecret } }]) })],
      });
    }
    const grants = resourcesOf(template(), 'AWS::IAM::Policy').flatMap(([, policy]) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource?: unknown }[])
        .filter((statement) => JSON.stringify(statement.Resource ?? '').includes(tokenSecret))
        .map((statement) => ({
          roles: policy.Properties.Roles.map((role: { Ref: string }) => role.Ref) as string[],
          actions: [statement.Action].flat().sort(),
        })),
    );
    expect(grants.flatMap((grant) => grant.roles).sort()).toEqual([
      expect.stringMatching(/^ServicesriskanalysisTaskExecutionRole/),
      expect.stringMatching(/^VarComputeWorkerTaskExecutionRole/),
    ]);
    for (const grant of grants) expect(grant.actions).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    // The execution roles read it for ECS at start; the tasks' own roles (what their code may call) never can.
    const taskRoles = resourcesOf(template(), 'AWS::IAM::Role')
      .filter(([id]) => /TaskRole/.test(id) && !/ExecutionRole/.test(id))
      .map(([id]) => id);
    expect(taskRoles.length).toBeGreaterThanOrEqual(5);
    for (const grant of grants) for (const role of grant.roles) expect(taskRoles).not.toContain(role);
  });

  it("generates the first admin's API key (letters and digits) and password at deploy, readable by the task execution roles only", () => {
    template().hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'dev/closecross/admin-bootstrap',
      GenerateSecretString: Match.objectLike({
        GenerateStringKey: 'api_key',
        PasswordLength: bootstrapKeyLength,
        ExcludePunctuation: true,
        IncludeSpace: false,
      }),
    });
    expect(bootstrapKeyLength).toBeGreaterThanOrEqual(40);
    const [adminSecret, secret] = resourcesOf(template(), 'AWS::SecretsManager::Secret').find(([id]) => id.startsWith('AdminBootstrapSecret'))!;
    // The password comes from the generated password secret, resolved by CloudFormation: no value in the template.
    expect(JSON.stringify(secret.Properties.GenerateSecretString.SecretStringTemplate)).toMatch(/resolve:secretsmanager:/);
    const readers = resourcesOf(template(), 'AWS::IAM::Policy')
      .filter(([, policy]) =>
        policy.Properties.PolicyDocument.Statement.some((statement: { Resource?: unknown }) => JSON.stringify(statement.Resource ?? '').includes(adminSecret)),
      )
      .flatMap(([, policy]) => policy.Properties.Roles.map((role: { Ref: string }) => role.Ref));
    expect(readers.sort()).toEqual(serviceNames.map((name) => expect.stringMatching(new RegExp(`^Services${name.replace(/-/g, '')}TaskExecutionRole`))).sort());
    expect(readers).toHaveLength(declarations.length);
  });
});

describe('data stores', () => {
  it('runs PostgreSQL privately, encrypted, backed up, with a generated secret, in isolated subnets', () => {
    template().hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({
        Engine: 'postgres',
        PubliclyAccessible: false,
        StorageEncrypted: true,
        BackupRetentionPeriod: 7,
        DBName: 'closecross',
        MasterUserPassword: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('resolve:secretsmanager')])]) }),
      }),
      DeletionPolicy: 'Snapshot',
    });
    template().hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password' }) });
    const [, subnetGroup] = resourcesOf(template(), 'AWS::RDS::DBSubnetGroup')[0]!;
    const isolated = resourcesOf(template(), 'AWS::EC2::Subnet')
      .filter(([id]) => id.includes('data'))
      .map(([id]) => ({ Ref: id }));
    expect(subnetGroup.Properties.SubnetIds).toEqual(isolated);
    // Reachable only from the security groups of the services that use the database.
    const sources = resourcesOf(template(), 'AWS::EC2::SecurityGroupIngress')
      .filter(([, rule]) => rule.Properties.FromPort === 5432)
      .map(([, rule]) => rule.Properties.SourceSecurityGroupId['Fn::GetAtt'][0] as string);
    expect(sources.map((source) => /^Services(.+)SecurityGroup/.exec(source)?.[1]).sort()).toEqual(
      declarations
        .filter((declaration) => declaration.usesDatabase)
        .map((declaration) => declaration.name.replaceAll('-', ''))
        .sort(),
    );
  });

  it('lets only the risk service reach the VaR workers, and the ALB reach the services', () => {
    const ingress = resourcesOf(template(), 'AWS::EC2::SecurityGroupIngress').map(([, rule]) => rule.Properties);
    const toWorkers = ingress.filter((rule) => rule.GroupId['Fn::GetAtt'][0].startsWith('VarComputeWorkerSecurityGroup'));
    expect(toWorkers.map((rule) => rule.SourceSecurityGroupId['Fn::GetAtt'][0])).toEqual([expect.stringMatching(/^ServicesriskanalysisSecurityGroup/)]);
    const toServices = ingress.filter((rule) => rule.FromPort === 8080 && /^Services\w+SecurityGroup/.test(rule.GroupId['Fn::GetAtt'][0]));
    expect(toServices).toHaveLength(declarations.length);
    for (const rule of toServices) expect(rule.SourceSecurityGroupId['Fn::GetAtt'][0]).toMatch(/^ServicesLoadBalancerSecurityGroup/);
  });

  it('keeps artifacts in a bucket that blocks public access, is encrypted and refuses plain HTTP', () => {
    template().hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    template().hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('has an encrypted Kinesis stream the ingestor reads by name', () => {
    template().hasResourceProperties('AWS::Kinesis::Stream', {
      Name: 'dev-closecross-auction',
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    });
    template().hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({ Environment: Match.arrayWith([{ Name: 'INGEST_STREAM', Value: { Ref: Match.stringLikeRegexp('AuctionStream') } }]) }),
      ],
    });
  });
});

describe('VaR compute and alarms', () => {
  it('has the VaR Lambda (a container image) and the worker task definition the risk service is pointed at', () => {
    template().hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'dev-closecross-var', PackageType: 'Image', MemorySize: 1024 });
    template().hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'dev-closecross-risk-analysis',
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([
            { Name: 'RISK_LAMBDA_FUNCTION', Value: { Ref: Match.stringLikeRegexp('VarComputeFunction') } },
            { Name: 'RISK_ECS_CLUSTER', Value: { Ref: Match.stringLikeRegexp('Cluster') } },
            { Name: 'RISK_ECS_TASK_DEFINITION', Value: { Ref: Match.stringLikeRegexp('VarComputeWorkerTask') } },
          ]),
        }),
      ],
    });
  });

  it('alarms on 5xx rate and p99 latency per service, ALB 5xx, ingest lag and job failures, all to one topic', () => {
    const alarms = resourcesOf(template(), 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const paging = alarms.filter((alarm) => alarm.AlarmActions?.some((action: { Ref?: string }) => action.Ref?.includes('AlarmsTopic')));
    const rates = paging.filter((alarm) =>
      alarm.Metrics?.some((metric: { Expression?: string }) => metric.Expression?.includes('100 * FILL(errors, 0) / requests')),
    );
    expect(rates).toHaveLength(declarations.length);
    expect(paging.filter((alarm) => alarm.MetricName === 'TargetResponseTime' && alarm.ExtendedStatistic === 'p99')).toHaveLength(declarations.length);
    expect(paging.filter((alarm) => alarm.MetricName === 'HTTPCode_ELB_5XX_Count')).toHaveLength(1);
    expect(paging.filter((alarm) => alarm.MetricName === 'GetRecords.IteratorAgeMilliseconds')).toHaveLength(1);
    const jobFailures = paging.filter((alarm) => /job-failures$/.test(alarm.MetricName ?? ''));
    expect(jobFailures.map((alarm) => alarm.MetricName).sort()).toEqual(
      declarations
        .filter((declaration) => declaration.runsJobs)
        .map((declaration) => `${declaration.name}-job-failures`)
        .sort(),
    );
    const filters = resourcesOf(template(), 'AWS::Logs::MetricFilter').map(([, filter]) => filter.Properties.FilterPattern as string);
    expect(filters.filter((pattern) => pattern === '{ $.event = "job_failed" }')).toHaveLength(
      declarations.filter((declaration) => declaration.runsJobs).length,
    );
    // A price feed with no tick for PRICES_STALE_SECONDS logs price_feed_stale: one pages.
    expect(filters).toContain('{ $.event = "price_feed_stale" }');
    expect(paging.filter((alarm) => alarm.MetricName === 'prices-price_feed_stale')).toHaveLength(1);
    // An alert its deliverer gave up on logs alert_delivery_failed (packages/alerts): one pages.
    expect(filters).toContain('{ $.event = "alert_delivery_failed" }');
    expect(paging.filter((alarm) => alarm.MetricName === 'market-data-alert_delivery_failed')).toHaveLength(1);
    // A reconciliation that finds our positions and the broker's apart logs reconciliation_differences: one pages.
    expect(filters).toContain('{ $.event = "reconciliation_differences" }');
    expect(paging.filter((alarm) => alarm.MetricName === 'trading-reconciliation_differences')).toHaveLength(1);
  });
});

describe('environments from context', () => {
  it('names every bad setting at once', () => {
    expect(() => synthStack({ streamShards: '0', 'database.backupRetentionDays': '0', 'services.model.memoryMiB': '1000' })).toThrow(
      /streamShards must be at least 1[\s\S]*backupRetentionDays must be at least 1[\s\S]*services.model.memoryMiB/,
    );
    expect(() => synthStack({ env: 'staging' })).toThrow('no environment "staging" in the "environments" context (have: dev, prod)');
  });

  it('prod: a multi-AZ database with deletion protection, NAT per zone, HTTPS when given a certificate', () => {
    const certificateArn = 'arn:aws:acm:us-east-1:111111111111:certificate/abc';
    const { template: prod } = synthStack({ env: 'prod', certificateArn });
    prod.hasResourceProperties('AWS::RDS::DBInstance', { MultiAZ: true, DeletionProtection: true, DBInstanceClass: 'db.m7g.large' });
    prod.resourceCountIs('AWS::EC2::NatGateway', 2);
    prod.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: certificateArn }] });
    prod.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, DefaultActions: [Match.objectLike({ Type: 'redirect' })] });
  });
});

describe('task environments', () => {
  /** Each task's own configuration spec, from the declarations: what its code reads from the environment. */
  const specs: Record<string, ConfigSpec> = Object.fromEntries(
    declarations.flatMap((declaration) => [
      [declaration.name, { ...platformConfigSpec, ...declaration.settings }],
      ...(declaration.workers ?? []).map((worker) => [worker.name, { ...platformConfigSpec, ...(worker.settings ?? {}) }]),
    ]),
  );

  it('sets only variables its service reads, with values its own config loader accepts', () => {
    for (const [, taskDefinition] of resourcesOf(template(), 'AWS::ECS::TaskDefinition')) {
      const service = (taskDefinition.Properties.Family as string).replace('dev-closecross-', '');
      const spec = specs[service]!;
      expect({ service, declared: service in specs }).toEqual({ service, declared: true });
      const [container] = taskDefinition.Properties.ContainerDefinitions;
      const names = [...container.Environment, ...(container.Secrets ?? [])].map((variable: { Name: string }) => variable.Name);
      expect({ service, unknown: names.filter((name) => !(name in spec)) }).toEqual({ service, unknown: [] });
      // Deploy-time values (ARNs, names) stand in as plain strings, keeping the literal parts of a
      // join (the ALB's name in `http://…` stays a URL); the loader checks the rest.
      const standIn = (value: unknown): string => {
        if (typeof value === 'string') return value;
        const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
        return join ? join[1].map(standIn).join(join[0]) : 'deploy-time-value';
      };
      const environment = Object.fromEntries(
        container.Environment.map((variable: { Name: string; Value: unknown }) => [variable.Name, standIn(variable.Value)]),
      );
      expect(() => loadConfig(spec as Parameters<typeof loadConfig>[0], { ...environment, DB_SECRET_JSON: '{}' })).not.toThrow();
    }
  });
});
