/**
 * Synchronous clean-ups run when this process exits without its owner's stop() (an uncaught
 * error, process.exit): one 'exit' listener for all of them, whatever their number.
 */
const hooks = new Set<() => void>();
let installed = false;

/** Registers `hook`; returns the function that unregisters it. */
export function onProcessExit(hook: () => void): () => void {
  if (!installed) {
    installed = true;
    process.on('exit', () => {
      for (const h of hooks) {
        try {
          h();
        } catch {
          // an exit hook must not stop the others
        }
      }
    });
  }
  hooks.add(hook);
  return () => hooks.delete(hook);
}
