import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { DeploymentSettings } from './settings.ts';

export const databaseName = 'closecross';
export const databasePort = 5432;

/** Where state lives: PostgreSQL, the auction stream, the artifact bucket. */
export class DataStores extends Construct {
  readonly database: rds.DatabaseInstance;
  readonly databaseSecret: secretsmanager.ISecret;
  readonly stream: kinesis.Stream;
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: { settings: DeploymentSettings; vpc: ec2.IVpc }) {
    super(scope, id);
    const { settings, vpc } = props;

    const securityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc,
      description: 'PostgreSQL: reachable from the service tasks only',
      allowAllOutbound: false,
    });
    this.database = new rds.DatabaseInstance(this, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_9 }),
      instanceType: new ec2.InstanceType(settings.database.instanceClass),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [securityGroup],
      port: databasePort,
      publiclyAccessible: false,
      // RDS writes username, password, host, port and dbname into this generated secret.
      credentials: rds.Credentials.fromGeneratedSecret('closecross', { secretName: `${settings.name}/closecross/database` }),
      databaseName,
      storageEncrypted: true,
      storageType: rds.StorageType.GP3,
      allocatedStorage: settings.database.allocatedStorageGb,
      maxAllocatedStorage: settings.database.maxAllocatedStorageGb,
      multiAz: settings.database.multiAz,
      backupRetention: Duration.days(settings.database.backupRetentionDays),
      preferredBackupWindow: '03:00-04:00',
      preferredMaintenanceWindow: 'sun:04:30-sun:05:30',
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      deletionProtection: settings.database.deletionProtection,
      // A deleted stack leaves a final snapshot, never nothing.
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
    this.databaseSecret = this.database.secret!;

    this.stream = new kinesis.Stream(this, 'AuctionStream', {
      streamName: `${settings.name}-closecross-auction`,
      streamMode: kinesis.StreamMode.PROVISIONED,
      shardCount: settings.streamShards,
      encryption: kinesis.StreamEncryption.MANAGED,
      retentionPeriod: Duration.hours(24),
    });

    this.bucket = new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      // Retraining overwrites nothing (model names are unique), but a bad write can be undone for 30 days.
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
