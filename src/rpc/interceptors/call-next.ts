/**
 * callNext returns `next(req)`, or a rejected promise if `next` throws
 * before it returns one: what `await next(req)` inside an async function
 * sees, for interceptors written without one.
 *
 * Interceptors of the client stack run on every call, and on Node 20 every
 * promise an async function or an `await` makes also runs the
 * AsyncLocalStorage promise hooks of the process; a pass-through written as
 * a plain function that returns this promise, or chains one `then` onto it,
 * makes one to three promises fewer per call than `async`/`await`.
 */
export function callNext<Req, Res>(next: (req: Req) => Promise<Res>, req: Req): Promise<Res> {
  try {
    return next(req);
  } catch (error) {
    return Promise.reject(error);
  }
}
