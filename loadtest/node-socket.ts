/**
 * Import this before @colyseus/sdk in a bot process. Node 22's built-in
 * WebSocket (undici) cannot cut a connection without a close frame, which the
 * reconnect storm needs, and the SDK falls back to the `ws` package only when
 * no global WebSocket exists. `ws` is also what the SDK uses on older Node.
 * Only bot worker processes import this: a Colyseus server in the same
 * process needs the global.
 */
Reflect.deleteProperty(globalThis, "WebSocket");
