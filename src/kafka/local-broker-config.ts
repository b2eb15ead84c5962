/** LocalSaslMechanism is a SASL mechanism the local broker can offer. */
export type LocalSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/** DEFAULT_LOCAL_SASL_MECHANISMS are offered by a local SASL listener that names none. */
export const DEFAULT_LOCAL_SASL_MECHANISMS: readonly LocalSaslMechanism[] = Object.freeze(['PLAIN', 'SCRAM-SHA-256']);

/**
 * LocalBrokerSasl adds a SASL_PLAINTEXT listener to a local broker, beside
 * its PLAINTEXT one (which readiness probes and the controller keep using).
 */
export interface LocalBrokerSasl {
  /** port of the SASL_PLAINTEXT listener. */
  port: number;
  /** @defaultValue DEFAULT_LOCAL_SASL_MECHANISMS */
  mechanisms?: readonly LocalSaslMechanism[];
  /** users maps each user name to its password, valid for every mechanism; letters, digits, '.', '_' and '-' only. */
  users: Readonly<Record<string, string>>;
  /**
   * tls adds a SASL_SSL listener on its own port with this certificate and
   * its (unencrypted PKCS#8) key, PEM.
   * @defaultValue undefined (SASL_PLAINTEXT only)
   */
  tls?: { port: number; cert: string; key: string };
}

// Kept simple on purpose: the names and passwords go into a JAAS line and the
// storage tool's --add-scram syntax, where quotes, commas and brackets would need escaping.
const SAFE_CREDENTIAL = /^[A-Za-z0-9._-]+$/;

/** LocalBrokerConfigInput is what varies between local brokers; everything else is fixed for a single dev node. */
export interface LocalBrokerConfigInput {
  host: string;
  port: number;
  controllerPort: number;
  logDir: string;
  /** A SASL_PLAINTEXT listener with its users. */
  sasl?: LocalBrokerSasl;
  /** Extra or overriding server properties (retention, ...). */
  overrides?: Record<string, string>;
}

/**
 * localBrokerProperties renders server.properties for a single-node KRaft
 * broker on loopback, tuned so tests start fast and groups settle at once.
 */
export function localBrokerProperties({ host, port, controllerPort, logDir, sasl, overrides = {} }: LocalBrokerConfigInput): string {
  const saslListener = sasl ? `,SASL_PLAINTEXT://${host}:${sasl.port}${sasl.tls ? `,SASL_SSL://${host}:${sasl.tls.port}` : ''}` : '';
  const properties: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@${host}:${controllerPort}`,
    listeners: `PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}${saslListener}`,
    'advertised.listeners': `PLAINTEXT://${host}:${port}${saslListener}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL',
    'log.dirs': logDir,
    'num.partitions': '3',
    // A single node can only hold one replica of the internal topics.
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    // Fewer internal partitions: the first group join and the first transaction
    // create these topics, and 50 partitions each cost seconds on 2 cores.
    'offsets.topic.num.partitions': '10',
    'transaction.state.log.num.partitions': '10',
    // Groups in tests join one by one; waiting for more members only slows them.
    'group.initial.rebalance.delay.ms': '0',
    'auto.create.topics.enable': 'true',
    'log.cleaner.enable': 'true',
    ...(sasl ? saslProperties(sasl) : {}),
    ...overrides,
  };
  return `${Object.entries(properties)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

function saslProperties(sasl: LocalBrokerSasl): Record<string, string> {
  const mechanisms = checkedMechanisms(sasl);
  const properties: Record<string, string> = { 'sasl.enabled.mechanisms': mechanisms.join(',') };
  for (const listener of sasl.tls ? ['sasl_plaintext', 'sasl_ssl'] : ['sasl_plaintext']) {
    for (const mechanism of mechanisms) {
      properties[`listener.name.${listener}.${mechanism.toLowerCase()}.sasl.jaas.config`] =
        mechanism === 'PLAIN'
          ? `org.apache.kafka.common.security.plain.PlainLoginModule required ${Object.entries(sasl.users)
              .map(([user, password]) => `user_${user}="${password}"`)
              .join(' ')};`
          : // SCRAM credentials live in the cluster metadata (see localBrokerScramArguments), not here.
            'org.apache.kafka.common.security.scram.ScramLoginModule required;';
    }
  }
  if (sasl.tls) {
    // PEM inline: a properties file reads "\n" as a line break.
    properties['listener.name.sasl_ssl.ssl.keystore.type'] = 'PEM';
    properties['listener.name.sasl_ssl.ssl.keystore.certificate.chain'] = inlinePem(sasl.tls.cert);
    properties['listener.name.sasl_ssl.ssl.keystore.key'] = inlinePem(sasl.tls.key);
  }
  return properties;
}

function inlinePem(pem: string): string {
  return pem.trim().replace(/\r?\n/g, '\\n');
}

/**
 * localBrokerScramArguments returns the `kafka-storage format` arguments that
 * store the SCRAM credentials of the SASL users: in KRaft they are cluster
 * metadata, written when the data directory is formatted.
 */
export function localBrokerScramArguments(sasl: LocalBrokerSasl | undefined): string[] {
  if (!sasl) return [];
  return checkedMechanisms(sasl)
    .filter((mechanism) => mechanism.startsWith('SCRAM-'))
    .flatMap((mechanism) => Object.entries(sasl.users).flatMap(([user, password]) => ['--add-scram', `${mechanism}=[name=${user},password=${password}]`]));
}

function checkedMechanisms(sasl: LocalBrokerSasl): readonly LocalSaslMechanism[] {
  const mechanisms = sasl.mechanisms ?? DEFAULT_LOCAL_SASL_MECHANISMS;
  if (mechanisms.length === 0) throw new RangeError('a SASL listener needs at least one mechanism');
  const users = Object.entries(sasl.users);
  if (users.length === 0) throw new RangeError('a SASL listener needs at least one user');
  for (const [user, password] of users) {
    // The password itself is never quoted back.
    if (!SAFE_CREDENTIAL.test(user)) throw new RangeError(`SASL user name "${user}" may only use letters, digits, '.', '_' and '-'`);
    if (!SAFE_CREDENTIAL.test(password)) throw new RangeError(`the password of SASL user "${user}" may only use letters, digits, '.', '_' and '-'`);
  }
  return mechanisms;
}

/** localBrokerLog4jProperties sends the broker's log to one file instead of the terminal. */
export function localBrokerLog4jProperties(logFile: string): string {
  return [
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = file',
    `appender.file.fileName = ${logFile}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = info',
    'rootLogger.appenderRef.file.ref = file',
    '',
  ].join('\n');
}
