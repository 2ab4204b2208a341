// TimeOverflow's reports as its Ruby code writes them: Ruby's CSV (a field is quoted when it holds
// a comma, a quote or a line break; an empty string is written as "" and a missing value as
// nothing), `created_at.to_s` dates, h:mm quantities, balances in seconds, and the "Download all"
// ZIP under English file names whatever the language of the headers.
import { zipSync, strToU8 } from 'fflate';

export type Cell = string | number | null;

export function rubyCsv(rows: Cell[][]): string {
  const field = (v: Cell) => {
    if (v === null) return '';
    const s = String(v);
    if (s === '') return '""';
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => r.map(field).join(',')).join('\n') + '\n';
}

/** The headers TimeOverflow writes, in three of the languages it ships (its locale files' words). */
export const headers = {
  en: {
    members: ['N', 'Name', 'Email', 'Phone', 'Alternative Phone', 'Created', 'Last login', 'Locale', 'Balance'],
    transfers: ['Date', 'From', 'To', 'Post', 'Quantity'],
    offers: ['', 'Offer', 'Tags', 'User', 'Created'],
    inquiries: ['', 'Request', 'Tags', 'User', 'Created'],
    inactive: "The user isn't active",
    deleted: 'The user no longer exists',
  },
  es: {
    // No locale file names the locale attribute: Rails humanizes it, in English.
    members: ['N', 'Nombre', 'Correo', 'Teléfono', 'Teléfono alternativo', 'Creado', 'Fecha último login', 'Locale', 'Balance'],
    transfers: ['Fecha', 'Origen', 'Destino', 'Anuncio', 'Cantidad'],
    offers: ['', 'Oferta', 'Etiquetas', 'Usuario', 'Creado'],
    inquiries: ['', 'Demanda', 'Etiquetas', 'Usuario', 'Creado'],
    inactive: 'El usuario no está activo',
    deleted: 'El usuario ya no existe',
  },
  eu: {
    members: ['N', 'Izena', 'Eposta', 'Telefonoa', 'Ordezko telefonoa', 'Sortua', 'Azken saioa', 'Locale', 'Balantzea'],
    // statistics.all_transfers.to holds a comma, so the header is quoted.
    transfers: ['Data', 'Jatorria', 'Helmuga, erabilera', 'Iragarkia', 'Kantitatea'],
    // activerecord.models.offer.one is written with a trailing space.
    offers: ['', 'Eskaintza ', 'Etiketak', 'Erabiltzailea', 'Sortua'],
    inquiries: ['', 'Eskaera', 'Etiketak', 'Erabiltzailea', 'Sortua'],
    inactive: 'Erabiltzailea ez dago erabilgarri',
    deleted: 'Erabiltzaile hau jada ez dago.',
  },
};

/** seconds_to_hm: hours unpadded, minutes two digits. */
export const hm = (minutes: number) => `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;

export function downloadAll(date: string, files: { members?: string; transfers?: string; offers?: string; inquiries?: string }): Buffer {
  const entries: Record<string, Uint8Array> = {};
  if (files.members) entries[`Members_${date}.csv`] = strToU8(files.members);
  if (files.transfers) entries[`Transfers_${date}.csv`] = strToU8(files.transfers);
  if (files.offers) entries[`Offers_${date}.csv`] = strToU8(files.offers);
  if (files.inquiries) entries[`Inquiries_${date}.csv`] = strToU8(files.inquiries);
  return Buffer.from(zipSync(entries));
}
