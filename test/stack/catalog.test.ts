/**
 * lib/catalog.ts: catalog.json is checked at synth, so a wrong price fails `npm run synth` instead
 * of a payment. Each check runs on a catalog of its own in a temporary directory; limits are tried
 * at the limit and one past it. The last test shows synth itself refuses a bad catalog.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CATALOG_FILE, type Catalog, CatalogError, loadCatalog } from '../../lib/catalog';
import { synth } from './synth';

let dir: string;
let files = 0;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'miniapp-catalog-test-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A catalog file holding exactly `text`. */
const catalogText = (text: string): string => {
  const file = path.join(dir, `catalog-${++files}.json`);
  fs.writeFileSync(file, text);
  return file;
};
/** A catalog file holding `value` as JSON. */
const catalogOf = (value: unknown): string => catalogText(JSON.stringify(value, null, 2));
/** A catalog file of one product `sku` with these fields. */
const oneProduct = (fields: Record<string, unknown>, sku = 'pro'): string => catalogOf({ [sku]: fields });
const PRO = { title: 'Todo Pro', amount: '9.90' };

/** The CatalogError loading `file` throws; fails if it loads or throws anything else. */
function refusal(file: string): CatalogError {
  try {
    loadCatalog(file);
  } catch (e) {
    if (e instanceof CatalogError) return e;
    throw e;
  }
  throw new Error(`loadCatalog accepted ${fs.readFileSync(file, 'utf8')}`);
}
/** The message of the refusal, without the file name it starts with. */
const refusalOf = (file: string): string => {
  const message = refusal(file).message;
  const prefix = path.basename(file);
  expect(message.startsWith(prefix)).toBe(true);
  return message.slice(prefix.length);
};

describe('valid catalogs', () => {
  it("the project's catalog.json loads: at least one product, each a sku with a title and an amount", () => {
    const catalog = loadCatalog();
    expect(Object.keys(catalog).length).toBeGreaterThan(0);
    for (const product of Object.values(catalog)) expect(product).toEqual({ title: expect.any(String), amount: expect.stringMatching(/^\d+\.\d{2}$/) });
    expect(loadCatalog(CATALOG_FILE)).toEqual(catalog);
  });

  it('a catalog of several products loads to exactly those products, in file order', () => {
    const products: Catalog = {
      pro: PRO,
      'team_plan-2': { title: '团队版 (2 seats)', amount: '199.00' },
      '9lives': { title: 'Nine', amount: '0.01' },
    };
    const loaded = loadCatalog(catalogOf(products));
    expect(loaded).toEqual(products);
    expect(Object.keys(loaded)).toEqual(['pro', 'team_plan-2', '9lives']);
  });
});

describe('amount: a string of yuan with exactly two decimals, "0.01" to "100000000.00" (alipay.trade.create total_amount)', () => {
  it.each(['0.01', '0.10', '9.90', '10.00', '99999999.99', '100000000.00'])('%j is accepted', (amount) => {
    expect(loadCatalog(oneProduct({ title: 'T', amount }))).toEqual({ pro: { title: 'T', amount } });
  });

  it.each([
    ['0.00', 'one below the lowest'],
    ['100000000.01', 'one cent past the highest'],
    ['999999999.99', 'nine integer digits, past the highest'],
    ['1000000000.00', 'ten integer digits'],
    ['9.9', 'one decimal'],
    ['9.999', 'three decimals'],
    ['9', 'no decimals'],
    ['9.', 'a point and no decimals'],
    ['.99', 'no integer part'],
    ['09.90', 'a leading zero'],
    ['-1.00', 'negative'],
    ['+1.00', 'signed'],
    ['1e2', 'exponent'],
    [' 9.90', 'leading space'],
    ['9.90 ', 'trailing space'],
    ['1,000.00', 'thousands separator'],
    ['９.９０', 'full-width digits'],
    ['', 'empty'],
  ])('%j (%s) is refused', (amount) => {
    expect(refusalOf(oneProduct({ title: 'T', amount }))).toBe(
      ': "pro".amount must be a string of yuan with two decimals from "0.01" to "100000000.00", like "9.90"',
    );
  });

  it.each([[9.9], [990], [0.01], [null], [true], [['9.90']], [{ yuan: '9.90' }]])('%j (not a string) is refused', (amount) => {
    expect(refusalOf(oneProduct({ title: 'T', amount }))).toMatch(/^: "pro"\.amount must be a string of yuan/);
  });

  it('a missing amount is refused', () => {
    expect(refusalOf(oneProduct({ title: 'T' }))).toMatch(/^: "pro"\.amount must be a string/);
  });
});

