/** The access token client (ACCESS_TOKEN_ORDERS_*) whose HttpService calls orders-api. */
export const ORDERS_CLIENT = 'orders';
