// Node module hooks (registered by register.mjs): the specifier 'electron' resolves to the stand-in.
// Delegated to the next resolver (tsx), so control.ts's `./electron.js` and main.js's 'electron' are the
// same module instance.
const STANDIN = new URL('./electron.ts', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron') return nextResolve(STANDIN, context);
  return nextResolve(specifier, context);
}
