// A bare AMI connection for benchmarks: the floor the engine is measured against. One TCP socket,
// Login with events off, then actions matched by ActionID. No library, nothing the engine uses.
import { connect, type Socket } from 'node:net';

export class BareAmi {
  #buf = '';
  #seq = 0;
  readonly #waiting = new Map<string, (fields: Map<string, string>) => void>();

  private constructor(private readonly sock: Socket) {
    sock.setNoDelay(true);
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      this.#buf += chunk;
      let end: number;
      while ((end = this.#buf.indexOf('\r\n\r\n')) >= 0) {
        const message = this.#buf.slice(0, end);
        this.#buf = this.#buf.slice(end + 4);
        const fields = new Map<string, string>();
        for (const line of message.split('\r\n')) {
          const i = line.indexOf(':');
          if (i > 0) fields.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
        }
        const id = fields.get('actionid');
        const w = id === undefined ? undefined : this.#waiting.get(id);
        if (w && fields.has('response')) {
          this.#waiting.delete(id!);
          w(fields);
        }
      }
    });
  }

  static async login(host: string, port: number, user: string, secret: string): Promise<BareAmi> {
    const sock = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bare AMI: no connection in 5 s')), 5_000);
      sock.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      sock.once('error', reject);
    });
    const ami = new BareAmi(sock);
    const r = await ami.action('Login', { Username: user, Secret: secret, Events: 'off' });
    if (r.get('response') !== 'Success') throw new Error(`bare AMI login: ${r.get('message')}`);
    return ami;
  }

  /** Sends one action; resolves with its response's fields (5 s deadline). */
  action(name: string, fields: Record<string, string>): Promise<Map<string, string>> {
    const id = `b${++this.#seq}`;
    const lines = [
      `Action: ${name}`,
      `ActionID: ${id}`,
      ...Object.entries(fields).map(([k, v]) => `${k}: ${v}`),
    ];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`bare AMI: no response to ${name} in 5 s`));
      }, 5_000);
      this.#waiting.set(id, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
      this.sock.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}