describe('duplicate keys, which JSON.parse would hide', () => {
  it('an amount given twice in one product is refused (JSON.parse would keep the second price)', () => {
    const text = '{"pro": {"title": "Todo Pro", "amount": "9.90", "amount": "0.01"}}';
    expect(JSON.parse(text)).toEqual({ pro: { title: 'Todo Pro', amount: '0.01' } });
    expect(refusalOf(catalogText(text))).toBe(': "amount" appears twice in one object');
  });

  it('the same sku twice is refused, though JSON.parse keeps only the last', () => {
    const text = '{\n  "pro": {"title": "Todo Pro", "amount": "9.90"},\n  "pro": {"title": "Todo Pro", "amount": "0.01"}\n}';
    expect(JSON.parse(text)).toEqual({ pro: { title: 'Todo Pro', amount: '0.01' } });
    expect(refusalOf(catalogText(text))).toBe(': "pro" appears twice in one object');
  });

  it('the same sku spelt with an escape ("\\u0070ro") is the same sku', () => {
    expect(refusalOf(catalogText('{"pro": {"title": "A", "amount": "1.00"}, "\\u0070ro": {"title": "B", "amount": "2.00"}}'))).toBe(
      ': "pro" appears twice in one object',
    );
  });

  it('the second duplicate is found after other products, nested objects and escaped quotes', () => {
    const text =
      '{"a": {"title": "x \\", \\"pro\\": y", "amount": "1.00"}, "pro": {"title": "{\\"pro\\": [1, 2]}", "amount": "2.00"}, "b": {"title": "B", "amount": "3.00"}, "pro": {"title": "C", "amount": "4.00"}}';
    expect(refusalOf(catalogText(text))).toBe(': "pro" appears twice in one object');
  });

  it('a sku that only appears in titles, or keys repeated across products (title, amount), are no duplicates', () => {
    const text =
      '{"a": {"title": "pro", "amount": "1.00"}, "pro": {"title": "x \\", \\"pro\\": y", "amount": "2.00"}, "b": {"title": "{\\"a\\": 1}", "amount": "3.00"}}';
    expect(Object.keys(loadCatalog(catalogText(text)))).toEqual(['a', 'pro', 'b']);
  });

  it('a key ending in an escaped backslash does not hide the quote after it from the scan', () => {
    const text = '{"pro": {"title": "A", "amount": "1.00"}, "a\\\\": {"title": "B", "amount": "2.00"}, "pro": {"title": "C", "amount": "3.00"}}';
    expect(refusalOf(catalogText(text))).toBe(': "pro" appears twice in one object');
  });
});

describe('sku: 1-32 of a-z, 0-9, "_" or "-", starting with a letter or digit', () => {
  it.each(['a', '9', 'pro_1-b', 'a'.repeat(32)])('%j is accepted', (sku) => {
    expect(Object.keys(loadCatalog(oneProduct(PRO, sku)))).toEqual([sku]);
  });

  it.each(['a'.repeat(33), '', 'Pro', 'PRO', '-pro', '_pro', 'pro.1', 'pro 1', 'prö', 'pro/1', 'pro\n'])('%j is refused', (sku) => {
    expect(refusalOf(oneProduct(PRO, sku))).toBe(`: sku "${sku}" must be 1-32 of a-z, 0-9, "_" or "-", starting with a letter or digit`);
  });
});

describe("title: 1-256 characters (alipay.trade.create's subject), not blank", () => {
  it.each([
    ['one character', 'T'],
    ['256 ASCII characters', 'a'.repeat(256)],
    ['256 CJK characters (counted as characters, not bytes)', '中'.repeat(256)],
  ])('%s: accepted', (_name, title) => {
    expect(loadCatalog(oneProduct({ title, amount: '1.00' })).pro.title).toBe(title);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['a line break only', '\n'],
    ['257 ASCII characters', 'a'.repeat(257)],
    ['257 CJK characters', '中'.repeat(257)],
    ['a number', 42],
    ['null', null],
    ['missing', undefined],
  ])('%s: refused', (_name, title) => {
    expect(refusalOf(oneProduct({ title, amount: '1.00' }))).toBe(': "pro".title must be 1-256 characters (Alipay\'s subject)');
  });
});

describe('shape', () => {
  it.each([
    [{ ...PRO, price: '1.00' }, 'price'],
    [{ ...PRO, currency: 'CNY', stock: 3 }, 'currency, stock'],
    [{ ...PRO, Title: 'Todo Pro' }, 'Title'],
  ])('a product with unknown keys %j is refused, naming them', (fields, named) => {
    expect(refusalOf(oneProduct(fields))).toBe(`: "pro" has unknown keys ${named}`);
  });

  it.each([['"9.90"'], ['["Todo Pro", "9.90"]'], ['null'], ['9.9']])('a product that is not an object (%s) is refused', (value) => {
    expect(refusalOf(catalogText(`{"pro": ${value}}`))).toBe(': "pro" must be {"title", "amount"}');
  });

  it.each([['[]'], ['null'], ['"pro"'], ['42']])('a catalog that is not an object (%s) is refused', (text) => {
    expect(refusalOf(catalogText(text))).toBe(' must be an object: {"<sku>": {"title", "amount"}}');
  });

  it('an empty catalog is refused', () => {
    expect(refusalOf(catalogOf({}))).toBe(' has no products');
  });

  it.each([['{"pro": '], ['{"pro": {"title": "T", "amount": "1.00"},}'], [''], ["{'pro': {}}"]])('text that is not JSON (%j) is refused', (text) => {
    expect(refusalOf(catalogText(text))).toMatch(/^ is not JSON: /);
  });

  it('a missing file is not a CatalogError but the read error', () => {
    expect(() => loadCatalog(path.join(dir, 'absent.json'))).toThrow(/ENOENT/);
  });
});

describe('at synth', () => {
  afterEach(() => jest.restoreAllMocks());

  it('a wrong catalog.json fails synth with its CatalogError', () => {
    // lib/catalog.ts reads catalog.json through node:fs; only that one read is answered differently.
    const nodeFs = jest.requireActual<typeof import('node:fs')>('node:fs');
    const read = nodeFs.readFileSync;
    jest
      .spyOn(nodeFs, 'readFileSync')
      .mockImplementation(((file: fs.PathOrFileDescriptor, ...rest: unknown[]) =>
        file === CATALOG_FILE ? '{"pro": {"title": "Todo Pro", "amount": "9.9"}}' : (read as (...args: unknown[]) => unknown)(file, ...rest)) as typeof read);
    expect(() => synth()).toThrow(
      new CatalogError('catalog.json: "pro".amount must be a string of yuan with two decimals from "0.01" to "100000000.00", like "9.90"'),
    );
  });
});
