import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { backends, gql, useGateway, sharedDeployments, useSharedDeployment } from '../support/gateway.js';
import { pubsubListeners, sseSubscribe, untilListeners, wsClient } from '../support/subscriptions.js';

/** Rows 4 and 7 of the exposure review: frame size, subscriptions per socket, sockets per key; and row 14's silent timeline. */

const MAX_BODY_BYTES = 64 * 1024;

interface Message {
  type: string;
  id?: string;
  payload?: any;
}

/** A graphql-transport-ws connection spoken by hand, to see every message and the close code. */
class RawSocket {
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;
  private readonly messages: Message[] = [];
  private wake: (() => void) | null = null;

  constructor(url: string) {
    this.socket = new WebSocket(url, 'graphql-transport-ws');
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.socket.once('close', (code) => resolve(code)));
    this.socket.on('error', () => undefined);
    this.socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as Message);
      this.wake?.();
    });
  }

  send(message: Message): void {
    this.socket.send(JSON.stringify(message));
  }

  /** The next message matching `where` (others stay queued). */
  async next(where: (message: Message) => boolean = () => true): Promise<Message> {
    for (;;) {
      const index = this.messages.findIndex(where);
      if (index >= 0) return this.messages.splice(index, 1)[0];
      if (this.socket.readyState !== WebSocket.OPEN && this.socket.readyState !== WebSocket.CONNECTING) throw new Error('socket closed');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  async init(key: string): Promise<void> {
    await this.opened;
    this.send({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } });
    expect((await this.next()).type).toBe('connection_ack');
  }

  close(): void {
    this.socket.close();
  }
}

