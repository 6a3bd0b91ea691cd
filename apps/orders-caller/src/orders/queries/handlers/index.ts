import { GetOrdersHandler } from './get-orders.handler.js';

export const QueryHandlers = [GetOrdersHandler];
