import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { kindOf, reason, type Reason, type Validation } from './reasons';

type Shape<R extends t.Props, O extends t.Props> = { [K in keyof R]: t.TypeOf<R[K]> } & {
  [K in keyof O]?: t.TypeOf<O[K]>;
};

const normalizeKey = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, '');

const unknownFieldMessage = (key: string, allowed: readonly string[]): string => {
  const near = allowed.find((a) => normalizeKey(a) === normalizeKey(key));
  const hint = near === undefined ? `allowed fields: ${allowed.join(', ')}` : `did you mean '${near}'?`;
  return `unknown field (${hint})`;
};

/**
 * An io-ts codec for a JSON object with required and optional fields that rejects any other field by
 * name, and reports a missing field as such (io-ts' own `type` ignores extra fields).
 */
export const strictObject = <R extends t.Props, O extends t.Props>(
  name: string,
  required: R,
  optional: O,
): t.Type<Shape<R, O>, unknown, unknown> & { readonly allowed: readonly string[] } => {
  const allowed = [...Object.keys(required), ...Object.keys(optional)];
  const validate: t.Validate<unknown, Shape<R, O>> = (u, c) => {
    if (typeof u !== 'object' || u === null || Array.isArray(u))
      return t.failure(u, c, `must be a JSON object, got ${kindOf(u)}`);
    const record = u as Record<string, unknown>;
    const errors: t.ValidationError[] = [];
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key))
        errors.push({
          value: record[key],
          context: [...c, { key, type: t.unknown, actual: record[key] }],
          message: unknownFieldMessage(key, allowed),
        });
    }
    const check = (key: string, field: t.Mixed, isRequired: boolean): void => {
      const present = Object.hasOwn(record, key);
      if (!present) {
        if (isRequired)
          errors.push({ value: undefined, context: [...c, { key, type: field }], message: 'is required' });
        return;
      }
      const result = field.validate(record[key], t.appendContext(c, key, field, record[key]));
      if (E.isLeft(result)) errors.push(...result.left);
      else out[key] = result.right;
    };
    for (const [key, field] of Object.entries(required)) check(key, field, true);
    for (const [key, field] of Object.entries(optional)) check(key, field, false);
    return errors.length > 0 ? t.failures(errors) : t.success(out as Shape<R, O>);
  };
  return Object.assign(
    new t.Type<Shape<R, O>, unknown, unknown>(
      name,
      (u): u is Shape<R, O> => E.isRight(validate(u, [])),
      validate,
      t.identity,
    ),
    { allowed },
  );
};

const PRIMITIVE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  UnknownArray: 'an array',
};

const pathOf = (context: t.Context): string => {
  let path = '';
  context.forEach((entry, i) => {
    if (entry.key === '') return;
    const parent = context[i - 1]?.type;
    if (parent instanceof t.ArrayType) path += `[${entry.key}]`;
    else path += path === '' ? entry.key : `.${entry.key}`;
  });
  return path;
};

/** Turns io-ts errors into precise reasons (field path + what was wrong), never the io-ts default dump. */
export const toReasons = (errors: t.Errors, prefix = ''): Reason[] =>
  errors.map((error) => {
    const path = pathOf(error.context);
    const full = prefix === '' ? path : path === '' ? prefix : `${prefix}.${path}`;
    if (error.message !== undefined) return reason(full, error.message);
    const expected = error.context[error.context.length - 1]?.type.name ?? 'a valid value';
    return reason(full, `must be ${PRIMITIVE_NAMES[expected] ?? expected}, got ${kindOf(error.value)}`);
  });

/** Decodes with an io-ts codec into a Validation of precise reasons. */
export const decodeWith =
  <A>(codec: t.Decoder<unknown, A>, prefix = '') =>
  (u: unknown): Validation<A> => {
    const result = codec.decode(u);
    if (E.isRight(result)) return result;
    const reasons = toReasons(result.left, prefix);
    const [first, ...rest] = reasons;
    return E.left(first === undefined ? [reason(prefix, 'is invalid')] : [first, ...rest]);
  };

/** A JSON object of any fields. */
export const jsonObject = new t.Type<Record<string, unknown>, unknown, unknown>(
  'a JSON object',
  (u): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u),
  (u, c) =>
    typeof u === 'object' && u !== null && !Array.isArray(u)
      ? t.success(u as Record<string, unknown>)
      : t.failure(u, c, `must be a JSON object, got ${kindOf(u)}`),
  t.identity,
);
