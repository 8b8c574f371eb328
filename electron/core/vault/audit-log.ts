import { createHmac, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as z from 'zod';
import { canonicalJson } from './canonical-json.js';
import { CofferError } from '../../../shared/errors.js';
import type { AuditAnchor } from './vault-file.js';

/**
 * The audit trail: one JSON record a line, each carrying an HMAC over itself and the previous
 * record's HMAC (keyed from the vault master key). Editing, inserting or removing a record breaks
 * the chain; the vault file remembers the newest record it has seen, so cutting off the tail is
 * caught too. Records hold facts of an operation, never plaintext or key material.
 */
export const AuditRecordSchema = z.strictObject({
  seq: z.number().int().min(1),
  time: z.string(),
  operation: z.string().min(1),
  key_id: z.string().nullable(),
  key_version: z.number().int().nullable(),
  outcome: z.enum(['success', 'failure']),
  error_code: z.string().nullable(),
  detail: z.string().nullable(),
  /** A file's decryption: how many of its header's EDKs a key was tried on (absent on other records). */
  edks_tried: z.number().int().min(0).optional(),
  prev: z.string().regex(/^[0-9a-f]{64}$/),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

/** What an operation reports about itself; seq, time and the chain are added on append. */
export interface AuditEvent {
  operation: string;
  key_id?: string | null;
  key_version?: number | null;
  outcome: 'success' | 'failure';
  error_code?: string | null;
  detail?: string | null;
  edks_tried?: number;
}

export const GENESIS_MAC = '0'.repeat(64);

function recordMac(auditKey: Buffer, record: Omit<AuditRecord, 'mac'>): string {
  return createHmac('sha256', auditKey).update(canonicalJson(record)).digest('hex');
}

function macEquals(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

function parseTailRecord(path: string, line: string): AuditRecord {
  try {
    return AuditRecordSchema.parse(JSON.parse(line));
  } catch {
    throw new CofferError(
      'COFFER.1016',
      `The last record of the audit log (${path}) is damaged, so no record can be chained after it. ` +
        'Run `coffer audit-log` to see what is wrong; to go on, move the file aside (the vault will then report its chain as broken).',
    );
  }
}

/** The last complete record, found by reading only the file's tail. */
async function readTail(path: string): Promise<{ last: AuditRecord | null; completeLength: number }> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { last: null, completeLength: 0 };
    throw error;
  }
  try {
    const { size } = await handle.stat();
    let chunk = 4096;
    for (;;) {
      const start = Math.max(0, size - chunk);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      const lastNewline = buffer.lastIndexOf(0x0a);
      const completeLength = lastNewline < 0 ? start : start + lastNewline + 1;
      const previousNewline = lastNewline > 0 ? buffer.lastIndexOf(0x0a, lastNewline - 1) : -1;
      if (lastNewline >= 0 && (previousNewline >= 0 || start === 0)) {
        const line = buffer.subarray(previousNewline + 1, lastNewline).toString('utf8');
        return { last: line ? parseTailRecord(path, line) : null, completeLength };
      }
      if (start === 0) return { last: null, completeLength };
      chunk *= 4;
    }
  } finally {
    await handle.close();
  }
}

/** Where the log ends: its newest record's seq and MAC, and the length of its complete lines. */
export interface AuditTail {
  seq: number;
  mac: string;
  completeLength: number;
}

/**
 * Appends events under the vault lock (the caller holds it) and returns the newest record.
 * A torn last line (a writer killed mid-append, so never acknowledged) is cut off first.
 */
export async function appendAuditEvents(
  path: string,
  auditKey: Buffer,
  events: readonly AuditEvent[],
  now: number,
): Promise<AuditAnchor | null> {
  if (events.length === 0) return null;
  const { seq, mac } = await appendAuditEventsAfter(path, auditKey, events, now);
  return { seq, mac };
}

/**
 * appendAuditEvents, given where the log ended after this holder's last append (so the tail
 * need not be read again while the lock has stayed held); a log whose length is not the one
 * known is read again, never cut to it. Returns the new tail.
 */
export async function appendAuditEventsAfter(
  path: string,
  auditKey: Buffer,
  events: readonly AuditEvent[],
  now: number,
  known?: AuditTail,
): Promise<AuditTail> {
  try {
    const handle = await fs.open(path, 'a+', 0o600);
    try {
      const { size } = await handle.stat();
      let tail = known && known.completeLength === size ? known : undefined;
      if (!tail) {
        const { last, completeLength } = await readTail(path);
        tail = { seq: last?.seq ?? 0, mac: last?.mac ?? GENESIS_MAC, completeLength };
      }
      let seq = tail.seq;
      let prev = tail.mac;
      const lines: string[] = [];
      for (const event of events) {
        seq += 1;
        const unsigned = {
          seq,
          time: new Date(now).toISOString(),
          operation: event.operation,
          key_id: event.key_id ?? null,
          key_version: event.key_version ?? null,
          outcome: event.outcome,
          error_code: event.error_code ?? null,
          detail: event.detail ?? null,
          // Only records that carry it have the field, so records written before it keep their MACs.
          ...(event.edks_tried === undefined ? {} : { edks_tried: event.edks_tried }),
          prev,
        };
        const mac = recordMac(auditKey, unsigned);
        lines.push(JSON.stringify({ ...unsigned, mac }));
        prev = mac;
      }
      const text = `${lines.join('\n')}\n`;
      if (size !== tail.completeLength) await handle.truncate(tail.completeLength);
      await handle.appendFile(text);
      await handle.sync();
      return { seq, mac: prev, completeLength: tail.completeLength + Buffer.byteLength(text) };
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof CofferError) throw error;
    throw new CofferError(
      'COFFER.1016',
      `The audit log (${path}) could not be written: ${(error as Error).message}. Nothing was changed; check the disk and the file's permissions.`,
    );
  }
}

export async function lastAuditAnchor(path: string): Promise<AuditAnchor | null> {
  try {
    const { last } = await readTail(path);
    return last ? { seq: last.seq, mac: last.mac } : null;
  } catch {
    return null;
  }
}

export interface AuditVerification {
  records: AuditRecord[];
  chain_verified: boolean;
  problems: string[];
}

/** Reads every record and checks the whole chain, and that the vault's anchor is still in it. */
export async function readAuditLog(path: string, auditKey: Buffer, anchor: AuditAnchor | null): Promise<AuditVerification> {
  let text = '';
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const problems: string[] = [];
  const records: AuditRecord[] = [];
  const lines = text.split('\n');
  const torn = lines.pop();
  if (torn) problems.push('the last line is incomplete (a write was interrupted)');
  let prev = GENESIS_MAC;
  let expectedSeq = 1;
  lines.forEach((line, index) => {
    let record: AuditRecord;
    try {
      record = AuditRecordSchema.parse(JSON.parse(line));
    } catch {
      problems.push(`line ${index + 1} is not a valid audit record`);
      return;
    }
    records.push(record);
    const { mac, ...unsigned } = record;
    if (record.seq !== expectedSeq) problems.push(`record ${record.seq} stands where record ${expectedSeq} should`);
    if (!macEquals(record.prev, prev)) problems.push(`record ${record.seq} does not follow the record before it`);
    if (!macEquals(mac, recordMac(auditKey, unsigned))) problems.push(`record ${record.seq} was altered`);
    prev = mac;
    expectedSeq = record.seq + 1;
  });
  if (anchor && anchor.seq > 0) {
    const anchored = records.find((r) => r.seq === anchor.seq);
    if (!anchored || !macEquals(anchored.mac, anchor.mac)) {
      problems.push(`record ${anchor.seq}, which the vault file last saw, is missing or altered (records were removed)`);
    }
  }
  return { records, chain_verified: problems.length === 0, problems };
}
