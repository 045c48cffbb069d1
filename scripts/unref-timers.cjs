// Preloaded into the Prisma CLI: the wasm engine arms long timers that keep the process alive 10-60 s after
// its work is done (STACK.md, trap 3). Timers of 5 s or more no longer hold the event loop open.
const LONG_MS = 5000;
for (const name of ["setTimeout", "setInterval"]) {
  const original = globalThis[name];
  globalThis[name] = function patched(callback, delay, ...args) {
    const timer = original.call(this, callback, delay, ...args);
    if (typeof delay === "number" && delay >= LONG_MS && timer && typeof timer.unref === "function") timer.unref();
    return timer;
  };
}
