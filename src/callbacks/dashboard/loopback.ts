import { isIP } from 'node:net';

/** Whether a socket's remote address is this machine: 127.0.0.0/8, ::1, or IPv4-mapped 127.x. */
export function isLoopbackAddress(address: string | undefined | null): boolean {
  if (!address) return false;
  let a = address.trim().toLowerCase();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  if (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4) a = a.slice(7);
  if (isIP(a) === 4) return a.split('.')[0] === '127';
  if (isIP(a) === 6) {
    // Expanded forms of ::1 (0:0:0:0:0:0:0:1) count too.
    const groups = a.split('::');
    const words =
      groups.length === 2 ? [...groups[0]!.split(':'), ...groups[1]!.split(':')].filter((w) => w !== '') : a.split(':');
    return (
      words.length > 0 && words.slice(0, -1).every((w) => /^0+$/.test(w)) && /^0*1$/.test(words[words.length - 1]!)
    );
  }
  return false;
}

/**
 * Whether a request's Host header names this machine. Checking it defeats DNS rebinding: a web page
 * on evil.example re-pointed at 127.0.0.1 still sends `Host: evil.example`.
 */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  const h = host.trim().toLowerCase();
  let name: string;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return false;
    name = h.slice(1, end);
  } else {
    name = h.replace(/:\d+$/, '');
  }
  return name === 'localhost' || name.endsWith('.localhost') || isLoopbackAddress(name);
}
