/**
 * Word-wrap a run of cells to a width: lines break at spaces, words longer
 * than a line are cut, a NEWLINE starts a new line (runs of them count once,
 * so no blank line wastes an LCD row).
 */
import { NEWLINE, SPACE, type Cell } from './charmap.js';

export function wrap(cells: Cell[], width: number): Cell[][] {
  const lines: Cell[][] = [];
  const paragraphs: Cell[][] = [[]];
  for (const c of cells) {
    if (c === NEWLINE) paragraphs.push([]);
    else paragraphs[paragraphs.length - 1].push(c);
  }
  for (const para of paragraphs) {
    const words = splitWords(para);
    if (!words.length) continue;
    let line: Cell[] = [];
    for (let word of words) {
      if (line.length && line.length + 1 + word.length <= width) {
        line.push(SPACE, ...word);
        continue;
      }
      if (line.length) {
        // A long word starts on the current line when a good part of it fits.
        const room = width - line.length - 1;
        if (word.length > width && room >= 4) {
          line.push(SPACE, ...word.slice(0, room));
          word = word.slice(room);
        }
        lines.push(line);
        line = [];
      }
      while (word.length > width) {
        lines.push(word.slice(0, width));
        word = word.slice(width);
      }
      line = word;
    }
    if (line.length) lines.push(line);
  }
  return lines;
}

function splitWords(cells: Cell[]): Cell[][] {
  const words: Cell[][] = [];
  let word: Cell[] = [];
  for (const c of cells) {
    if (c === SPACE) {
      if (word.length) words.push(word);
      word = [];
    } else word.push(c);
  }
  if (word.length) words.push(word);
  return words;
}
