/**
 * @module Reading the hub's CSV and XLSX exports back in tests, as a spreadsheet would: the CSV's
 * byte-order mark is dropped, fields are RFC 4180 (quotes, commas and line breaks inside quotes),
 * and rows become header → cell records.
 */
import ExcelJS from 'exceljs';

/** RFC 4180 parsing, enough for the tests: quoted fields with commas, quotes and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let isQuoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index]!;
    if (isQuoted) {
      if (character === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (character === '"') isQuoted = false;
      else field += character;
    } else if (character === '"') isQuoted = true;
    else if (character === ',') {
      row.push(field);
      field = '';
    } else if (character === '\r' && text[index + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      index += 1;
    } else field += character;
  }
  // A last line without its line break still counts.
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

/** A CSV export's rows as header → cell text (the byte-order mark Excel needs is dropped first). */
export function csvRecords(bytes: Buffer | string): Record<string, string>[] {
  const text = (typeof bytes === 'string' ? bytes : bytes.toString('utf8')).replace(/^\uFEFF/, '');
  const [header, ...rows] = parseCsv(text);
  return rows.map((row) => Object.fromEntries(header!.map((name, index) => [name, row[index] ?? ''])));
}

/** The first sheet of an XLSX export as header → cell value (dates come back as Date). */
export async function xlsxRecords(bytes: Buffer): Promise<Record<string, unknown>[]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0]!;
  const header = (sheet.getRow(1).values as unknown[]).slice(1) as string[];
  const records: Record<string, unknown>[] = [];
  sheet.eachRow((row, index) => {
    if (index === 1) return;
    const values = (row.values as unknown[]).slice(1);
    records.push(Object.fromEntries(header.map((name, column) => [name, values[column] ?? null])));
  });
  return records;
}
