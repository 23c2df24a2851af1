/** Git's test for binary content: a NUL byte in the first 8000 bytes (what `git diff --numstat` shows as `-`). */
export function isBinary(content: Uint8Array): boolean {
  return content.subarray(0, 8000).includes(0);
}

/** Lines with their terminators, so a last line without a newline differs from the same line with one, as in git. */
function lines(content: Uint8Array): string[] {
  const text = Buffer.from(content).toString('latin1');
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * Lines added and removed from `before` to `after`, like `git diff --numstat`: the shortest edit script
 * (Myers' greedy algorithm), of which only the length is needed: with D edits, added - removed is the change in
 * line count and added + removed is D.
 */
export function lineChanges(before: Uint8Array, after: Uint8Array): { added: number; removed: number } {
  const ids = new Map<string, number>();
  const id = (line: string) => {
    let found = ids.get(line);
    if (found === undefined) ids.set(line, (found = ids.size));
    return found;
  };
  let a = lines(before).map(id);
  let b = lines(after).map(id);
  // Common head and tail never take part in an edit; trimming them keeps the search small.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end])
    end++;
  a = a.slice(start, a.length - end);
  b = b.slice(start, b.length - end);
  const n = a.length;
  const m = b.length;
  let edits = n + m;
  if (n > 0 && m > 0) {
    const max = n + m;
    const v = new Int32Array(2 * max + 2);
    search: for (let d = 0; d <= max; d++) {
      for (let k = -d; k <= d; k += 2) {
        let x =
          k === -d || (k !== d && v[max + k - 1] < v[max + k + 1]) ? v[max + k + 1] : v[max + k - 1] + 1;
        let y = x - k;
        while (x < n && y < m && a[x] === b[y]) {
          x++;
          y++;
        }
        v[max + k] = x;
        if (x >= n && y >= m) {
          edits = d;
          break search;
        }
      }
    }
  }
  return { added: (edits + m - n) / 2, removed: (edits - m + n) / 2 };
}
