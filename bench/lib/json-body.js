// The 1 KiB request bodies of scenario 3. The JSON one: a list of small objects,
// padded to exactly 1,024 bytes.

export function jsonBody1KiB() {
  const items = [];
  for (let i = 0; JSON.stringify({ items }).length < 900; i++) items.push({ id: i, name: `item ${i}`, tags: ['a', 'b'] });
  const base = JSON.stringify({ items, note: '' });
  const body = JSON.stringify({ items, note: 'x'.repeat(1024 - base.length) });
  if (Buffer.byteLength(body) !== 1024) throw new Error(`JSON body is ${Buffer.byteLength(body)} bytes, expected 1024`);
  return { body, items: items.length };
}

// The 1 KiB URL-encoded form of scenario 3: 24 short fields, the last one
// padded so the body is exactly 1,024 bytes.
export function formBody1KiB() {
  const fields = new URLSearchParams();
  for (let i = 0; i < 23; i++) fields.append(`field${i}`, `value ${i} & more`);
  const base = `${fields.toString()}&note=`;
  fields.append('note', 'x'.repeat(1024 - base.length));
  const body = fields.toString();
  if (Buffer.byteLength(body) !== 1024) throw new Error(`form body is ${Buffer.byteLength(body)} bytes, expected 1024`);
  return { body, fields: 24 };
}
