// RESP with ioredis: any command goes through redis.call(name, ...args).
// Usage: node hit.js [PORT]   (or LIMITSD_PORT; LIMITSD_HOST defaults to 127.0.0.1)
const Redis = require("ioredis");

const port = Number(process.argv[2] || process.env.LIMITSD_PORT || 7400);
const host = process.env.LIMITSD_HOST || "127.0.0.1";

async function main() {
  // Fail fast instead of reconnecting forever when the daemon is not there.
  const redis = new Redis({ host, port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    const [allowed, limit, remaining, resetMs, retryMs] = await redis.call("HIT", "api", "user42");
    console.log(`allowed=${allowed} limit=${limit} remaining=${remaining} ` +
                `reset_ms=${resetMs} retry_ms=${retryMs}`);

    // Pipelined: both requests go out before either reply is read.
    const replies = await redis.pipeline()
      .call("HIT", "3/minute", "user42", 2)
      .call("TEST", "3/minute", "user42", 2)
      .exec();
    for (const [error, reply] of replies) console.log(error ? error.message : reply.join(" "));

    try {
      await redis.call("HIT", "nosuchlimit", "user42");
    } catch (error) {
      console.log(`ReplyError: ${error.message}`);  // ERR unknown_limit ...
    }
  } finally {
    redis.disconnect();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
