import products from '../../catalog.json';

/** A product as the catalog op answers it. */
export interface Product {
  sku: string;
  title: string;
  amount: string;
}

// catalog.json is checked at synth (lib/catalog.ts) and compiled into this bundle: the price of an
// order can only come from here, never from the event.
const CATALOG: ReadonlyMap<string, Product> = new Map(
  Object.entries(products as Record<string, { title: string; amount: string }>).map(([sku, p]) => [sku, { sku, title: p.title, amount: p.amount }]),
);

export const catalogProducts = (): Product[] => [...CATALOG.values()];
export const product = (sku: string): Product | undefined => CATALOG.get(sku);
