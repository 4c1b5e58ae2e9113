/**
 * A small, SAFE reader for Python pickles (protocols 0–5), enough for the attributes PyTables stores
 * pickled in HDF5 files (pandas "table" format: `non_index_axes`, `info`, `index_cols`, `values_block_0_kind`, …).
 *
 * It is an opcode interpreter that only ever builds plain data: lists and tuples (JS arrays), dicts (`Map`),
 * sets (JS `Set`), str (string), bytes (`Uint8Array`), int (number, or bigint beyond 2^53), float, None (null)
 * and bools. Nothing is ever executed: GLOBAL/STACK_GLOBAL may name only the handful of numpy/pandas/builtin
 * reconstructors in `SAFE_GLOBALS`, each mapped to a pure function that returns plain data; any other name
 * is rejected with a `PICKLE_UNSAFE` error before anything is called.
 */
import { HerdError } from '../common/errors';

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | Map<PickleKey, PickleValue>
  | Set<PickleKey>
  | NumpyDtype
  | PickleObject;

export type PickleKey = null | boolean | number | bigint | string;

/** A numpy dtype as its array-protocol string, e.g. `<f8`, `|i1`, `|O`, `<U10`. */
export class NumpyDtype {
  constructor(public str: string) {}
}

/** An object under construction by a whitelisted reconstructor; finished by BUILD. Never escapes as-is for ndarrays. */
export class PickleObject {
  constructor(
    public readonly kind: string,
    public state: PickleValue = null,
  ) {}
}

class Mark {}
const MARK = new Mark();
type StackItem = PickleValue | Mark | SafeGlobal;

interface SafeGlobal {
  readonly global: string;
  call(args: PickleValue[]): PickleValue;
  build?(object: PickleValue, state: PickleValue): PickleValue;
}

function fail(message: string, file?: string): never {
  throw new HerdError('PICKLE_INVALID', message, file ? { file } : {});
}

function isDtype(value: unknown): value is NumpyDtype {
  return value instanceof NumpyDtype;
}

/** Decodes the raw bytes of a numpy array (numeric dtypes) into plain numbers. */
function decodeNumpyData(dtype: string, data: Uint8Array, count: number): PickleValue[] {
  const match = /^([<>|=]?)([biuf])(\d+)$/.exec(dtype);
  if (!match) fail(`unsupported numpy dtype ${dtype} in a pickle`);
  const [, order, kind, sizeText] = match;
  const size = Number(sizeText);
  const little = order !== '>';
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (count * size > data.byteLength) fail(`numpy array data is too short (${data.byteLength} bytes for ${count} × ${dtype})`);
  const out: PickleValue[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * size;
    if (kind === 'f') {
      if (size === 8) out.push(view.getFloat64(at, little));
      else if (size === 4) out.push(view.getFloat32(at, little));
      else fail(`unsupported float size ${size}`);
    } else if (kind === 'b') {
      out.push(data[at] !== 0);
    } else {
      const signed = kind === 'i';
      if (size === 1) out.push(signed ? view.getInt8(at) : view.getUint8(at));
      else if (size === 2) out.push(signed ? view.getInt16(at, little) : view.getUint16(at, little));
      else if (size === 4) out.push(signed ? view.getInt32(at, little) : view.getUint32(at, little));
      else if (size === 8) {
        const big = signed ? view.getBigInt64(at, little) : view.getBigUint64(at, little);
        out.push(big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big);
      } else fail(`unsupported integer size ${size}`);
    }
  }
  return out;
}

function dtypeFromName(name: PickleValue): NumpyDtype {
  if (typeof name !== 'string') fail('numpy.dtype expects a type name');
  const known: Record<string, string> = {
    f8: '<f8', f4: '<f4', i8: '<i8', i4: '<i4', i2: '<i2', i1: '|i1', u8: '<u8', u4: '<u4', u2: '<u2', u1: '|u1',
    b1: '|b1', O8: '|O', O4: '|O', O: '|O', float64: '<f8', int64: '<i8', bool: '|b1', object: '|O',
  };
  if (known[name]) return new NumpyDtype(known[name]);
  if (/^[US]\d+$/.test(name)) return new NumpyDtype(`${name[0] === 'U' ? '<' : '|'}${name}`);
  fail(`unsupported numpy dtype "${name}" in a pickle`);
}

