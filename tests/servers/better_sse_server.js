// Server-sent events from better-sse (npm) on Node's http module, for
// tests/tests/sse_servers.rs. Run: node better_sse_server.js PORT. The routes are those of
// sse_starlette_app.py; it prints `listening` once it accepts connections.
"use strict";

const http = require("http");
const { createSession } = require("better-sse");

const seen = [];
let disconnects = 0;
// Strings as they are (the sanitizer splits lines into `data:` fields), anything else as JSON.
const serializer = (data) => (typeof data === "string" ? data : JSON.stringify(data));

const routes = {
  "/completion": async (req, res) => {
    const session = await createSession(req, res, { serializer, keepAlive: null });
    ["Hello", ",", " world", "!"].forEach((text, i) => session.push({ text }, "message", String(i + 1)));
    session.push("[DONE]");
    res.end();
  },
  "/multiline": async (req, res) => {
    const session = await createSession(req, res, { serializer, keepAlive: null });
    session.push("line one\nline two", "note");
    res.end();
  },
  "/many": async (req, res) => {
    const session = await createSession(req, res, { serializer, keepAlive: null });
    for (let n = 1; n <= 10000; n++) session.push({ n }, "message", String(n));
    res.end();
  },
  "/resume": async (req, res) => {
    const last = req.headers["last-event-id"];
    seen.push(last === undefined ? null : last);
    if (last !== undefined && last !== "3") {
      res.writeHead(204).end();
      return;
    }
    const session = await createSession(req, res, { serializer, keepAlive: null, retry: 10 });
    const numbers = last === undefined ? [1, 2, 3] : [4, 5];
    for (const n of numbers) session.push({ n }, "message", String(n));
    res.end();
  },
  "/hold": async (req, res) => {
    const session = await createSession(req, res, { serializer, keepAlive: null });
    session.on("disconnected", () => { disconnects += 1; });
    session.push({ n: 1 });
  },
  "/seen": (req, res) => json(res, seen),
  "/disconnects": (req, res) => json(res, disconnects),
};

function json(res, value) {
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
}

const server = http.createServer((req, res) => {
  const route = routes[new URL(req.url, "http://localhost").pathname];
  if (route) route(req, res);
  else res.writeHead(404).end();
});
server.listen(Number(process.argv[2]), "127.0.0.1", () => console.log("listening"));
