/**
 * How a reader agent reaches Temporal, so that the suite can cut it off. Preferred: the agent runs in
 * a network namespace of its own (`ip netns`), joined to this host by a veth pair; a socat forwarder
 * on the host's end of the pair relays to the frontend on 127.0.0.1. Cutting the network takes the
 * veth link down: packets vanish, no connection is refused or reset, as when a cable is pulled.
 * Without the rights for namespaces the agent talks to a forwarder on loopback, and the cut kills
 * the forwarder (connections reset, new ones refused): said so in the report.
 */
import { execFileSync } from 'node:child_process';
import type { ChildProcesses, StartedChild } from './child-processes';

export type ReaderNetworkKind = 'network-namespace' | 'loopback-forwarder';

export interface ReaderNetwork {
  readonly kind: ReaderNetworkKind;
  /** The frontend address as the agent sees it. */
  readonly temporalAddress: string;
  /** The command line that runs `command` inside this network. */
  wrap(command: string, args: readonly string[]): [string, string[]];
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

const NAMESPACE_PREFIX = 'pfchaos-';

function ip(args: readonly string[]): string {
  return execFileSync('ip', [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Whether this process may create network namespaces and veth pairs (root, or CAP_NET_ADMIN + CAP_SYS_ADMIN). */
export function networkNamespacesAvailable(): { ok: true } | { ok: false; why: string } {
  const probe = `${NAMESPACE_PREFIX}${process.pid}-probe`;
  try {
    ip(['netns', 'add', probe]);
    ip(['netns', 'del', probe]);
    return { ok: true };
  } catch (err) {
    const stderr = (err as { stderr?: Buffer | string }).stderr?.toString().trim();
    return { ok: false, why: stderr || (err as Error).message };
  }
}

/** Namespaces left by an earlier run of the suite that was killed before it could clean up. */
export function removeStaleNamespaces(): void {
  let list = '';
  try {
    list = ip(['netns', 'list']);
  } catch {
    return;
  }
  for (const line of list.split('\n')) {
    const m = new RegExp(`^(${NAMESPACE_PREFIX}(\\d+)-\\S+)`).exec(line.trim());
    if (!m) continue;
    const owner = Number(m[2]);
    let alive = true;
    try {
      process.kill(owner, 0);
    } catch {
      alive = false;
    }
    if (!alive) {
      try {
        ip(['netns', 'del', m[1]]);
      } catch {
        /* already gone */
      }
    }
  }
}

/** A /30 in 10.240.0.0/12 that no interface of this host uses yet. */
function freeSubnet(index: number): { host: string; agent: string } {
  const used = ip(['-o', '-4', 'addr', 'show']);
  for (let attempt = 0; attempt < 200; attempt++) {
    const b = 240 + ((process.pid + attempt) % 15);
    const c = (process.pid * 7 + index * 13 + attempt * 31) % 256;
    const d = ((index + attempt) % 64) * 4;
    const host = `10.${b}.${c}.${d + 1}`;
    const agent = `10.${b}.${c}.${d + 2}`;
    if (!used.includes(` ${host}/`) && !used.includes(` ${agent}/`)) return { host, agent };
  }
  throw new Error('no free /30 found in 10.240.0.0/12 for the reader network');
}

async function startForwarder(children: ChildProcesses, name: string, bind: string, port: number, frontendPort: number, logFile: string): Promise<StartedChild> {
  const child = await children.spawn(name, 'socat', ['-d', '-d', `TCP-LISTEN:${port},bind=${bind},fork,reuseaddr`, `TCP:127.0.0.1:${frontendPort}`], {
    env: process.env,
    logFile,
  });
  // socat says nothing on stdout; it listens within milliseconds, and a client that comes early retries.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return child;
}

export async function openReaderNetwork(options: {
  readonly children: ChildProcesses;
  readonly index: number;
  readonly frontendPort: number;
  readonly forwarderPort: number;
  readonly logFile: string;
  readonly useNamespace: boolean;
}): Promise<ReaderNetwork> {
  const { children, index, frontendPort, forwarderPort, logFile } = options;
  if (!options.useNamespace) {
    let forwarder = await startForwarder(children, `forwarder-${index}`, '127.0.0.1', forwarderPort, frontendPort, logFile);
    return {
      kind: 'loopback-forwarder',
      temporalAddress: `127.0.0.1:${forwarderPort}`,
      wrap: (command, args) => [command, [...args]],
      cut: async () => children.kill9(forwarder),
      restore: async () => {
        forwarder = await startForwarder(children, `forwarder-${index}`, '127.0.0.1', forwarderPort, frontendPort, logFile);
      },
      close: async () => children.kill9(forwarder),
    };
  }
  const namespace = `${NAMESPACE_PREFIX}${process.pid}-${index}`;
  const hostEnd = `pfc${process.pid % 1_000_000}h${index}`;
  const agentEnd = `pfc${process.pid % 1_000_000}a${index}`;
  const subnet = freeSubnet(index);
  ip(['netns', 'add', namespace]);
  try {
    ip(['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', agentEnd]);
    ip(['link', 'set', agentEnd, 'netns', namespace]);
    ip(['addr', 'add', `${subnet.host}/30`, 'dev', hostEnd]);
    ip(['link', 'set', hostEnd, 'up']);
    ip(['netns', 'exec', namespace, 'ip', 'addr', 'add', `${subnet.agent}/30`, 'dev', agentEnd]);
    ip(['netns', 'exec', namespace, 'ip', 'link', 'set', agentEnd, 'up']);
    ip(['netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (err) {
    ip(['netns', 'del', namespace]);
    throw err;
  }
  const forwarder = await startForwarder(children, `forwarder-${index}`, subnet.host, forwarderPort, frontendPort, logFile);
  return {
    kind: 'network-namespace',
    temporalAddress: `${subnet.host}:${forwarderPort}`,
    wrap: (command, args) => ['ip', ['netns', 'exec', namespace, command, ...args]],
    cut: async () => void ip(['link', 'set', hostEnd, 'down']),
    restore: async () => void ip(['link', 'set', hostEnd, 'up']),
    close: async () => {
      await children.kill9(forwarder);
      try {
        // Deleting the namespace deletes its end of the pair, and with it the host's end.
        ip(['netns', 'del', namespace]);
      } catch {
        /* already gone */
      }
      try {
        ip(['link', 'del', hostEnd]);
      } catch {
        /* gone with the namespace */
      }
    },
  };
}
