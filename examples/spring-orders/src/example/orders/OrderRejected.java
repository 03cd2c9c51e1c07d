package example.orders;

/** The reply to a refused order, sent by the listener's errorHandler (see OrdersService). */
public record OrderRejected(String error) {}
