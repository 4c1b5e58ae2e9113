/**
 * A minimal Python pickle writer (protocol 2) for plain data: None, booleans, integers, floats, strings, lists,
 * tuples and dicts. Enough for DeepLabCut's `Documentation_data-…pickle` (the split of a shuffle), which its
 * PyTorch loader reads with `pickle.load`. No numpy arrays: lists stand in for them.
 */

export class PickleTuple {
  constructor(readonly items: PickleData[]) {}
}

export type PickleData = null | boolean | number | string | PickleData[] | PickleTuple | Map<PickleData, PickleData> | { [key: string]: PickleData };

export function pickleDumps(value: PickleData): Buffer {
  const parts: Buffer[] = [Buffer.from([0x80, 0x02])];
  const op = (code: string) => parts.push(Buffer.from(code, 'latin1'));
  const write = (item: PickleData): void => {
    if (item === null) op('N');
    else if (item === true) op('\x88');
    else if (item === false) op('\x89');
    else if (typeof item === 'number') {
      if (Number.isInteger(item) && item >= 0 && item < 256) parts.push(Buffer.from([0x4b, item]));
      else if (Number.isInteger(item) && item >= 0 && item < 65536) {
        const buffer = Buffer.alloc(3);
        buffer[0] = 0x4d;
        buffer.writeUInt16LE(item, 1);
        parts.push(buffer);
      } else if (Number.isInteger(item) && item >= -0x80000000 && item <= 0x7fffffff) {
        const buffer = Buffer.alloc(5);
        buffer[0] = 0x4a;
        buffer.writeInt32LE(item, 1);
        parts.push(buffer);
      } else {
        const buffer = Buffer.alloc(9);
        buffer[0] = 0x47;
        buffer.writeDoubleBE(item, 1);
        parts.push(buffer);
      }
    } else if (typeof item === 'string') {
      const bytes = Buffer.from(item, 'utf8');
      const header = Buffer.alloc(5);
      header[0] = 0x58;
      header.writeUInt32LE(bytes.length, 1);
      parts.push(header, bytes);
    } else if (Array.isArray(item)) {
      op(']');
      if (item.length > 0) {
        op('(');
        item.forEach(write);
        op('e');
      }
    } else if (item instanceof PickleTuple) {
      op('(');
      item.items.forEach(write);
      op('t');
    } else {
      const entries: Array<[PickleData, PickleData]> = item instanceof Map ? [...item.entries()] : Object.entries(item);
      op('}');
      if (entries.length > 0) {
        op('(');
        for (const [key, entry] of entries) {
          write(key);
          write(entry);
        }
        op('u');
      }
    }
  };
  write(value);
  op('.');
  return Buffer.concat(parts);
}
