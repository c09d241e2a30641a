// A FIAS record as the codec reads and writes it and the link works with it: a 2-letter record ID
// (LS, GI, PS …) and its fields by 2-character field ID ("IFC8 FIAS Interface Specification 2.20",
// "Record Format"). Field order carries no meaning on the wire; a Map keeps the order we write in.
export interface FiasRecord {
  readonly id: string;
  readonly fields: ReadonlyMap<string, string>;
}

export function fiasRecord(id: string, fields: Iterable<readonly [string, string]> = []): FiasRecord {
  return { id, fields: new Map(fields) };
}
