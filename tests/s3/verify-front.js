#!/usr/bin/env node
// A local S3 for tests that checks Signature Version 4 as AWS does.
//
// s3rver stores and serves objects but does not verify SigV4 signatures (it only looks the
// access key id up, and knows "S3RVER" alone). This script starts s3rver on 127.0.0.1 (an
// ephemeral port) and, in front of it, a proxy on another ephemeral port that recomputes every
// signed request's signature with AWS's own signer (@smithy/signature-v4) from the secret key
// configured for its access key id. A mismatch is answered 403 SignatureDoesNotMatch (an S3
// error document, as AWS sends it); a matching request, an unsigned one and one whose access
// key id the front does not know go to s3rver unchanged (so an unknown id meets s3rver's
// InvalidAccessKeyId).
//
//   node verify-front.js --directory DIR --region REGION --bucket NAME... --key ID:SECRET...
//
// Prints "port=N" on stdout once both listen, and exits when stdin closes (so it never outlives
// the test that started it) or on SIGTERM.
'use strict';

const crypto = require('crypto');
const http = require('http');
const S3rver = require('s3rver');
const { SignatureV4 } = require('@smithy/signature-v4');
const { Hash } = require('@smithy/hash-node');

function parseArgs(argv) {
  const options = { directory: undefined, region: 'us-east-1', buckets: [], keys: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--directory': options.directory = value; i++; break;
      case '--region': options.region = value; i++; break;
      case '--bucket': options.buckets.push(value); i++; break;
      case '--key': {
        const colon = value.indexOf(':');
        options.keys.set(value.slice(0, colon), value.slice(colon + 1));
        i++;
        break;
      }
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (!options.directory) throw new Error('--directory is required');
  return options;
}

function xmlEscape(text) {
  return String(text).replace(/[<>&'"]/g, c => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]);
}

function s3Error(res, status, code, message, extra = {}) {
  const fields = Object.entries(extra).map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`).join('');
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${fields}` +
    `<RequestId>verify-front</RequestId></Error>`;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

// "AWS4-HMAC-SHA256 Credential=ID/DATE/REGION/s3/aws4_request, SignedHeaders=a;b, Signature=HEX"
// (with or without the blanks after the commas).
function parseAuthorization(value) {
  const match = /^AWS4-HMAC-SHA256 (.*)$/.exec(value || '');
  if (!match) return undefined;
  const parts = new Map(match[1].split(',').map(p => {
    const [k, ...v] = p.trim().split('=');
    return [k, v.join('=')];
  }));
  const credential = parts.get('Credential');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (!credential || !signedHeaders || !signature) return undefined;
  return { accessKeyId: credential.split('/')[0], signedHeaders: signedHeaders.split(';'), signature };
}

function parseAmzDate(text) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text || '');
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

// The signature AWS would expect for this request, from the headers it says it signed.
async function expectedSignature(req, body, auth, secret, region) {
  const [rawPath, rawQuery = ''] = req.url.split(/\?(.*)/s);
  const query = {};
  for (const pair of rawQuery.split('&').filter(Boolean)) {
    const [name, ...rest] = pair.split('=');
    const key = decodeURIComponent(name);
    const value = decodeURIComponent(rest.join('='));
    if (key in query) query[key] = [].concat(query[key], value);
    else query[key] = value;
  }
  const headers = {};
  for (const name of auth.signedHeaders) {
    if (req.headers[name] !== undefined) headers[name] = req.headers[name];
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: secret },
    region,
    service: 's3',
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false,  // S3: the path is signed as sent, not encoded twice
    applyChecksum: false,
  });
  const signed = await signer.sign({
    method: req.method,
    protocol: 'http:',
    hostname: req.headers.host,
    path: rawPath,
    query,
    headers,
    body,
  }, { signingDate: parseAmzDate(req.headers['x-amz-date']) });
  return /Signature=([0-9a-f]+)/.exec(signed.headers.authorization)[1];
}

function forward(req, res, body, upstreamPort) {
  const headers = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    headers[name] = headers[name] === undefined ? req.rawHeaders[i + 1] : `${headers[name]}, ${req.rawHeaders[i + 1]}`;
  }
  const upstream = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers }, answer => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', err => s3Error(res, 502, 'BadGateway', err.message));
  upstream.end(body);
}

async function handle(req, res, body, options, upstreamPort) {
  const auth = parseAuthorization(req.headers.authorization);
  const secret = auth && options.keys.get(auth.accessKeyId);
  if (auth && secret !== undefined) {
    const declared = req.headers['x-amz-content-sha256'];
    if (declared !== 'UNSIGNED-PAYLOAD' &&
        declared !== crypto.createHash('sha256').update(body).digest('hex')) {
      return s3Error(res, 400, 'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    if (!parseAmzDate(req.headers['x-amz-date'])) {
      return s3Error(res, 403, 'AccessDenied', 'AWS authentication requires a valid x-amz-date header');
    }
    const expected = await expectedSignature(req, body, auth, secret, options.region);
    const provided = Buffer.from(auth.signature);
    if (provided.length !== expected.length ||
        !crypto.timingSafeEqual(provided, Buffer.from(expected))) {
      return s3Error(res, 403, 'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. ' +
        'Check your key and signing method.',
        { AWSAccessKeyId: auth.accessKeyId, SignatureProvided: auth.signature });
    }
  }
  forward(req, res, body, upstreamPort);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: options.directory,
    configureBuckets: options.buckets.map(name => ({ name })),
  });
  const upstream = await s3rver.run();

  const front = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks), options, upstream.port).catch(err => {
        if (!res.headersSent) s3Error(res, 500, 'InternalError', String(err && err.message));
      });
    });
  });
  await new Promise(resolve => front.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`port=${front.address().port}\n`);

  const stop = () => {
    front.close();
    s3rver.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
}

main().catch(err => {
  process.stderr.write(`verify-front: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
