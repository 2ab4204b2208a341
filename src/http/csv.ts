// CSV as spreadsheets read it, and the only place Hearth writes it: RFC 4180 quoting, CRLF line
// ends, a UTF-8 byte-order mark (without it Excel on Windows reads "Zoë" and "£" as another code
// page), one table to a file with exactly one header row, and no cell a spreadsheet would run as a
// formula (a description starting "=" is shown, not evaluated).
import type { FastifyReply } from 'fastify';
import { z } from 'zod';

/** A table as a spreadsheet shows it: the header row first, then one row per line. */
export type CsvTable = readonly (readonly string[])[];

const BOM = '\uFEFF';

function csvCell(value: string): string {
  // A plain number, negative or not, is data: left as it is so that it sums.
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const toCsv = (rows: CsvTable): string => BOM + rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';

/**
 * A download of one table. Every export names people or their money, so no shared cache or
 * browser history keeps a copy.
 */
export function sendCsv(reply: FastifyReply, filename: string, rows: CsvTable) {
  reply.header('content-disposition', `attachment; filename="${filename}.csv"`);
  reply.header('cache-control', 'no-store');
  return reply.type('text/csv; charset=utf-8').send(toCsv(rows));
}

/** Which of an export's tables to download (`?table=`); the first when left out. */
export function csvTable<T extends string>(names: readonly [T, ...T[]]) {
  return z.enum(names as [T, ...T[]]).default(names[0] as never).describe(`With format=csv, the one table to download: ${names.join(', ')}`);
}

/** One table of an export that holds several, its name in the file's name. */
export function sendCsvTable<T extends string>(reply: FastifyReply, filename: string, tables: Record<T, CsvTable>, table: T) {
  return sendCsv(reply, `${filename}-${table}`, tables[table]);
}
