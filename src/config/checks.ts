// Value checks shared by the configuration keys (schema.ts, feature-keys.ts): each returns a problem
// in words a technician can act on, or undefined.

export const digits =
  (min: number, max: number) =>
  (v: unknown): string | undefined =>
    new RegExp(`^\\d{${min},${max}}$`).test(String(v))
      ? undefined
      : min === 0
        ? `digits only, at most ${max}`
        : `${min} to ${max} digits`;

export const digitList = (v: unknown): string | undefined =>
  (v as string[]).every((x) => /^\d{1,16}$/.test(x)) ? undefined : 'a comma-separated list of digit strings';

export const sqlName = (v: unknown): string | undefined =>
  /^[A-Za-z0-9_]{1,64}$/.test(String(v)) ? undefined : 'letters, digits and _ only';

export const nonEmpty = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? undefined : 'must not be empty';
