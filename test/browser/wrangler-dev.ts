import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A free loopback port, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface DevServer {
  readonly url: string;
  stop(): Promise<void>;
}

export interface DevOptions {
  /** Another Worker's wrangler config than the example app's. */
  readonly config?: string;
  /** Where its storage lives: the same folder again is a restart on the same state. Default: a fresh one. */
  readonly persistTo?: string;
}

/**
 * Starts the example app exactly as `npm start` does (wrangler dev on
 * 127.0.0.1), on a free port, and resolves once it serves requests.
 */
export async function startWranglerDev(timeoutMs = 60_000, options: DevOptions = {}): Promise<DevServer> {
  const port = await freePort();
  const persistTo = options.persistTo ?? mkdtempSync(join(tmpdir(), "wrangler-dev-"));
  const child: ChildProcess = spawn(
    "node_modules/.bin/wrangler",
    [
      "dev",
      ...(options.config === undefined ? [] : ["--config", options.config]),
      ...["--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort()), "--persist-to", persistTo],
    ],
    {
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  // WRANGLER_DEV_LOG=<file> keeps everything wrangler printed, for looking into a failure.
  const log = process.env.WRANGLER_DEV_LOG;
  const keep = (chunk: Buffer) => {
    output += chunk;
    if (log) appendFileSync(log, chunk);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
    });

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output}`);
    // Any answer from the Worker, a guard's 401 included, means it serves requests.
    const up = await fetch(`${url}/scopes/probe/events`).then(
      (r) => r.status < 500,
      () => false,
    );
    if (up) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not serve ${url} within ${timeoutMs} ms:\n${output}`);
}
