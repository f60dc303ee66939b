// The one line every benchmarked server prints once it listens; the harness
// reads the port from it (the generated server prints the same line).

/** @param {import('node:net').AddressInfo | string | null} address */
export function announce(address) {
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  console.log(`Listening on http://127.0.0.1:${address.port} (${process.env.NODE_ENV}, pid ${process.pid})`);
}

/** The scenario a contender serves: `node bench/servers/<x>.js <mode> [argument]`. */
export const [mode = 'hello', argument = ''] = process.argv.slice(2);
