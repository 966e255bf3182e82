/**
 * Handler parameter types come from the declaration. The @ts-expect-error lines are checked
 * by the type gate (`tsc --noEmit` covers test/): if a misspelt parameter compiled, or a
 * typed value widened, tsc would fail on the now-unused directive.
 */
import { defineAgent, notImplemented, type Params } from '../../../lib/ocf';

const agent = defineAgent({
  name: 'Typed',
  version: '1.0',
  shortdesc: 's',
  longdesc: 'l',
  parameters: {
    name: { type: 'string', required: true, shortdesc: 'n', longdesc: 'n' },
    label: { type: 'string', shortdesc: 'l', longdesc: 'l' },
    count: { type: 'integer', default: 3, shortdesc: 'c', longdesc: 'c' },
    flag: { type: 'boolean', default: false, shortdesc: 'f', longdesc: 'f' },
    maybe: { type: 'boolean', shortdesc: 'm', longdesc: 'm' },
  },
  actions: {
    start: {
      timeout: 20,
      handler: async ({ params }) => {
        const name: string = params.name;
        const count: number = params.count;
        const flag: boolean = params.flag;
        const label: string | undefined = params.label;
        const maybe: boolean | undefined = params.maybe;
        // @ts-expect-error a misspelt parameter does not compile
        void params.nmae;
        // @ts-expect-error optional without default may be undefined
        const notNull: string = params.label;
        // @ts-expect-error integers are numbers, not strings
        const asString: string = params.count;
        void [name, count, flag, label, maybe, notNull, asString];
        return 'success';
      },
    },
    stop: { timeout: 20, handler: notImplemented('later') },
    'meta-data': { timeout: 5 },
  },
});

type TypedParams = Params<typeof agent.parameters>;

test('the declaration is returned unchanged and its types are derived', () => {
  const sample: TypedParams = { name: 'x', label: undefined, count: 1, flag: true, maybe: undefined };
  expect(Object.keys(agent.parameters)).toEqual(Object.keys(sample));
  expect(agent.actions.start?.timeout).toBe(20);
});

test('defineAgent rejects names that cannot be environment variables, and required-with-default', () => {
  const base = { version: '1', shortdesc: 's', longdesc: 'l', actions: { 'meta-data': { timeout: 5 } } };
  expect(() =>
    defineAgent({ ...base, name: 'Bad', parameters: { 'auth-url': { type: 'string', shortdesc: 'a', longdesc: 'a' } } }),
  ).toThrow(/auth-url/);
  expect(() =>
    defineAgent({
      ...base,
      name: 'Bad',
      parameters: { a: { type: 'string', required: true, default: 'x', shortdesc: 'a', longdesc: 'a' } },
    }),
  ).toThrow(/required but has a default/);
});
