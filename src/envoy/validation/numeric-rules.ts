// protoc-gen-validate's numeric rules (int32/uint32/.../double): const, in, not_in and range bounds.
import { isFieldSet, type DescMessage, type Message } from '@bufbuild/protobuf';
import { file_validate_validate } from '../../gen/validate/validate_pb.js';

const ruleSchemas = new Map<string, DescMessage>(file_validate_validate.messages.map((m) => [m.typeName, m]));

/** The fields every numeric rules message has. */
interface NumericRules extends Message {
  const: number | bigint;
  lt: number | bigint;
  lte: number | bigint;
  gt: number | bigint;
  gte: number | bigint;
  in: (number | bigint)[];
  notIn: (number | bigint)[];
}

/** Checks a number against a numeric rules message; appends violations to `out`. */
export const checkNumber = (value: number, rules: Message, path: string, out: string[]): void => {
  const schema = ruleSchemas.get(rules.$typeName);
  if (!schema) return;
  const r = rules as NumericRules;
  const bound = (name: 'const' | 'lt' | 'lte' | 'gt' | 'gte'): number | undefined => {
    const field = schema.field[name];
    return field && isFieldSet(rules as never, field) ? Number(r[name]) : undefined;
  };
  const exact = bound('const');
  if (exact !== undefined && value !== exact) out.push(`${path}: must equal ${exact}`);
  if (r.in.length > 0 && !r.in.map(Number).includes(value))
    out.push(`${path}: must be one of ${r.in.join(', ')}`);
  if (r.notIn.map(Number).includes(value)) out.push(`${path}: must not be ${value}`);

  const gt = bound('gt');
  const gte = bound('gte');
  const lt = bound('lt');
  const lte = bound('lte');
  const lower = gt ?? gte;
  const upper = lt ?? lte;
  const aboveLower = gt !== undefined ? value > gt : gte !== undefined ? value >= gte : true;
  const belowUpper = lt !== undefined ? value < lt : lte !== undefined ? value <= lte : true;
  const describe = () =>
    [
      gt !== undefined && `> ${gt}`,
      gte !== undefined && `>= ${gte}`,
      lt !== undefined && `< ${lt}`,
      lte !== undefined && `<= ${lte}`,
    ]
      .filter(Boolean)
      .join(lower !== undefined && upper !== undefined && upper < lower ? ' or ' : ' and ');
  // An upper bound below the lower bound means "outside the range" in protoc-gen-validate.
  const ok =
    lower !== undefined && upper !== undefined && upper < lower
      ? aboveLower || belowUpper
      : aboveLower && belowUpper;
  if (!ok) out.push(`${path}: must be ${describe()}, got ${value}`);
};
