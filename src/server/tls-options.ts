// The TLS listener's certificate, key and CA, read when the engine starts (tls.* keys). Every failure
// is a ConfigError naming the key and the file, like the configuration's own checks: a technician
// fixes a path or a permission, not a stack trace.
import { readFileSync } from 'node:fs';
import { createSecureContext, type TlsOptions } from 'node:tls';
import type { Config } from '../config/index.js';
import { ConfigError } from '../errors.js';

/** A client that has not finished its handshake in this time is dropped (node's default is 120 s). */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export function tlsOptions(tls: Config['tls']): TlsOptions {
  const read = (key: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError([`${key}: ${path} cannot be read: ${(err as Error).message}`]);
    }
  };
  const cert = read('tls.certFile', tls.certFile);
  const key = read('tls.keyFile', tls.keyFile);
  const ca = tls.caFile ? read('tls.caFile', tls.caFile) : undefined;
  const options: TlsOptions = {
    cert,
    key,
    ca,
    minVersion: 'TLSv1.2',
    requestCert: tls.requireClientCert,
    rejectUnauthorized: tls.requireClientCert,
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
  };
  try {
    // Fails here, at start, on a file that is not PEM or a key that does not match the certificate;
    // otherwise the first client would find out.
    createSecureContext(options);
  } catch (err) {
    throw new ConfigError([
      `tls.certFile ${tls.certFile}, tls.keyFile ${tls.keyFile}${ca ? `, tls.caFile ${tls.caFile}` : ''}: not a usable PEM certificate and matching key: ${(err as Error).message}`,
    ]);
  }
  return options;
}
