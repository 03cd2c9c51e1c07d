package example.orders;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.kafka.annotation.EnableKafka;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;
import org.springframework.kafka.listener.KafkaListenerErrorHandler;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.kafka.support.serializer.JacksonJsonSerializer;

/**
 * An ordinary Spring Kafka request-reply service (plain spring-kafka, no Boot) for semiasync's interop
 * tests. Settings, as --name=value arguments or -Dname=value: orders.bootstrap (127.0.0.1:9093),
 * orders.topic (required), orders.group (spring-orders), orders.slowMs (3000).
 * Stdout: "ready" once the partitions are assigned, then "handled <correlation> <reply type>".
 */
@Configuration
@EnableKafka
public class OrdersService {
    private final Environment env;

    public OrdersService(Environment env) {
        this.env = env;
    }

    private String bootstrap() {
        return env.getProperty("orders.bootstrap", "127.0.0.1:9093");
    }

    @Bean
    public DefaultKafkaConsumerFactory<String, String> consumerFactory() {
        return new DefaultKafkaConsumerFactory<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
            // A new group starts at the end: a test's topic may hold earlier runs' requests.
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
    }

    /** Writes replies as JSON with a __TypeId__ header naming the reply's class. */
    @Bean
    public KafkaTemplate<String, Object> replyTemplate() {
        return new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, JacksonJsonSerializer.class)));
    }

    @Bean
    public ConcurrentKafkaListenerContainerFactory<String, String> kafkaListenerContainerFactory() {
        var factory = new ConcurrentKafkaListenerContainerFactory<String, String>();
        factory.setConsumerFactory(consumerFactory());
        factory.setReplyTemplate(replyTemplate()); // @SendTo needs it
        factory.getContainerProperties().setConsumerRebalanceListener(new ReadyOnAssignment());
        return factory;
    }

    /**
     * Turns an exception of the listener into an OrderRejected reply. Without an errorHandler Spring
     * sends no reply at all: it retries the record 10 times, then skips it.
     */
    @Bean
    public KafkaListenerErrorHandler rejectOrder() {
        return (message, exception) -> {
            Throwable cause = exception.getCause() != null ? exception.getCause() : exception;
            var rejected = new OrderRejected(cause.getMessage());
            OrderListener.handled(message.getHeaders().get(KafkaHeaders.CORRELATION_ID), rejected);
            return rejected;
        };
    }

    @Bean
    public OrderListener orderListener() {
        return new OrderListener(env.getProperty("orders.slowMs", Long.class, 3000L));
    }

    /** Prints "ready" once, when the first partitions are assigned and their start offsets are known. */
    static class ReadyOnAssignment implements ConsumerAwareRebalanceListener {
        private final AtomicBoolean ready = new AtomicBoolean();

        @Override
        public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) return;
            // position() resolves each start offset now; with "latest" left lazy, a request sent
            // right after "ready" could land before the offset is looked up and be skipped.
            partitions.forEach(consumer::position);
            if (!ready.getAndSet(true)) System.out.println("ready");
        }
    }

    public static void main(String[] args) throws InterruptedException {
        var context = new AnnotationConfigApplicationContext();
        context.getEnvironment().getPropertySources().addFirst(new SimpleCommandLinePropertySource(args));
        context.register(OrdersService.class);
        context.registerShutdownHook(); // SIGTERM closes the listener container and its consumer
        context.refresh();
        Thread.currentThread().join();
    }
}
