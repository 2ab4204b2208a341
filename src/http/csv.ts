// CSV as spreadsheets read it: RFC 4180 quoting, CRLF line ends, and no cell a spreadsheet would
// run as a formula (a description starting "=" is shown, not evaluated).

function csvCell(value: string): string {
  // A plain number, negative or not, is data: left as it is so that it sums.
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const toCsv = (rows: readonly (readonly string[])[]): string => rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
