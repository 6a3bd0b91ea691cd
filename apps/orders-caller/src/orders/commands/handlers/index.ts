import { CreateOrderHandler } from './create-order.handler.js';

export const CommandHandlers = [CreateOrderHandler];
