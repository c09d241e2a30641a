// Self-signed certificates for the TLS tests, made by Debian's openssl (missing: the test fails).
import { execFile } from 'node:child_process';
import { join } from 'node:path';

function openssl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('openssl', args, { timeout: 30_000 }, (err, _out, stderr) =>
      err
        ? reject(new Error(`openssl ${args[0]} failed (is openssl installed?): ${err.message} ${stderr}`))
        : resolve(),
    ),
  );
}

/** `<dir>/<name>.crt` and `<dir>/<name>.key`: a self-signed certificate valid for `cn` and 127.0.0.1. */
export async function selfSigned(dir: string, name: string, cn: string): Promise<void> {
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    join(dir, `${name}.crt`),
    '-subj',
    `/CN=${cn}`,
    '-addext',
    `subjectAltName=DNS:${cn},IP:127.0.0.1`,
  ]);
}
