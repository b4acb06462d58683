/**
 * PlainBuffer, the row encoding inside Tablestore's protobuf `bytes` fields.
 *
 * Our own reader and writer rather than the SDK's: the SDK reader throws on INF_MIN/INF_MAX
 * primary keys (every GetRange), on DELETE/DELETE_ALL/INCREMENT cells (`cell_type is not
 * defined`), and its writer uses UTF-16 length for cell names. The format is small:
 *
 *   row    := [ROW_PK cell*] [ROW_DATA cell*] [DELETE_MARKER] ROW_CHECKSUM crc8
 *   cell   := CELL NAME u32 bytes [VALUE u32 variant] [TYPE op] [TIMESTAMP i64] CELL_CHECKSUM crc8
 *   buffer := u32 header(0x75) row+        (rows after the first carry no header)
 *
 * Cell CRC covers name, value, timestamp, op type in that order (what the SDK writes); the row
 * CRC covers each cell CRC then one byte for the delete marker.
 */
import { dataBroken, parameterInvalid } from './errors';

const HEADER = 0x75;
const TAG_ROW_PK = 0x1;
const TAG_ROW_DATA = 0x2;
const TAG_CELL = 0x3;
const TAG_CELL_NAME = 0x4;
const TAG_CELL_VALUE = 0x5;
const TAG_CELL_TYPE = 0x6;
const TAG_CELL_TIMESTAMP = 0x7;
const TAG_DELETE_ROW_MARKER = 0x8;
const TAG_ROW_CHECKSUM = 0x9;
const TAG_CELL_CHECKSUM = 0xa;

const OP_DELETE_ALL_VERSION = 0x1;
const OP_DELETE_ONE_VERSION = 0x3;
const OP_INCREMENT = 0x4;

const VT_INTEGER = 0x0;
const VT_DOUBLE = 0x1;
const VT_BOOLEAN = 0x2;
const VT_STRING = 0x3;
const VT_BLOB = 0x7;
const VT_INF_MIN = 0x9;
const VT_INF_MAX = 0xa;
const VT_AUTO_INCREMENT = 0xb;

/** An attribute value. INTEGER is a bigint so Int64 values beyond 2^53 round-trip exactly. */
export type Value =
  | { type: 'INTEGER'; value: bigint }
  | { type: 'DOUBLE'; value: number }
  | { type: 'BOOLEAN'; value: boolean }
  | { type: 'STRING'; value: string }
  | { type: 'BINARY'; value: Buffer };
export type KeyValue = Extract<Value, { type: 'INTEGER' | 'STRING' | 'BINARY' }>;
/** Primary-key values in requests may also be range sentinels or the auto-increment placeholder. */
export type PkValue = KeyValue | { type: 'INF_MIN' } | { type: 'INF_MAX' } | { type: 'AUTO_INCREMENT' };

export interface PkColumn<V = PkValue> {
  name: string;
  value: V;
}
export type CellOp = 'PUT' | 'DELETE_ONE' | 'DELETE_ALL' | 'INCREMENT';
export interface DecodedCell {
  name: string;
  value?: Value;
  timestamp?: number;
  op: CellOp;
}
export interface DecodedRow {
  primaryKey: PkColumn[];
  cells: DecodedCell[];
  deleteMarker: boolean;
}
/** A row to send back: concrete key and versioned cells. */
export interface OutputRow {
  primaryKey: PkColumn<KeyValue>[];
  cells: { name: string; value: Value; timestamp: number }[];
}

// CRC-8, polynomial 0x07 (the table in the SDK's plain_buffer_crc8.js).
const CRC_TABLE = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    t[i] = c;
  }
  return t;
})();
const crcByte = (crc: number, b: number): number => CRC_TABLE[(crc ^ b) & 0xff];
const crcBytes = (crc: number, bytes: Uint8Array): number => {
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff];
  return crc;
};
const crcU32 = (crc: number, n: number): number => {
  for (let i = 0; i < 4; i++) crc = crcByte(crc, (n >>> (i * 8)) & 0xff);
  return crc;
};

