import type { SeededRandom } from './seededRandom';

/**
 * Markdown made up from a seed. `honestMarkdown` is what people write (a long report: sections,
 * paragraphs with some formatting and links, lists, quotes, code, tables), for checking that
 * large honest content still converts. `trickyMarkdown` packs in the constructs that span lines
 * and blank lines (fenced code and HTML blocks holding blank lines, loose and nested lists, lazy
 * continuation lines, runs of blank lines, link reference definitions used far away, duplicate
 * definitions), for checking that parsing in pieces reads exactly like parsing the whole.
 */

const WORDS = (
  'the server keeps every document on disk and sends each change to everyone editing it while the ' +
  'history records who changed what and when a version was named restored or compared with another ' +
  'quarterly report budget meeting notes design review customer feedback release plan milestone ' +
  'latency throughput backlog roadmap onboarding invoice contract draft summary appendix'
).split(' ');

function sentence(random: SeededRandom): string {
  const words = Array.from({ length: random.int(5, 16) }, () => random.pick(WORDS));
  for (let i = 0; i < words.length; i++) {
    if (!random.chance(0.08)) continue;
    const style = random.pick(['**', '*', '`', '~~', 'link']);
    words[i] = style === 'link' ? `[${words[i]}](https://example.com/${words[i]})` : `${style}${words[i]}${style}`;
  }
  const text = words.join(' ');
  return `${text[0].toUpperCase()}${text.slice(1)}.`;
}

function paragraph(random: SeededRandom): string {
  return Array.from({ length: random.int(2, 7) }, () => sentence(random)).join(' ');
}

/** A realistic Markdown document of about `bytes` bytes (at most). */
export function honestMarkdown(random: SeededRandom, bytes: number): string {
  const blocks: string[] = [`# ${sentence(random).slice(0, -1)}`];
  let size = blocks[0].length;
  let section = 0;
  while (size < bytes) {
    let block: string;
    const kind = random.next();
    if (kind < 0.08) block = `## ${++section}. ${sentence(random).slice(0, -1)}`;
    else if (kind < 0.6) block = paragraph(random);
    else if (kind < 0.7)
      block = Array.from({ length: random.int(2, 6) }, () => `- ${sentence(random)}${random.chance(0.2) ? `\n  - ${sentence(random)}` : ''}`).join('\n');
    else if (kind < 0.76) block = Array.from({ length: random.int(2, 5) }, (_, index) => `${index + 1}. ${sentence(random)}`).join('\n');
    else if (kind < 0.8) block = Array.from({ length: random.int(2, 4) }, () => `- [${random.chance(0.5) ? 'x' : ' '}] ${sentence(random)}`).join('\n');
    else if (kind < 0.86) block = `> ${paragraph(random)}`;
    else if (kind < 0.92)
      block = `\`\`\`ts\nconst ${random.pick(WORDS)} = ${random.int(1, 999)};\n\nexport function run() {\n  return ${random.pick(WORDS).length};\n}\n\`\`\``;
    else if (kind < 0.97) {
      const rows = Array.from({ length: random.int(2, 6) }, () => `| ${random.pick(WORDS)} | ${random.int(1, 9999)} | ${random.pick(WORDS)} |`);
      block = ['| Item | Amount | Note |', '| --- | --- | --- |', ...rows].join('\n');
    } else block = '---';
    if (size + block.length + 2 > bytes) break;
    blocks.push(block);
    size += block.length + 2;
  }
  return blocks.join('\n\n');
}

/** `blocks` blocks of Markdown with every construct that crosses lines, separated by one to four blank lines. */
export function trickyMarkdown(random: SeededRandom, blocks: number): string {
  const labels = Array.from({ length: 6 }, (_, index) => `ref ${index}`);
  const parts: string[] = [];
  for (let i = 0; i < blocks; i++) {
    const word = () => random.pick(WORDS);
    const block = random.pick<() => string>([
      () => sentence(random),
      () => `${sentence(random)}\n${sentence(random)}`,
      () => `# ${word()}`,
      () => `${word()} ${word()}\n===`,
      () => `- ${word()}\n\n- ${word()}\n\n  ${sentence(random)}`,
      () => `- ${word()}\n  - ${word()}\n    - ${word()}\nlazy ${word()}`,
      () => `1. ${word()}\n2. ${word()}\n\n3. ${word()}`,
      () => `- [ ] ${word()}\n- [x] ${word()}`,
      () => `> ${sentence(random)}\nlazy ${word()}\n> ${word()}`,
      () => `\`\`\`\n${word()}\n\n\n${word()}\n\`\`\``,
      () => `~~~~\n${word()}\n\nnot a fence end ~~~\n~~~~`,
      () => `    indented ${word()}\n\n    more code`,
      () => `<!-- a comment\n\n${word()} inside it\n-->`,
      () => `<pre>\n${word()}\n\n${word()}\n</pre>`,
      () => `<div>${word()}</div>`,
      () => `| a | b |\n| - | - |\n| ${word()} | ${word()} |`,
      () => `[${random.pick(labels)}]: https://example.com/${word()}`,
      () => `[${random.pick(labels)}]: https://example.com/${word()} "a title"\n[${random.pick(labels)}]: <https://example.com/${word()}>`,
      () => `See [${random.pick(labels)}] and [text][${random.pick(labels)}] and [${random.pick(labels).toUpperCase()}][].`,
      () => `${random.int(1, 99)} ${word()} started with a number`,
      () => `${random.int(1, 9)}. a list that starts with a number`,
      () => '***',
      () => `**${word()}** *${word()}* \`${word()}\``,
    ])();
    parts.push(block);
    if (i < blocks - 1) parts.push('\n'.repeat(random.int(2, 5)));
  }
  return parts.join('');
}
