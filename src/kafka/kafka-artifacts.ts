import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalBrokerError } from './local-broker-error.js';

/** DEFAULT_KAFKA_VERSION is the Apache Kafka release the project runs (newest 4.x on Maven Central). */
export const DEFAULT_KAFKA_VERSION = '4.4.0';

/** DEFAULT_KAFKA_CACHE_DIR holds the fetched jars and the local broker's data, ignored by git. */
export const DEFAULT_KAFKA_CACHE_DIR = fileURLToPath(new URL('../../.cache/kafka', import.meta.url));

const RUNTIME_POM = fileURLToPath(new URL('./kafka-runtime.pom.xml', import.meta.url));
const MAVEN_TIMEOUT_MS = 10 * 60_000;

/** KafkaArtifacts says where the broker's jars are and whether this call fetched them. */
export interface KafkaArtifacts {
  version: string;
  libDir: string;
  /** Java classpath wildcard for the jars. */
  classpath: string;
  fetched: boolean;
}

/**
 * ensureKafkaArtifacts makes sure the official Kafka server jars of `version`
 * are in the cache, fetching them from Maven Central with Maven on first use.
 */
export function ensureKafkaArtifacts({
  version = DEFAULT_KAFKA_VERSION,
  cacheDir = DEFAULT_KAFKA_CACHE_DIR,
}: { version?: string; cacheDir?: string } = {}): KafkaArtifacts {
  const libDir = join(cacheDir, version, 'lib');
  const classpath = join(libDir, '*');
  const serverJar = `kafka_2.13-${version}.jar`;
  if (existsSync(join(libDir, serverJar))) return { version, libDir, classpath, fetched: false };

  requireCommand('mvn', 'MAVEN_NOT_FOUND', 'Maven (mvn) is needed once to fetch the Kafka jars: install Maven, or set KAFKA_BROKERS to use an existing cluster.');

  // Fetch into a scratch directory and rename, so an interrupted fetch never
  // leaves a half-filled lib/ that looks complete.
  const scratchDir = `${libDir}.partial-${process.pid}`;
  rmSync(scratchDir, { recursive: true, force: true });
  mkdirSync(scratchDir, { recursive: true });
  const result = spawnSync(
    'mvn',
    ['-q', '-B', '-f', RUNTIME_POM, 'dependency:copy-dependencies', `-Dkafka.version=${version}`, `-DoutputDirectory=${scratchDir}`, '-DincludeScope=runtime'],
    { encoding: 'utf8', timeout: MAVEN_TIMEOUT_MS },
  );
  const fetchedJar = existsSync(join(scratchDir, serverJar));
  if (result.status !== 0 || !fetchedJar) {
    rmSync(scratchDir, { recursive: true, force: true });
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new LocalBrokerError(
      'ARTIFACT_FETCH_FAILED',
      `Could not fetch Apache Kafka ${version} from Maven Central (mvn exited ${result.status ?? result.signal}). Check that Maven can reach its repository, or set KAFKA_BROKERS.\n${output}`,
    );
  }
  rmSync(libDir, { recursive: true, force: true });
  renameSync(scratchDir, libDir);
  return { version, libDir, classpath, fetched: true };
}

/** requireCommand fails with a LocalBrokerError when `command` is not on PATH. */
export function requireCommand(command: string, code: 'JAVA_NOT_FOUND' | 'MAVEN_NOT_FOUND', message: string): void {
  const probe = spawnSync(command, ['-version'], { encoding: 'utf8' });
  if (probe.error) throw new LocalBrokerError(code, message, { cause: probe.error });
}
