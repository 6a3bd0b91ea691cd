/** Injection tokens of the orders-api module. */
export const ORDERS_API_SETTINGS = Symbol('ORDERS_API_SETTINGS');