const ndarrayBuild = (object: PickleValue, state: PickleValue): PickleValue => {
  // state: (version, shape, dtype, is_fortran, rawdata | list)
  if (!(object instanceof PickleObject) || !Array.isArray(state)) fail('malformed numpy array state');
  const [, shape, dtype, , raw] = state.length === 5 ? state : [0, ...state];
  if (!Array.isArray(shape) || !isDtype(dtype)) fail('malformed numpy array state');
  const count = shape.reduce<number>((product, size) => product * Number(size), 1);
  if (dtype.str === '|O') {
    if (!Array.isArray(raw)) fail('numpy object array without a list of items');
    return raw;
  }
  if (/^[<>|]?[US]\d+$/.test(dtype.str)) {
    if (!(raw instanceof Uint8Array)) fail('numpy string array without bytes');
    const unicode = dtype.str.includes('U');
    const itemSize = Number(dtype.str.replace(/^[<>|]?[US]/, '')) * (unicode ? 4 : 1);
    const out: PickleValue[] = [];
    for (let i = 0; i < count; i++) {
      const item = raw.subarray(i * itemSize, (i + 1) * itemSize);
      if (unicode) {
        const view = new DataView(item.buffer, item.byteOffset, item.byteLength);
        let text = '';
        for (let c = 0; c < item.length; c += 4) {
          const code = view.getUint32(c, !dtype.str.startsWith('>'));
          if (code === 0) break;
          text += String.fromCodePoint(code);
        }
        out.push(text);
      } else {
        let end = item.indexOf(0);
        if (end < 0) end = item.length;
        out.push(item.slice(0, end));
      }
    }
    return out;
  }
  const data = typeof raw === 'string' ? Uint8Array.from(raw, (c) => c.charCodeAt(0)) : raw;
  if (!(data instanceof Uint8Array)) fail('numpy array without raw data');
  const values = decodeNumpyData(dtype.str, data, count);
  // Nested lists for n-d arrays, row-major.
  const dims = shape.map(Number);
  const nest = (offset: number, depth: number): PickleValue[] => {
    if (depth === dims.length - 1 || dims.length === 0) return values.slice(offset, offset + (dims[depth] ?? 1));
    const stride = dims.slice(depth + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: dims[depth] }, (_, i) => nest(offset + i * stride, depth + 1));
  };
  return dims.length === 0 ? values[0] : nest(0, 0);
};

