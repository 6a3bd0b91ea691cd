/** An order as orders-api returns it. */
export interface Order {
  id: string;
  item: string;
  quantity: number;
}

/** What it takes to create an order. */
export interface NewOrder {
  item: string;
  quantity: number;
}
