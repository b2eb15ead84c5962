// The Java client's side of transaction-floor.ts: the same transactions, timed
// the same way, with Apache Kafka's own client (the jars the local broker runs
// on). Run by transaction-floor.ts; prints one JSON line of p50s in ms.
//   java -cp '.cache/kafka/<version>/lib/*' bench/saga/TransactionFloor.java <brokers> <transactions> <warm-up> <gap ms>
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

public class TransactionFloor {
  public static void main(String[] args) throws Exception {
    String brokers = args[0];
    int count = Integer.parseInt(args[1]), warmUp = Integer.parseInt(args[2]), gapMs = Integer.parseInt(args[3]);
    String run = UUID.randomUUID().toString().substring(0, 8);
    String history = "floor-java-history-" + run, state = "floor-java-state-" + run;
    Properties common = new Properties();
    common.put("bootstrap.servers", brokers);
    try (Admin admin = Admin.create(common)) {
      admin.createTopics(List.of(new NewTopic(history, 1, (short) 1), new NewTopic(state, 1, (short) 1))).all().get();
    }
    common.put("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    common.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    common.put("linger.ms", "0");
    common.put("acks", "all");
    Properties transactional = (Properties) common.clone();
    transactional.put("transactional.id", "floor-java-" + run);
    List<Double> start = new ArrayList<>(), produce = new ArrayList<>(), commit = new ArrayList<>(), idempotent = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> tx = new KafkaProducer<>(transactional); KafkaProducer<byte[], byte[]> plain = new KafkaProducer<>(common)) {
      tx.initTransactions();
      byte[] key = "saga".getBytes(), value = new byte[300];
      for (int i = 0; i < warmUp + count; i++) {
        tx.beginTransaction();
        long t = System.nanoTime();
        sendThree(tx, history, state, key, value);
        double first = ms(t);
        Thread.sleep(gapMs);
        t = System.nanoTime();
        sendThree(tx, history, state, key, value);
        double tail = ms(t);
        t = System.nanoTime();
        tx.commitTransaction();
        double committed = ms(t);
        Thread.sleep(2);
        t = System.nanoTime();
        sendThree(plain, history, state, key, value);
        double plainSend = ms(t);
        if (i >= warmUp) {
          start.add(first);
          produce.add(tail);
          commit.add(committed);
          idempotent.add(plainSend);
        }
      }
    }
    try (Admin admin = Admin.create(common)) {
      admin.deleteTopics(List.of(history, state)).all().get();
    }
    System.out.printf(Locale.ROOT, "{\"start\":%.3f,\"produce\":%.3f,\"commit\":%.3f,\"idempotent\":%.3f}%n", median(start), median(produce), median(commit), median(idempotent));
  }

  // What a saga-log append is: two history records and a state record, acknowledged.
  private static void sendThree(KafkaProducer<byte[], byte[]> producer, String history, String state, byte[] key, byte[] value) throws Exception {
    producer.send(new ProducerRecord<>(history, key, value));
    producer.send(new ProducerRecord<>(history, key, value));
    producer.send(new ProducerRecord<>(state, key, value)).get();
  }

  private static double ms(long since) {
    return (System.nanoTime() - since) / 1e6;
  }

  private static double median(List<Double> values) {
    Collections.sort(values);
    return values.get(values.size() / 2);
  }
}