/** The only callables a pickle may name. Each returns plain data; none has side effects. */
const SAFE_GLOBALS: Record<string, Omit<SafeGlobal, 'global'>> = {
  'numpy.core.multiarray._reconstruct': {
    call: () => new PickleObject('ndarray'),
    build: ndarrayBuild,
  },
  // The class argument of _reconstruct; a marker only, never instantiated.
  'numpy.ndarray': { call: () => new PickleObject('ndarray-class') },
  'numpy.dtype': {
    call: (args) => dtypeFromName(args[0]),
    build: (object, state) => {
      // state: (version, byteorder, subarray, names, fields, elsize, alignment, flags)
      if (!isDtype(object) || !Array.isArray(state)) fail('malformed numpy dtype state');
      const order = state[1];
      if (typeof order === 'string' && '<>|'.includes(order) && !object.str.startsWith('|')) {
        object.str = order + object.str.slice(1);
      }
      return object;
    },
  },
  'numpy.core.multiarray.scalar': {
    call: (args) => {
      const [dtype, raw] = args;
      if (!isDtype(dtype)) fail('numpy scalar without a dtype');
      const data = typeof raw === 'string' ? Uint8Array.from(raw, (c) => c.charCodeAt(0)) : raw;
      if (!(data instanceof Uint8Array)) fail('numpy scalar without data');
      return decodeNumpyData(dtype.str, data, 1)[0];
    },
  },
  'builtins.set': { call: (args) => new Set((args[0] as PickleKey[] | undefined) ?? []) },
  'builtins.frozenset': { call: (args) => new Set((args[0] as PickleKey[] | undefined) ?? []) },
  'builtins.list': { call: (args) => [...((args[0] as PickleValue[] | undefined) ?? [])] },
  'builtins.tuple': { call: (args) => [...((args[0] as PickleValue[] | undefined) ?? [])] },
  'builtins.dict': { call: () => new Map() },
  'builtins.object': { call: () => new PickleObject('object') },
  'builtins.slice': { call: (args) => args },
  '_codecs.encode': {
    // How protocol-2 pickles store bytes: _codecs.encode("latin-1 text", "latin1").
    call: (args) => {
      const [text, encoding] = args;
      if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) fail('unsupported _codecs.encode call');
      return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
    },
  },
  'copyreg._reconstructor': {
    // copyreg._reconstructor(cls, base, state): only plain builtin bases are allowed (cls is already whitelisted).
    call: (args) => {
      const [cls] = args;
      if (cls instanceof PickleObject && cls.kind === 'ndarray') return new PickleObject('ndarray');
      return new PickleObject('object');
    },
  },
  'pandas.core.indexes.frozen.FrozenList': { call: (args) => [...((args[0] as PickleValue[] | undefined) ?? [])] },
};
const ALIASES: Record<string, string> = {
  '__builtin__.set': 'builtins.set',
  '__builtin__.frozenset': 'builtins.frozenset',
  '__builtin__.list': 'builtins.list',
  '__builtin__.tuple': 'builtins.tuple',
  '__builtin__.dict': 'builtins.dict',
  '__builtin__.object': 'builtins.object',
  'copy_reg._reconstructor': 'copyreg._reconstructor',
  'numpy._core.multiarray._reconstruct': 'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray.scalar': 'numpy.core.multiarray.scalar',
};

function resolveGlobal(module: string, name: string, file?: string): SafeGlobal {
  const full = `${module}.${name}`;
  const key = ALIASES[full] ?? full;
  const entry = SAFE_GLOBALS[key];
  if (!entry) {
    throw new HerdError('PICKLE_UNSAFE', `refusing to load a pickle that names ${full}: only plain data and known numpy/pandas types are read`, file ? { file } : {});
  }
  return { global: key, ...entry };
}

function isSafeGlobal(value: unknown): value is SafeGlobal {
  return typeof value === 'object' && value !== null && 'global' in value && 'call' in value;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Python's raw-unicode-escape (protocol 0 `V` strings): \uXXXX and \UXXXXXXXX escapes, other bytes latin-1. */
function rawUnicodeEscape(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x5c && (bytes[i + 1] === 0x75 || bytes[i + 1] === 0x55)) {
      const width = bytes[i + 1] === 0x75 ? 4 : 8;
      const hex = latin1.decode(bytes.subarray(i + 2, i + 2 + width));
      if (/^[0-9a-fA-F]+$/.test(hex) && hex.length === width) {
        out += String.fromCodePoint(parseInt(hex, 16));
        i += 1 + width;
        continue;
      }
    }
    out += String.fromCharCode(bytes[i]);
  }
  return out;
}

/** Python string literal (protocol 0 `S` opcode, repr of a str/bytes) → its characters (as latin-1 code units). */
function pythonStringLiteral(text: string, file?: string): string {
  const quote = text[0];
  if ((quote !== "'" && quote !== '"') || text.at(-1) !== quote || text.length < 2) fail(`bad string literal in pickle: ${text}`, file);
  const body = text.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i];
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };
    if (n === 'x') {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (/[0-7]/.test(n)) {
      let digits = n;
      while (digits.length < 3 && /[0-7]/.test(body[i + 1] ?? '')) digits += body[++i];
      out += String.fromCharCode(parseInt(digits, 8));
    } else if (n in simple) out += simple[n];
    else out += '\\' + n;
  }
  return out;
}

function toKey(value: PickleValue): PickleKey {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string') return value;
  if (Array.isArray(value)) return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v)); // tuples as keys
  fail('unhashable dict key in pickle');
}

