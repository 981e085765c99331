// Node's https as an agent would use it: CONNECT through pipelock, then an
// https.request over the tunnel, trusting the bottle's CA. Prints the status,
// then the body or the block reason.
const http = require('http');
const https = require('https');
const tls = require('tls');
const fs = require('fs');

const [proxyHost, proxyPort, host, port, path, caFile] = process.argv.slice(2);
const connect = http.request({host: proxyHost, port: proxyPort, method: 'CONNECT',
                              path: `${host}:${port}`});
connect.on('connect', (res, socket) => {
  if (res.statusCode !== 200) {
    console.log(`CONNECT ${res.statusCode}`);
    process.exit(2);
  }
  const req = https.request({
    host, port, path, method: 'GET',
    createConnection: () => tls.connect({socket, servername: host, ca: fs.readFileSync(caFile)}),
  }, (reply) => {
    let body = '';
    reply.on('data', (d) => { body += d; });
    reply.on('end', () => {
      const reason = reply.headers['x-pipelock-block-reason'];
      process.stdout.write(`${reply.statusCode} ${reason !== undefined ? reason : body}`);
    });
  });
  req.on('error', (e) => { console.log(`error: ${e.message}`); process.exit(3); });
  req.end();
});
connect.on('error', (e) => { console.log(`error: ${e.message}`); process.exit(3); });
connect.end();
