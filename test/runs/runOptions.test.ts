import { parseRunOptions } from '../../runs/runOptions';

describe('run options', () => {
  const saved = process.env.FACTORY_MODEL;
  afterEach(() => {
    if (saved === undefined) delete process.env.FACTORY_MODEL;
    else process.env.FACTORY_MODEL = saved;
  });

  it('give a run without a model the one FACTORY_MODEL names, else the blueprint', () => {
    delete process.env.FACTORY_MODEL;
    expect(parseRunOptions({}).model).toBe('blueprint');
    process.env.FACTORY_MODEL = 'azure-openai';
    expect(parseRunOptions({}).model).toBe('azure-openai');
    expect(parseRunOptions({ model: 'blueprint' }).model).toBe('blueprint');
    process.env.FACTORY_MODEL = '  ';
    expect(parseRunOptions(undefined).model).toBe('blueprint');
  });

  it('refuse what a person may not ask for', () => {
    expect(() => parseRunOptions({ iterations: 6 })).toThrow();
    expect(() => parseRunOptions({ approvals: ['nonsense'] })).toThrow();
    expect(() => parseRunOptions({ extra: true })).toThrow();
  });
});
