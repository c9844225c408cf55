/**
 * @module web/diff
 * What changed between two ranked lists (the User page marks new items and moves after a
 * feedback event).
 */

/** What changed between two ranked lists: per id, "new" or the rank movement. */
export function diffRanks(
  before: string[] | undefined,
  after: string[],
): { tags: Map<string, string>; summary: string } {
  const tags = new Map<string, string>();
  if (!before) return { tags, summary: '' };
  const old = new Map(before.map((id, i) => [id, i]));
  let added = 0;
  let moved = 0;
  after.forEach((id, i) => {
    const j = old.get(id);
    if (j === undefined) {
      tags.set(id, 'new');
      added++;
    } else if (j !== i) {
      tags.set(id, j > i ? `↑${j - i}` : `↓${i - j}`);
      moved++;
    }
  });
  const gone = before.filter((id) => !after.includes(id)).length;
  const summary =
    added + moved + gone === 0
      ? 'The list did not change.'
      : `${added} new, ${moved} moved, ${gone} left the list.`;
  return { tags, summary };
}
