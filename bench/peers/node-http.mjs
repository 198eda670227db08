// The node:http side shared by the two Node peers: the REST play route and start-up.
import http from "node:http";
import { bearerToken, errorBody, JSON_HEADERS } from "./core.mjs";

const NOT_FOUND = errorBody("not_found", "no such route");

/** An http.Server answering `POST /api/games/slot/spin` and `GET /health` from `core`. */
export function createRestServer(core) {
  return http.createServer((req, res) => {
    if (req.method === "POST" && req.url === "/api/games/slot/spin") {
      const chunks = [];
      req.on("data", (chunk) => chunks.push(chunk));
      req.on("end", () => {
        const { status, body } = core.play(bearerToken(req.headers.authorization), Buffer.concat(chunks).toString());
        res.writeHead(status, JSON_HEADERS).end(body);
      });
      return;
    }
    if (req.url === "/health") return void res.writeHead(200).end("ok");
    // Socket.IO attaches its own listener for /socket.io/ and leaves the rest to us.
    if (!req.url?.startsWith("/socket.io/")) res.writeHead(404, JSON_HEADERS).end(NOT_FOUND);
  });
}

/** Listens on 127.0.0.1 and prints the line the harness waits for. */
export function listen(server, port) {
  server.listen(port, "127.0.0.1", () => {
    console.log(`listening on http://127.0.0.1:${server.address().port}`);
  });
}
