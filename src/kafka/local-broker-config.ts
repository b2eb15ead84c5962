/** LocalBrokerConfigInput is what varies between local brokers; everything else is fixed for a single dev node. */
export interface LocalBrokerConfigInput {
  host: string;
  port: number;
  controllerPort: number;
  logDir: string;
  /** Extra or overriding server properties (SASL listeners, retention, ...). */
  overrides?: Record<string, string>;
}

/**
 * localBrokerProperties renders server.properties for a single-node KRaft
 * broker on loopback, tuned so tests start fast and groups settle at once.
 */
export function localBrokerProperties({ host, port, controllerPort, logDir, overrides = {} }: LocalBrokerConfigInput): string {
  const properties: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@${host}:${controllerPort}`,
    listeners: `PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${host}:${port}`,
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
    ...overrides,
  };
  return `${Object.entries(properties)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
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
