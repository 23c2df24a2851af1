/**
 * A library loaded on first use instead of when the Functions app starts. Every instance loads the whole app
 * before its first invocation (a cold start), and each activity needs few of the heavy libraries: the
 * TypeScript compiler (9 MB), the vision's language model and the model's tokenizer together took 40% of the
 * app's load time. `load` must be a plain `require` of the library, so that the type says what it returns. Reading,
 * calling and `in` reach the library; nothing may write to it or list its keys through the proxy.
 */
export function lazyModule<T extends object>(load: () => T): T {
  let loaded: T | undefined;
  const module = () => (loaded ??= load());
  return new Proxy(function () {} as unknown as T, {
    get: (_target, key) => Reflect.get(module(), key),
    has: (_target, key) => Reflect.has(module(), key),
    apply: (_target, self, args) => Reflect.apply(module() as (...a: unknown[]) => unknown, self, args),
  });
}
