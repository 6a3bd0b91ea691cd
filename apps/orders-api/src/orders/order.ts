/** An order as the API stores and returns it. */
export interface Order {
  id: string;
  item: string;
  quantity: number;
  createdAt: string;
}

/** What `POST /orders` accepts. */
export interface CreateOrderInput {
  item: string;
  quantity: number;
}
