// The routes of scenario 2 (routing at scale): `count` routes, a third of
// them static, a third with one parameter and a third with two, all with the
// same handler (it answers `{"id": <the :id parameter, or "static">}`). The
// generated project gets the same formula written into its src/routes.js
// (scenarios/routing.js); the check before measuring proves they agree.

/** @param {number} i */
export function routePath(i) {
  return i % 3 === 0 ? `/api/r${i}/list` : i % 3 === 1 ? `/api/r${i}/:id` : `/api/r${i}/:id/items/:item`;
}

/**
 * Paths to request: the first, middle and last routes of the table and two
 * in between, so a router that scans its list in order pays for it.
 * @param {number} count
 */
export function targetPaths(count) {
  const indexes = [...new Set([0, Math.floor(count / 4), Math.floor(count / 2), Math.floor((3 * count) / 4), count - 1])];
  return indexes.map((i) => routePath(i).replace(':id', '42').replace(':item', '7'));
}