class Reader {
  private pos = 0;
  private tag = 0;
  constructor(private readonly buf: Buffer) {}
  atEnd(): boolean {
    return this.pos >= this.buf.length;
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw dataBroken('length is shorter than expect');
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** Reads the next tag byte (0 at the end, as the SDK does). */
  next(): void {
    this.tag = this.atEnd() ? 0 : this.u8();
  }
  /** Whether the last tag read is `tag` (a method so the compiler does not narrow it across next()). */
  at(tag: number): boolean {
    return this.tag === tag;
  }
}

/** Reads a variant (type byte + payload), updating the cell CRC like the SDK does. */
function readVariant(r: Reader, crc: number): { value: PkValue | Value; crc: number } {
  const type = r.u8();
  crc = crcByte(crc, type);
  switch (type) {
    case VT_INTEGER: {
      const raw = r.bytes(8);
      return { value: { type: 'INTEGER', value: raw.readBigInt64LE(0) }, crc: crcBytes(crc, raw) };
    }
    case VT_DOUBLE: {
      const raw = r.bytes(8);
      return { value: { type: 'DOUBLE', value: raw.readDoubleLE(0) }, crc: crcBytes(crc, raw) };
    }
    case VT_BOOLEAN: {
      const b = r.u8() !== 0;
      return { value: { type: 'BOOLEAN', value: b }, crc: crcByte(crc, b ? 1 : 0) };
    }
    case VT_STRING:
    case VT_BLOB: {
      const n = r.u32();
      const raw = r.bytes(n);
      crc = crcBytes(crcU32(crc, n), raw);
      const value: Value = type === VT_STRING ? { type: 'STRING', value: raw.toString('utf8') } : { type: 'BINARY', value: Buffer.from(raw) };
      return { value, crc };
    }
    case VT_INF_MIN:
      return { value: { type: 'INF_MIN' }, crc };
    case VT_INF_MAX:
      return { value: { type: 'INF_MAX' }, crc };
    case VT_AUTO_INCREMENT:
      return { value: { type: 'AUTO_INCREMENT' }, crc };
    default:
      throw parameterInvalid('data format is invalid, unknown variant type occured.');
  }
}

function readCell(r: Reader): { cell: DecodedCell; crc: number } {
  r.next();
  if (!r.at(TAG_CELL_NAME)) throw dataBroken('attr has no name');
  const nameBytes = r.bytes(r.u32());
  let crc = crcBytes(0, nameBytes);
  const cell: DecodedCell = { name: nameBytes.toString('utf8'), op: 'PUT' };
  let opByte: number | undefined;
  r.next();
  if (r.at(TAG_CELL_VALUE)) {
    r.u32(); // total variant length; the variant is self-delimiting
    const v = readVariant(r, crc);
    crc = v.crc;
    cell.value = v.value as Value; // sentinels are rejected later by key validation
    r.next();
  }
  if (r.at(TAG_CELL_TYPE)) {
    opByte = r.u8();
    if (opByte === OP_DELETE_ALL_VERSION) cell.op = 'DELETE_ALL';
    else if (opByte === OP_DELETE_ONE_VERSION) cell.op = 'DELETE_ONE';
    else if (opByte === OP_INCREMENT) cell.op = 'INCREMENT';
    else throw parameterInvalid(`Invalid op type of cell: ${opByte}.`);
    r.next();
  }
  if (r.at(TAG_CELL_TIMESTAMP)) {
    const raw = r.bytes(8);
    cell.timestamp = Number(raw.readBigInt64LE(0));
    crc = crcBytes(crc, raw);
    r.next();
  }
  if (opByte !== undefined) crc = crcByte(crc, opByte);
  if (!r.at(TAG_CELL_CHECKSUM)) throw dataBroken('cell is not end with checksum tag');
  const sent = r.u8();
  if (sent !== crc) throw dataBroken(`checksum is mismatch, ${sent}:${crc}`);
  r.next();
  return { cell, crc };
}

/** Decodes one PlainBuffer row (request `row`, `row_change` or `primary_key` bytes). */
export function decodeRow(buf: Uint8Array): DecodedRow {
  const r = new Reader(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  const header = r.u32();
  if (header !== HEADER) throw dataBroken(`mismatch header, actual: ${header}, expect: ${HEADER}`);
  r.next();
  const row: DecodedRow = { primaryKey: [], cells: [], deleteMarker: false };
  let rowCrc = 0;
  if (r.at(TAG_ROW_PK)) {
    r.next();
    while (r.at(TAG_CELL)) {
      const { cell, crc } = readCell(r);
      if (!cell.value) throw parameterInvalid(`No value is given for primary key name:${cell.name}.`);
      row.primaryKey.push({ name: cell.name, value: cell.value as PkValue });
      rowCrc = crcByte(rowCrc, crc);
    }
  }
  if (r.at(TAG_ROW_DATA)) {
    r.next();
    while (r.at(TAG_CELL)) {
      const { cell, crc } = readCell(r);
      row.cells.push(cell);
      rowCrc = crcByte(rowCrc, crc);
    }
  }
  if (r.at(TAG_DELETE_ROW_MARKER)) {
    row.deleteMarker = true;
    r.next();
  }
  rowCrc = crcByte(rowCrc, row.deleteMarker ? 1 : 0);
  if (!r.at(TAG_ROW_CHECKSUM)) throw dataBroken('row is not end with checksum tag');
  const sent = r.u8();
  if (sent !== rowCrc) throw dataBroken(`checksum is mismatch, ${sent}:${rowCrc}`);
  // No check for trailing bytes: the SDK sizes key buffers from a precomputed length that is too
  // large for INF_MIN/INF_MAX and sends the unused tail (zeros) along.
  return row;
}

/** Decodes a bare variant (filter.proto's `column_value`, "serialized SQLVariant"). */
export function decodeVariant(buf: Uint8Array): Value {
  const r = new Reader(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  const { value } = readVariant(r, 0);
  if (value.type === 'INF_MIN' || value.type === 'INF_MAX' || value.type === 'AUTO_INCREMENT') {
    throw parameterInvalid('Deserialize relation filter failed.');
  }
  return value;
}

class Writer {
  private readonly chunks: Buffer[] = [];
  u8(b: number): void {
    this.chunks.push(Buffer.of(b));
  }
  u32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n, 0);
    this.chunks.push(b);
  }
  raw(b: Buffer): void {
    this.chunks.push(b);
  }
  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Writes TAG_CELL_VALUE + variant, returning the updated cell CRC. */
function writeValue(w: Writer, v: Value, crc: number): number {
  w.u8(TAG_CELL_VALUE);
  switch (v.type) {
    case 'INTEGER':
    case 'DOUBLE': {
      const raw = Buffer.alloc(8);
      if (v.type === 'INTEGER') raw.writeBigInt64LE(v.value, 0);
      else raw.writeDoubleLE(v.value, 0);
      w.u32(9);
      const t = v.type === 'INTEGER' ? VT_INTEGER : VT_DOUBLE;
      w.u8(t);
      w.raw(raw);
      return crcBytes(crcByte(crc, t), raw);
    }
    case 'BOOLEAN':
      w.u32(2);
      w.u8(VT_BOOLEAN);
      w.u8(v.value ? 1 : 0);
      return crcByte(crcByte(crc, VT_BOOLEAN), v.value ? 1 : 0);
    case 'STRING':
    case 'BINARY': {
      const raw = v.type === 'STRING' ? Buffer.from(v.value, 'utf8') : v.value;
      const t = v.type === 'STRING' ? VT_STRING : VT_BLOB;
      w.u32(5 + raw.length);
      w.u8(t);
      w.u32(raw.length);
      w.raw(raw);
      return crcBytes(crcU32(crcByte(crc, t), raw.length), raw);
    }
  }
}

function writeCell(w: Writer, name: string, value: Value, timestamp: number | undefined): number {
  w.u8(TAG_CELL);
  w.u8(TAG_CELL_NAME);
  const nameBytes = Buffer.from(name, 'utf8');
  w.u32(nameBytes.length);
  w.raw(nameBytes);
  let crc = writeValue(w, value, crcBytes(0, nameBytes));
  if (timestamp !== undefined) {
    const raw = Buffer.alloc(8);
    raw.writeBigInt64LE(BigInt(timestamp), 0);
    w.u8(TAG_CELL_TIMESTAMP);
    w.raw(raw);
    crc = crcBytes(crc, raw);
  }
  w.u8(TAG_CELL_CHECKSUM);
  w.u8(crc);
  return crc;
}

function writeRow(w: Writer, row: OutputRow): void {
  let rowCrc = 0;
  w.u8(TAG_ROW_PK);
  for (const pk of row.primaryKey) rowCrc = crcByte(rowCrc, writeCell(w, pk.name, pk.value, undefined));
  if (row.cells.length > 0) {
    w.u8(TAG_ROW_DATA);
    for (const c of row.cells) rowCrc = crcByte(rowCrc, writeCell(w, c.name, c.value, c.timestamp));
  }
  w.u8(TAG_ROW_CHECKSUM);
  w.u8(crcByte(rowCrc, 0));
}

/**
 * Encodes rows for a response. Multi-row buffers (GetRange) carry one header and then the rows
 * back to back, which is what the SDK's `readRows` expects. No rows → empty bytes.
 */
export function encodeRows(rows: OutputRow[]): Buffer {
  if (rows.length === 0) return Buffer.alloc(0);
  const w = new Writer();
  w.u32(HEADER);
  for (const row of rows) writeRow(w, row);
  return w.finish();
}

export const encodeRow = (row: OutputRow | undefined): Buffer => encodeRows(row ? [row] : []);
export const encodePrimaryKey = (primaryKey: PkColumn<KeyValue>[]): Buffer => encodeRows([{ primaryKey, cells: [] }]);
