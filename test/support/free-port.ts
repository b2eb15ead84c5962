import { createServer, type AddressInfo } from 'node:net';

/** freePort asks the OS for a loopback port nobody listens on (for a process that cannot take port 0, such as a broker). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
