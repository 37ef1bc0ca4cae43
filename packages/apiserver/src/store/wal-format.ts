// The write-ahead log's on-disk format: one JSON record per line, `{"rv":…,"collection":…,"key":…,"object":…,
// "crc":"<8 hex digits>"}` where crc is the CRC-32 of the same line without its `,"crc":"…"` member. A line is
// still plain JSON (an earlier version reads it and ignores the checksum), and lines without the checksum (written
// by earlier versions) are read as they are: their last member is the object (or null), so they never end the
// way a checksummed line does.

import { crc32 } from "node:zlib";
import type { KubeObject } from "../util/meta.js";
import { serializeCached } from "../util/serialize.js";

/** One durable change: an object put (or removed when `object` is null) at a resourceVersion. */
export interface WalRecord {
  rv: number;
  collection: string;
  key: string;
  object: KubeObject | null;
}

/** Bytes of a log that hold no valid record: skipped on load, reported with their place in the file. */
export interface WalDamage {
  /** Byte offset in the file. */
  offset: number;
  /** Number of bytes skipped. */
  length: number;
  /** No valid record follows (an interrupted last write), as opposed to damage in the middle of the log. */
  tail: boolean;
}

/** What a log file holds. */
export interface WalContents {
  records: WalRecord[];
  damage: WalDamage[];
}

const NEWLINE = 0x0a;
/** How every record line starts (the key order of {@link encodeRecord}). */
const RECORD_START = Buffer.from('{"rv":');
/** `,"crc":"` + 8 hex digits + `"}`. */
const CRC_SUFFIX_LENGTH = 18;
const CLOSE_BRACE = Buffer.from("}");
const CRC_SUFFIX = /,"crc":"([0-9a-f]{8})"\}$/;

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

/** The line of one record, checksum and newline included. */
export function encodeRecord(rec: WalRecord): Buffer {
  // The object's text is the one watches and responses send (stored objects are immutable), made once.
  const object = rec.object === null ? "null" : serializeCached(rec.object);
  const json = `{"rv":${rec.rv},"collection":${JSON.stringify(rec.collection)},"key":${JSON.stringify(rec.key)},"object":${object}}`;
  const body = Buffer.from(json);
  const line = Buffer.allocUnsafe(body.length + CRC_SUFFIX_LENGTH);
  // The checksum covers the record as it would be without the crc member: `{…,"object":…}`.
  const crc = crc32(body);
  body.copy(line, 0, 0, body.length - 1);
  line.write(`,"crc":"${hex8(crc)}"}\n`, body.length - 1, "latin1");
  return line;
}

function isRecord(v: unknown): v is WalRecord {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r["rv"] === "number" &&
    typeof r["collection"] === "string" &&
    typeof r["key"] === "string" &&
    (r["object"] === null || (typeof r["object"] === "object" && !Array.isArray(r["object"])))
  );
}

/** The record of one line (without its newline), or undefined when the line is not a whole, intact record. */
export function decodeRecord(line: Buffer): WalRecord | undefined {
  let text = line.toString("utf8");
  const tail = text.length >= CRC_SUFFIX_LENGTH ? CRC_SUFFIX.exec(text.slice(-CRC_SUFFIX_LENGTH)) : null;
  if (tail) {
    const record = Buffer.concat([line.subarray(0, line.length - CRC_SUFFIX_LENGTH), CLOSE_BRACE]);
    if (hex8(crc32(record)) !== tail[1]) return undefined;
    text = record.toString("utf8");
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed)
      ? { rv: parsed.rv, collection: parsed.collection, key: parsed.key, object: parsed.object }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads every intact record of a log. Bytes that are no record (a write torn by a crash or a full disk) are
 * skipped and reported; a whole record written right after torn bytes (in the same line, since the torn write
 * never reached its newline) is found and kept, so damage never hides the records after it.
 */
export function scanWal(buf: Buffer): WalContents {
  const records: WalRecord[] = [];
  const damage: WalDamage[] = [];
  let lastRecordAt = -1;
  let start = 0;
  while (start < buf.length) {
    let end = buf.indexOf(NEWLINE, start);
    if (end === -1) end = buf.length;
    const line = buf.subarray(start, end);
    if (line.length > 0) {
      const rec = decodeRecord(line);
      if (rec) {
        records.push(rec);
        lastRecordAt = start;
      } else {
        let found = -1;
        for (let at = line.indexOf(RECORD_START, 1); at !== -1; at = line.indexOf(RECORD_START, at + 1)) {
          const inner = decodeRecord(line.subarray(at));
          if (inner) {
            records.push(inner);
            lastRecordAt = start + at;
            found = at;
            break;
          }
        }
        damage.push({ offset: start, length: found === -1 ? line.length : found, tail: false });
      }
    }
    start = end + 1;
  }
  for (const d of damage) d.tail = d.offset > lastRecordAt;
  return { records, damage };
}
