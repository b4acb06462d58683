import * as fs from 'node:fs';
import * as path from 'node:path';

/** The products the pay function sells: `catalog.json` at the project's top, compiled into the pay bundle. */
export const CATALOG_FILE = path.resolve(__dirname, '..', 'catalog.json');

export interface Product {
  title: string;
  /** Yuan with exactly two decimals, as Alipay's total_amount takes it ("9.90"). */
  amount: string;
}
export type Catalog = Record<string, Product>;

export class CatalogError extends Error {}

/** A sku becomes part of order rows and log lines: short, plain. */
const SKU = /^[a-z0-9][a-z0-9_-]{0,31}$/;
/** alipay.trade.create's total_amount: 0.01 to 100000000.00 yuan, two decimals. */
const AMOUNT = /^(?:0|[1-9]\d{0,8})\.\d{2}$/;
const MAX_AMOUNT_CENTS = 100_000_000 * 100;
/** alipay.trade.create's subject is at most 256 characters. */
const MAX_TITLE = 256;

/** Reads and checks the catalog, so a wrong price fails synth instead of a payment. */
export function loadCatalog(file = CATALOG_FILE): Catalog {
  const text = fs.readFileSync(file, 'utf8');
  const where = path.basename(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new CatalogError(`${where} is not JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new CatalogError(`${where} must be an object: {"<sku>": {"title", "amount"}}`);
  // JSON.parse keeps the last of two equal keys silently: a duplicated sku would lose a product,
  // a duplicated amount would set the price to whichever came last.
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== undefined) throw new CatalogError(`${where}: "${duplicate}" appears twice in one object`);
  const skus = Object.keys(parsed);
  if (skus.length === 0) throw new CatalogError(`${where} has no products`);
  const catalog: Catalog = {};
  for (const sku of skus) {
    const p = (parsed as Record<string, unknown>)[sku] as Record<string, unknown> | null;
    if (!SKU.test(sku)) throw new CatalogError(`${where}: sku "${sku}" must be 1-32 of a-z, 0-9, "_" or "-", starting with a letter or digit`);
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new CatalogError(`${where}: "${sku}" must be {"title", "amount"}`);
    const extra = Object.keys(p).filter((k) => k !== 'title' && k !== 'amount');
    if (extra.length) throw new CatalogError(`${where}: "${sku}" has unknown keys ${extra.join(', ')}`);
    if (typeof p.title !== 'string' || p.title.trim() === '' || [...p.title].length > MAX_TITLE) {
      throw new CatalogError(`${where}: "${sku}".title must be 1-${MAX_TITLE} characters (Alipay's subject)`);
    }
    if (typeof p.amount !== 'string' || !AMOUNT.test(p.amount) || amountCents(p.amount) < 1 || amountCents(p.amount) > MAX_AMOUNT_CENTS) {
      throw new CatalogError(`${where}: "${sku}".amount must be a string of yuan with two decimals from "0.01" to "100000000.00", like "9.90"`);
    }
    catalog[sku] = { title: p.title, amount: p.amount };
  }
  return catalog;
}

const amountCents = (amount: string): number => Math.round(Number(amount) * 100);

/** The first key that occurs twice in one object anywhere in valid JSON text (a string-aware scan). */
function firstDuplicateKey(text: string): string | undefined {
  // One entry per open bracket: the keys seen so far for an object, null for an array.
  const open: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const keys = open[open.length - 1];
      if (keys && expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      open.push(c === '{' ? new Set() : null);
      expectKey = c === '{';
    } else if (c === '}' || c === ']') open.pop();
    else if (c === ',') expectKey = open[open.length - 1] !== null;
  }
  return undefined;
}
