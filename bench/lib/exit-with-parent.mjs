// Preloaded into every server the harness starts (bun --preload / node --import). The harness
// holds the other end of the server's stdin; if it dies without stopping the server (even by
// SIGKILL, which no handler sees), the pipe ends and the server leaves with it instead of
// lingering as an orphan that holds a port and thousands of sockets.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
