// Runs the npm `s3rver` (an S3-compatible server for tests) as its own process: on 127.0.0.1,
// port 0, storing under the directory given as argv[2] with one bucket per argv[3..]. Prints
// one JSON line {"port":N} when it listens; stops on SIGTERM. Started by test/helpers/s3rver.ts.
'use strict';
const S3rver = require('s3rver');

const [directory, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  directory,
  silent: process.env.S3RVER_LOG !== '1',
  configureBuckets: buckets.map((name) => ({ name })),
});
server.run().then(
  (address) => process.stdout.write(`${JSON.stringify({ port: address.port })}\n`),
  (err) => {
    process.stderr.write(`s3rver failed to start: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
process.on('SIGTERM', () => {
  server.close().finally(() => process.exit(0));
});
