package example.orders;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.SendTo;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Places orders, the way any Spring Kafka service answers a ReplyingKafkaTemplate: @SendTo with no
 * value replies to the request's kafka_replyTopic (and kafka_replyPartition), echoing its
 * kafka_correlationId and key. Deliberately idempotency-unaware: every delivery is a new order.
 */
public class OrderListener {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final long slowMs;

    public OrderListener(long slowMs) {
        this.slowMs = slowMs;
    }

    // The group is set apart from the id, which would otherwise be the group (idIsGroup).
    @KafkaListener(id = "orders", topics = "${orders.topic}", groupId = "${orders.group:spring-orders}",
                   errorHandler = "rejectOrder")
    @SendTo
    public OrderPlaced place(String value,
                             @Header(name = KafkaHeaders.CORRELATION_ID, required = false) byte[] correlation)
            throws InterruptedException {
        JsonNode order;
        try {
            order = JSON.readTree(value);
        } catch (JacksonException e) { // its message is a parser's diagnosis, too long for a reply
            throw new IllegalArgumentException("order is not JSON");
        }
        String item = order.path("item").asString("");
        int quantity = order.path("quantity").asInt(0);
        if (item.isEmpty()) throw new IllegalArgumentException("item is missing");
        if (quantity <= 0) throw new IllegalArgumentException("quantity must be positive, got " + quantity);
        if (item.equals("slow")) Thread.sleep(slowMs); // lets a test see the gateway time out
        var placed = new OrderPlaced(UUID.randomUUID().toString(), item, quantity);
        handled(correlation, placed);
        return placed;
    }

    /** One stdout line per handled request, so a test can count how often a request was processed. */
    static void handled(Object correlation, Object reply) {
        System.out.println("handled " + text(correlation) + " " + reply.getClass().getSimpleName());
    }

    /** ReplyingKafkaTemplate's 16 correlation bytes as a UUID; any other correlation as text. */
    private static String text(Object correlation) {
        if (!(correlation instanceof byte[] bytes)) return String.valueOf(correlation);
        if (bytes.length != 16) return new String(bytes, StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return new UUID(buffer.getLong(), buffer.getLong()).toString();
    }
}
