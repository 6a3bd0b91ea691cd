import { BadRequestException } from '@nestjs/common';

import type { CreateOrderInput } from './order.js';

export const MAX_ITEM_LENGTH = 200;
export const MAX_QUANTITY = 1000;

const FIELDS = new Set(['item', 'quantity']);

/**
 * Checks a `POST /orders` body by hand (the sample keeps its dependencies to the minimum) and returns the
 * clean input, or throws a 400 that says what is wrong.
 */
export function parseCreateOrderInput(body: unknown): CreateOrderInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestException('the body must be a JSON object { item, quantity }');
  }
  const record = body as Record<string, unknown>;
  const unexpected = Object.keys(record).find((key) => !FIELDS.has(key));
  if (unexpected !== undefined) throw new BadRequestException(`unexpected property "${unexpected}"`);

  const { item, quantity } = record;
  if (typeof item !== 'string' || item.trim() === '' || item.trim().length > MAX_ITEM_LENGTH) {
    throw new BadRequestException(`item must be a non-empty string of at most ${MAX_ITEM_LENGTH} characters`);
  }
  if (
    typeof quantity !== 'number' ||
    !Number.isInteger(quantity) ||
    quantity < 1 ||
    quantity > MAX_QUANTITY
  ) {
    throw new BadRequestException(`quantity must be an integer from 1 to ${MAX_QUANTITY}`);
  }
  return { item: item.trim(), quantity };
}
