import type { Kafka, Producer, ProducerConfig } from 'kafkajs';

// kafkajs 2.2 keeps the factory of each client's cluster under this private
// symbol; a client without it (another kafkajs) gets a plain producer.
const CREATE_CLUSTER = 'private:Kafka:createCluster';
// Kafka's FindCoordinator key type of a transaction coordinator.
const TRANSACTION_COORDINATOR = 1;
// The requests kafkajs sends to the transaction coordinator.
const COORDINATOR_REQUESTS = new Set(['initProducerId', 'addPartitionsToTxn', 'addOffsetsToTxn', 'endTxn']);

interface ClusterLike {
  findGroupCoordinator(params: { groupId: string; coordinatorType?: number }): Promise<object>;
}

type ClusterFactory = (options: object) => ClusterLike;

// Looked for along the prototype chain too: a client may be a view made with Object.create.
function clusterFactoryKey(kafka: Kafka): symbol | undefined {
  for (let level: object | null = kafka; level !== null; level = Object.getPrototypeOf(level) as object | null) {
    const key = Object.getOwnPropertySymbols(level).find((symbol) => symbol.description === CREATE_CLUSTER);
    if (key !== undefined) return typeof (kafka as unknown as Record<symbol, unknown>)[key] === 'function' ? key : undefined;
  }
  return undefined;
}

/** remembersTransactionCoordinator tells whether createTransactionalProducer can remember the coordinator with this kafkajs client. */
export function remembersTransactionCoordinator(kafka: Kafka): boolean {
  return clusterFactoryKey(kafka) !== undefined;
}

/**
 * createTransactionalProducer makes `kafka.producer(config)` for a
 * transactional id whose transaction coordinator is looked up once and
 * remembered, as the Java client does. kafkajs 2.2 sends FindCoordinator
 * before every AddPartitionsToTxn and EndTxn, so each transaction pays two
 * extra round trips, one of them on the commit's path. The remembered
 * coordinator is forgotten as soon as a request to it fails, and the next
 * request looks it up again; the producer otherwise behaves as kafkajs's.
 */
export function createTransactionalProducer(kafka: Kafka, config: ProducerConfig & { transactionalId: string }): Producer {
  const key = clusterFactoryKey(kafka);
  if (key === undefined) return kafka.producer(config);
  const createCluster = (kafka as unknown as Record<symbol, ClusterFactory>)[key]!;
  // The producer's own view of the client, whose cluster factory remembers; the client itself is untouched.
  const client = Object.create(kafka) as Kafka & Record<symbol, ClusterFactory>;
  client[key] = (options) => rememberTransactionCoordinator(createCluster(options), config.transactionalId);
  return kafka.producer.call(client, config);
}

function rememberTransactionCoordinator(cluster: ClusterLike, transactionalId: string): ClusterLike {
  const lookUp = cluster.findGroupCoordinator.bind(cluster);
  let remembered: Promise<object> | undefined;
  const forget = () => {
    remembered = undefined;
  };
  cluster.findGroupCoordinator = (params) => {
    if (params.coordinatorType !== TRANSACTION_COORDINATOR || params.groupId !== transactionalId) return lookUp(params);
    remembered ??= lookUp(params).then(
      (broker) => forgetOnFailure(broker, forget),
      (error: unknown) => {
        forget();
        throw error;
      },
    );
    return remembered;
  };
  return cluster;
}

// The coordinator moved, went away or refused: whatever failed, the next request asks again.
function forgetOnFailure(broker: object, forget: () => void): object {
  return new Proxy(broker, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !COORDINATOR_REQUESTS.has(property) || typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        (value as (...args: unknown[]) => Promise<unknown>).apply(target, args).catch((error: unknown) => {
          forget();
          throw error;
        });
    },
  });
}