describe.each(backends)('WebSocket frame size on %s', (backend) => {
  const gateway = useGateway(backend, { MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
  let key: string;
  beforeAll(async () => {
    ({ key } = await gateway.createOrg(['read']));
  });

  it('closes with 1009 a frame just above MAX_BODY_BYTES, even before connection_init is accepted', async () => {
    const socket = new RawSocket(gateway.wsUrl);
    await socket.opened;
    const frame = JSON.stringify({ type: 'connection_init', payload: { padding: '' } });
    socket.socket.send(frame.replace('""', `"${'x'.repeat(MAX_BODY_BYTES + 1 - frame.length)}"`));
    expect(await socket.closed).toBe(1009);

    // A frame at the limit is taken.
    const fits = new RawSocket(gateway.wsUrl);
    await fits.opened;
    const init = JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}`, padding: '' } });
    fits.socket.send(init.replace('""', `"${'x'.repeat(MAX_BODY_BYTES - init.length)}"`));
    expect((await fits.next()).type).toBe('connection_ack');
    fits.close();
  });

  it('refuses a 90 MB frame from its header, without waiting for (or holding) the payload', async () => {
    const socket = net.connect(gateway.running.port, '127.0.0.1');
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => (received = Buffer.concat([received, chunk])));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      `GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n`,
    );
    while (!received.includes('\r\n\r\n')) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(received.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
    const handshakeLength = received.indexOf('\r\n\r\n') + 4;
    // FIN + text frame, masked, 64-bit length of 90 MB, a mask key: and no payload at all.
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(90n * 1024n * 1024n, 2);
    randomBytes(4).copy(header, 10);
    socket.write(header);
    await closed;
    const frame = received.subarray(handshakeLength);
    // The server's close frame: opcode 8, then the status code.
    expect(frame[0]).toBe(0x88);
    expect(frame.readUInt16BE(2)).toBe(1009);
  });
});

describe.each(backends)('subscriptions per socket and sockets per key on %s', (backend) => {
  // MAX_SUBSCRIPTIONS_PER_SOCKET stays at its default (100).
  const gateway = useGateway(backend, { MAX_SOCKETS_PER_KEY: '3' });
  let key: string;
  let incidentId: string;
  const opened: { close(): void }[] = [];
  beforeAll(async () => {
    ({ key } = await gateway.createOrg(['write']));
    const created = await gql(gateway, key, 'mutation { createIncident(input: { title: "Watched" }) { incident { id } } }');
    incidentId = created.data!.createIncident.incident.id;
  });
  afterEach(() => {
    for (const socket of opened.splice(0)) socket.close();
  });

  const open = async (withKey = key) => {
    const socket = new RawSocket(gateway.wsUrl);
    opened.push(socket);
    await socket.init(withKey);
    return socket;
  };
  const subscribe = (socket: RawSocket, id: string) =>
    socket.send({ id, type: 'subscribe', payload: { query: 'subscription ($id: ID!) { incidentTimeline(incidentId: $id) { sequence } }', variables: { id: incidentId } } });

  it('answers the 101st subscription of a socket with TOO_MANY_SUBSCRIPTIONS and keeps the socket', async () => {
    const before = await pubsubListeners(gateway);
    const socket = await open();
    for (let index = 1; index <= 100; index += 1) subscribe(socket, `s${index}`);
    await untilListeners(gateway, before + 100);
    subscribe(socket, 's101');
    const refused = await socket.next((message) => message.id === 's101');
    expect(refused.type).toBe('error');
    expect(refused.payload[0].extensions.code).toBe('TOO_MANY_SUBSCRIPTIONS');

    // The socket is still open and its subscriptions live: one completed makes room for another.
    socket.send({ id: 's1', type: 'complete' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    subscribe(socket, 's102');
    await untilListeners(gateway, before + 100);
    await gql(gateway, key, 'mutation ($id: ID!) { postIncidentUpdate(input: { incidentId: $id, body: "to all" }) { userErrors { code } } }', { id: incidentId });
    const update = await socket.next((message) => message.id === 's102');
    expect(update).toMatchObject({ type: 'next', payload: { data: { incidentTimeline: { sequence: expect.any(Number) } } } });
    expect(socket.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('closes the socket beyond MAX_SOCKETS_PER_KEY with 4429, counting per key', async () => {
    await Promise.all([open(), open(), open()]);
    const refused = new RawSocket(gateway.wsUrl);
    opened.push(refused);
    await refused.opened;
    refused.send({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } });
    expect(await refused.closed).toBe(4429);

    // Another key of the same organization has its own count.
    const { key: other } = await gateway.createOrg(['read']);
    await open(other);
    // A socket that closes gives its place back.
    const first = opened[0] as RawSocket;
    first.close();
    await first.closed;
    await open();
  });
});

describe.each(backends)('a timeline subscription of a deleted incident on %s', (backend) => {
  const gateway = useGateway(backend);
  let key: string;
  beforeAll(async () => {
    ({ key } = await gateway.createOrg(['write']));
  });

  it('completes when its incident is deleted, over WebSocket and SSE', async () => {
    const created = await gql(gateway, key, 'mutation { createIncident(input: { title: "Soon gone" }) { incident { id } } }');
    const id = created.data!.createIncident.incident.id as string;
    const before = await pubsubListeners(gateway);
    const ws = wsClient(gateway, key);
    const completed = new Promise<string>((resolve, reject) => {
      ws.client.subscribe({ query: 'subscription ($id: ID!) { incidentTimeline(incidentId: $id) { sequence } }', variables: { id } }, { next: () => undefined, error: reject, complete: () => resolve('complete') });
    });
    const sse = await sseSubscribe(gateway, key, 'subscription ($id: ID!) { incidentTimeline(incidentId: $id) { sequence } }', { id });
    try {
      const sseEnd = sse.next();
      await untilListeners(gateway, before + 2);
      const deleted = await gql(gateway, key, 'mutation ($id: ID!) { deleteIncident(input: { id: $id }) { deletedIncidentId userErrors { code } } }', { id });
      expect(deleted.data?.deleteIncident.deletedIncidentId).toBe(id);
      const timeout = new Promise((resolve) => setTimeout(() => resolve('still open'), 5000));
      expect(await Promise.race([completed, timeout])).toBe('complete');
      expect(await Promise.race([sseEnd, timeout])).toBeNull();
    } finally {
      sse.close();
      await ws.dispose();
    }
  });
});

// Two instances of one deployment (needs TEST_DATABASE_URL and TEST_REDIS_URL): the deletion reaches the other's subscribers.
describe.each(sharedDeployments)('a timeline subscription on another instance (%s)', (redisUrl) => {
  const [first, second] = useSharedDeployment(redisUrl);

  it('completes when the incident is deleted through the other instance', async () => {
    const { key } = await first.createOrg(['write']);
    const created = await gql(first, key, 'mutation { createIncident(input: { title: "Gone elsewhere" }) { incident { id } } }');
    const id = created.data!.createIncident.incident.id as string;
    const before = await pubsubListeners(second);
    const ws = wsClient(second, key);
    try {
      const completed = new Promise<string>((resolve, reject) => {
        ws.client.subscribe({ query: 'subscription ($id: ID!) { incidentTimeline(incidentId: $id) { sequence } }', variables: { id } }, { next: () => undefined, error: reject, complete: () => resolve('complete') });
      });
      await untilListeners(second, before + 1);
      await gql(first, key, 'mutation ($id: ID!) { deleteIncident(input: { id: $id }) { userErrors { code } } }', { id });
      expect(await Promise.race([completed, new Promise((resolve) => setTimeout(() => resolve('still open'), 5000))])).toBe('complete');
    } finally {
      await ws.dispose();
    }
  });
});
