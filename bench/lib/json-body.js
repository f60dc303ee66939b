// The 1 KiB JSON request body of scenario 3: a list of small objects,
// padded to exactly 1,024 bytes.

export function jsonBody1KiB() {
  const items = [];
  for (let i = 0; JSON.stringify({ items }).length < 900; i++) items.push({ id: i, name: `item ${i}`, tags: ['a', 'b'] });
  const base = JSON.stringify({ items, note: '' });
  const body = JSON.stringify({ items, note: 'x'.repeat(1024 - base.length) });
  if (Buffer.byteLength(body) !== 1024) throw new Error(`JSON body is ${Buffer.byteLength(body)} bytes, expected 1024`);
  return { body, items: items.length };
}
