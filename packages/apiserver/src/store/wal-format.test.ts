import { describe, expect, it } from "vitest";
import { decodeRecord, encodeRecord, scanWal, type WalRecord } from "./wal-format.js";

const put = (rv: number, name: string): WalRecord => ({
  rv,
  collection: "core/configmaps",
  key: `default/${name}`,
  object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { text: 'tab\there, é, }"crc":' } },
});
const del = (rv: number, name: string): WalRecord => ({
  rv,
  collection: "core/configmaps",
  key: `default/${name}`,
  object: null,
});
const line = (rec: WalRecord) => encodeRecord(rec);
const body = (buf: Buffer) => buf.subarray(0, buf.length - 1);

describe("write-ahead log format", () => {
  it("round-trips records, and each line is plain JSON an earlier version can read", () => {
    for (const rec of [put(1, "a"), del(2, "a")]) {
      const l = line(rec);
      expect(l.at(-1)).toBe(0x0a);
      expect(decodeRecord(body(l))).toEqual(rec);
      expect(JSON.parse(l.toString())).toMatchObject({ rv: rec.rv, key: rec.key, object: rec.object });
    }
  });

  it("writes the record as JSON.stringify would, with the object's cached text", () => {
    for (const rec of [put(1, "a"), del(2, "a")]) {
      const l = line(rec).toString();
      expect(l.replace(/,"crc":"[0-9a-f]{8}"\}\n$/, "}")).toBe(JSON.stringify(rec));
    }
  });

  it("refuses a line whose checksum does not match, and reads lines without one", () => {
    const l = Buffer.from(line(put(1, "a")));
    l[12] = l[12]! ^ 0x01;
    expect(decodeRecord(body(l))).toBeUndefined();
    expect(decodeRecord(Buffer.from(JSON.stringify(put(3, "legacy"))))).toEqual(put(3, "legacy"));
  });

  it("finds the records written after torn bytes and reports each damaged range with its offset", () => {
    const first = line(put(1, "a"));
    const torn = line(put(2, "b")).subarray(0, 40);
    const afterTorn = line(put(3, "c"));
    const zeros = Buffer.alloc(16);
    const last = line(del(4, "a"));
    const tail = line(put(5, "d")).subarray(0, 25);
    const buf = Buffer.concat([first, torn, torn, afterTorn, zeros, Buffer.from("\n"), last, tail]);
    const { records, damage } = scanWal(buf);
    expect(records.map((r) => r.rv)).toEqual([1, 3, 4]);
    expect(damage).toEqual([
      { offset: first.length, length: 80, tail: false },
      { offset: first.length + 80 + afterTorn.length, length: 16, tail: false },
      { offset: buf.length - 25, length: 25, tail: true },
    ]);
  });

  it("reads an empty log and one that ends in a newline", () => {
    expect(scanWal(Buffer.alloc(0))).toEqual({ records: [], damage: [] });
    expect(scanWal(Buffer.concat([line(put(1, "a")), Buffer.from("\n\n")])).records).toHaveLength(1);
  });
});
