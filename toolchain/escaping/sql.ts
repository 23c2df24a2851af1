/**
 * A PostgreSQL string constant holding `text`. Quotes are doubled; when a backslash is present the constant is
 * written as an escape string (`E'...'`, backslashes doubled), which PostgreSQL reads the same way whatever
 * `standard_conforming_strings` is set to. NUL, which PostgreSQL text cannot hold, becomes U+FFFD.
 */
export function sqlString(text: string): string {
  const value = text.replaceAll('\u0000', '\ufffd').replace(/'/g, "''");
  return value.includes('\\') ? `E'${value.replace(/\\/g, '\\\\')}'` : `'${value}'`;
}

/**
 * A PostgreSQL identifier: a lower-case unquoted name when it is one and not a keyword, else a quoted identifier
 * with inner double quotes doubled.
 */
export function sqlIdentifier(name: string): string {
  if (name === '') throw new Error('an SQL identifier cannot be empty');
  if (/^[a-z_][a-z0-9_]*$/.test(name) && !sqlKeywords.has(name)) return name;
  return `"${name.replaceAll('\u0000', '\ufffd').replace(/"/g, '""')}"`;
}

/** PostgreSQL's reserved key words (and those reserved as column or type names), which need quoting. */
const sqlKeywords = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both case ' +
    'cast char character check coalesce collate collation column concurrently constraint create cross ' +
    'current_catalog current_date current_role current_schema current_time current_timestamp current_user dec ' +
    'decimal default deferrable desc distinct do else end except exists extract false fetch float for foreign ' +
    'freeze from full grant greatest group grouping having ilike in initially inner inout int integer intersect ' +
    'interval into is isnull join json lateral leading least left like limit localtime localtimestamp national ' +
    'natural nchar none normalize not notnull null nullif numeric offset on only or order out outer overlaps ' +
    'overlay placing position precision primary real references returning right row select session_user setof ' +
    'similar smallint some substring symmetric system_user table tablesample then time timestamp to trailing ' +
    'treat trim true union unique user using values varchar variadic verbose when where window with xmlattributes ' +
    'xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable'
  ).split(' '),
);
