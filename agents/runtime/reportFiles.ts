import type { ArtifactFile } from '../../core/agent';
import type { ArtifactKind } from '../../core/artifactKinds';

/**
 * A document of one kind as two files: `<base>.md` for people and `<base>.json`, pretty-printed, for its readers.
 * The JSON comes last because a reader of the kind takes the newest artifact of it.
 */
export function markdownAndJson(
  base: string,
  kind: ArtifactKind,
  markdown: string,
  data: unknown,
): ArtifactFile[] {
  return [
    { path: `${base}.md`, kind, contentType: 'text/markdown', content: markdown },
    {
      path: `${base}.json`,
      kind,
      contentType: 'application/json',
      content: JSON.stringify(data, null, 2) + '\n',
    },
  ];
}