function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function parseIntText(text: string, file?: string): number | bigint | boolean {
  const trimmed = text.replace(/L$/, '');
  if (trimmed === '00') return false;
  if (trimmed === '01') return true;
  if (!/^[+-]?\d+$/.test(trimmed)) fail(`bad integer in pickle: ${text}`, file);
  const big = BigInt(trimmed);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/**
 * Unpickles `data` into plain data. `file` is named in errors. Throws `PICKLE_UNSAFE` for any global that is
 * not a known plain-data reconstructor and `PICKLE_INVALID` for malformed input.
 */
export function unpickle(data: Uint8Array | string, file?: string): PickleValue {
  const bytes = typeof data === 'string' ? Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff) : data;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const stack: StackItem[] = [];
  const memo = new Map<number, StackItem>();
  const need = (n: number) => {
    if (pos + n > bytes.length) fail('truncated pickle', file);
  };
  const take = (n: number) => {
    need(n);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('truncated pickle (missing newline)', file);
    const out = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return out;
  };
  const pop = (): StackItem => {
    if (stack.length === 0) fail('pickle stack underflow', file);
    return stack.pop() as StackItem;
  };
  const popValue = (): PickleValue => {
    const item = pop();
    if (item instanceof Mark) fail('unexpected mark in pickle', file);
    return item as PickleValue;
  };
  const popMark = (): PickleValue[] => {
    let at = stack.length - 1;
    while (at >= 0 && !(stack[at] instanceof Mark)) at--;
    if (at < 0) fail('pickle mark not found', file);
    const items = stack.splice(at + 1) as PickleValue[];
    stack.pop();
    return items;
  };
  const top = (): StackItem => {
    if (stack.length === 0) fail('pickle stack underflow', file);
    return stack[stack.length - 1];
  };
  const decodeUtf8 = (raw: Uint8Array) => {
    try {
      return utf8.decode(raw);
    } catch {
      fail('invalid UTF-8 in pickle string', file);
    }
  };
  const setItems = (dict: StackItem, items: PickleValue[]) => {
    if (!(dict instanceof Map)) fail('SETITEM on a non-dict', file);
    for (let i = 0; i + 1 < items.length; i += 2) dict.set(toKey(items[i]), items[i + 1]);
  };
  const call = (callable: StackItem, args: StackItem) => {
    if (!isSafeGlobal(callable)) fail('pickle calls something that is not a known reconstructor', file);
    if (!Array.isArray(args)) fail('pickle call arguments are not a tuple', file);
    return callable.call(args);
  };

  while (pos < bytes.length) {
    const op = bytes[pos++];
    switch (op) {
      case 0x80: // PROTO
        take(1);
        break;
      case 0x95: // FRAME
        take(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail('pickle ended with a malformed stack', file);
        return popValue();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x49: // INT (text)
        stack.push(parseIntText(line(), file));
        break;
      case 0x4c: // LONG (text)
        stack.push(parseIntText(line(), file) as number | bigint);
        break;
      case 0x4b: // BININT1
        stack.push(take(1)[0]);
        break;
      case 0x4d: // BININT2
        need(2);
        stack.push(view.getUint16(pos, true));
        pos += 2;
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x8a: // LONG1
        stack.push(decodeLong(take(take(1)[0])));
        break;
      case 0x8b: {
        // LONG4
        need(4);
        const n = view.getInt32(pos, true);
        pos += 4;
        stack.push(decodeLong(take(n)));
        break;
      }
      case 0x46: // FLOAT (text)
        stack.push(Number(line()));
        break;
      case 0x47: // BINFLOAT
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x53: // STRING (text, Python 2 str)
        stack.push(pythonStringLiteral(line(), file));
        break;
      case 0x54: {
        // BINSTRING
        need(4);
        const n = view.getInt32(pos, true);
        pos += 4;
        stack.push(latin1.decode(take(n)));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(take(take(1)[0])));
        break;
      case 0x56: // UNICODE (text, raw-unicode-escape)
        {
          const end = bytes.indexOf(0x0a, pos);
          if (end < 0) fail('truncated pickle (missing newline)', file);
          stack.push(rawUnicodeEscape(bytes.subarray(pos, end)));
          pos = end + 1;
        }
        break;
      case 0x58: {
        // BINUNICODE
        need(4);
        const n = view.getUint32(pos, true);
        pos += 4;
        stack.push(decodeUtf8(take(n)));
        break;
      }
      case 0x8c: // SHORT_BINUNICODE
        stack.push(decodeUtf8(take(take(1)[0])));
        break;
      case 0x8d: {
        // BINUNICODE8
        need(8);
        const n = Number(view.getBigUint64(pos, true));
        pos += 8;
        stack.push(decodeUtf8(take(n)));
        break;
      }
      case 0x42: {
        // BINBYTES
        need(4);
        const n = view.getUint32(pos, true);
        pos += 4;
        stack.push(take(n).slice());
        break;
      }
      case 0x43: // SHORT_BINBYTES
        stack.push(take(take(1)[0]).slice());
        break;
      case 0x8e: {
        // BINBYTES8
        need(8);
        const n = Number(view.getBigUint64(pos, true));
        pos += 8;
        stack.push(take(n).slice());
        break;
      }
      case 0x96: {
        // BYTEARRAY8
        need(8);
        const n = Number(view.getBigUint64(pos, true));
        pos += 8;
        stack.push(take(n).slice());
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x6c: // LIST
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([popValue()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = popValue();
        const a = popValue();
        stack.push([a, b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = popValue();
        const b = popValue();
        const a = popValue();
        stack.push([a, b, c]);
        break;
      }
      case 0x64: {
        // DICT
        const dict = new Map<PickleKey, PickleValue>();
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x91: // FROZENSET
        stack.push(new Set(popMark().map(toKey)));
        break;
      case 0x61: {
        // APPEND
        const item = popValue();
        const list = top();
        if (!Array.isArray(list)) fail('APPEND on a non-list', file);
        list.push(item);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) fail('APPENDS on a non-list', file);
        list.push(...items);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = popValue();
        const key = popValue();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: // SETITEMS
        {
          const items = popMark();
          setItems(top(), items);
        }
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const set = top();
        if (!(set instanceof Set)) fail('ADDITEMS on a non-set', file);
        for (const item of items) set.add(toKey(item));
        break;
      }
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x70: // PUT
        memo.set(Number(line()), top());
        break;
      case 0x71: // BINPUT
        memo.set(take(1)[0], top());
        break;
      case 0x72: // LONG_BINPUT
        need(4);
        memo.set(view.getUint32(pos, true), top());
        pos += 4;
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        let index: number;
        if (op === 0x67) index = Number(line());
        else if (op === 0x68) index = take(1)[0];
        else {
          need(4);
          index = view.getUint32(pos, true);
          pos += 4;
        }
        if (!memo.has(index)) fail(`pickle memo ${index} is not defined`, file);
        stack.push(memo.get(index) as StackItem);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        stack.push(resolveGlobal(module, name, file));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = popValue();
        const module = popValue();
        if (typeof name !== 'string' || typeof module !== 'string') fail('STACK_GLOBAL needs two strings', file);
        stack.push(resolveGlobal(module, name, file));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        stack.push(call(callable, args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop(); // kwargs
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = popValue();
        const object = popValue();
        if (object instanceof PickleObject && object.kind === 'ndarray') {
          const array = ndarrayBuild(object, state);
          // Later references (memo GETs) must see the finished array, not the placeholder.
          for (const [key, value] of memo) if (value === object) memo.set(key, array);
          stack.push(array);
        } else if (isDtype(object)) stack.push(SAFE_GLOBALS['numpy.dtype'].build!(object, state));
        else if (object instanceof PickleObject) {
          object.state = state;
          stack.push(object);
        } else fail('BUILD on a value that is not a known object', file);
        break;
      }
      case 0x69: // INST
      case 0x6f: // OBJ
        fail('refusing to load a pickle that instantiates classes (INST/OBJ)', file);
        break;
      case 0x97: // NEXT_BUFFER
      case 0x98: // READONLY_BUFFER
      case 0x50: // PERSID
      case 0x51: // BINPERSID
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
        fail(`unsupported pickle opcode 0x${op.toString(16)}`, file);
        break;
      default:
        fail(`not a pickle (unknown opcode 0x${op.toString(16)} at byte ${pos - 1})`, file);
    }
  }
  fail('truncated pickle (no STOP)', file);
}
