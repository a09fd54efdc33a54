/**
 * The README's own set-up commands, read from its "## Try it" section: the first ```sh block there, one
 * command a line, `# …` comments dropped. The demo e2e test runs exactly these, so a change to the
 * README's first-run instructions is a change to what the test runs (or a failure saying what changed).
 */

/** A command the test can split into argv without a shell: words of plain characters, no quoting. */
const PLAIN = /^[\w@%+=:,./-]+(?: [\w@%+=:,./-]+)*$/;

export function readmeSetupCommands(readme: string, section = 'Try it'): string[][] {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${section}`);
  if (start < 0) throw new Error(`README.md has no "## ${section}" section`);
  const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  const body = lines.slice(start + 1, end < 0 ? undefined : end);
  const open = body.findIndex((l) => /^```(sh|bash|shell)\s*$/.test(l.trim()));
  if (open < 0) throw new Error(`README.md "## ${section}" has no \`\`\`sh block`);
  const close = body.findIndex((l, i) => i > open && l.trim() === '```');
  if (close < 0) throw new Error(`README.md "## ${section}": the \`\`\`sh block is not closed`);
  return body
    .slice(open + 1, close)
    .map((l, i) => ({ text: l.replace(/(^|\s)#.*$/, '').trim(), line: start + 2 + open + i + 1 }))
    .filter((c) => c.text !== '')
    .map((c) => {
      if (!PLAIN.test(c.text))
        throw new Error(`README.md line ${c.line}: "${c.text}" is not a plain command the test can run`);
      return c.text.split(' ');
    });
}
