package example.orders;

/** The reply to an accepted order; its class name travels as the reply's __TypeId__ header. */
public record OrderPlaced(String orderId, String item, int quantity) {}
