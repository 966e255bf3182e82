/**
 * A tiny horizontal bar chart written straight to PNG, for benchmark results: no plotting
 * library is installed and none is needed for bars and labels. RGB, 8 bits, one IDAT chunk
 * compressed with node:zlib; text in a 5x7 bitmap font (upper case, digits, a little
 * punctuation), drawn at twice its size.
 */
import { deflateSync } from 'node:zlib';

export interface Bar {
  label: string;
  /** `undefined` draws no bar and prints `missingText` instead (a part not built yet). */
  value: number | undefined;
  color?: Rgb;
}

export interface Panel {
  title: string;
  /** Printed after each value, e.g. "ms" or "MB". */
  unit: string;
  bars: Bar[];
  missingText?: string;
}

export type Rgb = readonly [number, number, number];

export const COLORS = {
  ours: [46, 110, 180] as Rgb,
  baseline: [150, 150, 150] as Rgb,
  classic: [205, 95, 40] as Rgb,
} as const;

const SCALE = 2;
const ADVANCE = 6 * SCALE; // 5 columns of glyph + 1 of spacing
const LINE = 7 * SCALE;
const WIDTH = 1100;
const MARGIN = 16;
const BAR_HEIGHT = 22;
const BAR_GAP = 10;
const VALUE_ROOM = 150;

// Rows top to bottom, 5 columns each; '#' is ink.
const GLYPHS: Record<string, string> = {
  A: '.###. #...# #...# ##### #...# #...# #...#', B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.', D: '####. #...# #...# #...# #...# #...# ####.',
  E: '##### #.... #.... ####. #.... #.... #####', F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####', H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.', J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#', L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#', N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.', P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#', R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.', T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.', V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.', X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..', Z: '##### ....# ...#. ..#.. .#... #.... #####',
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.', '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####', '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.', '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.', '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.', '9': '.###. #...# #...# .#### ....# ...#. .##..',
  ' ': '..... ..... ..... ..... ..... ..... .....', '-': '..... ..... ..... ##### ..... ..... .....',
  _: '..... ..... ..... ..... ..... ..... #####', '.': '..... ..... ..... ..... ..... .##.. .##..',
  ',': '..... ..... ..... ..... .##.. ..#.. .#...', ':': '..... .##.. .##.. ..... .##.. .##.. .....',
  '/': '..... ....# ...#. ..#.. .#... #.... .....', '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...', '=': '..... ..... ##### ..... ##### ..... .....',
  '%': '##... ##..# ...#. ..#.. .#... #..## ...##', '+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
  '>': '.#... ..#.. ...#. ....# ...#. ..#.. .#...', '<': '...#. ..#.. .#... #.... .#... ..#.. ...#.',
  '|': '..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..', '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
};

class Canvas {
  readonly pixels: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height * 3).fill(255);
  }

  rect(x: number, y: number, w: number, h: number, color: Rgb): void {
    for (let row = Math.max(0, y); row < Math.min(this.height, y + h); row += 1) {
      for (let col = Math.max(0, x); col < Math.min(this.width, x + w); col += 1) {
        const at = (row * this.width + col) * 3;
        this.pixels[at] = color[0];
        this.pixels[at + 1] = color[1];
        this.pixels[at + 2] = color[2];
      }
    }
  }

  text(x: number, y: number, text: string, color: Rgb = [0, 0, 0]): void {
    let cursor = x;
    for (const char of text.toUpperCase()) {
      const rows = (GLYPHS[char] ?? GLYPHS['?'] ?? '').split(' ');
      rows.forEach((bits, row) => {
        for (let col = 0; col < bits.length; col += 1) {
          if (bits[col] === '#') this.rect(cursor + col * SCALE, y + row * SCALE, SCALE, SCALE, color);
        }
      });
      cursor += ADVANCE;
    }
  }
}

export function textWidth(text: string): number {
  return text.length * ADVANCE;
}

/** Renders the panels one under the other, bars scaled per panel, and returns the PNG bytes. */
export function renderBarChart(title: string, panels: Panel[], legend: Array<{ label: string; color: Rgb }> = []): Buffer {
  const labelWidth = Math.max(...panels.flatMap((panel) => panel.bars.map((bar) => textWidth(bar.label)))) + 2 * MARGIN;
  const panelHeight = (panel: Panel) => LINE + 2 * BAR_GAP + panel.bars.length * (BAR_HEIGHT + BAR_GAP);
  const height = MARGIN + LINE + 2 * BAR_GAP + panels.reduce((sum, panel) => sum + panelHeight(panel) + BAR_GAP, 0) + MARGIN;
  const width = Math.max(WIDTH, labelWidth + VALUE_ROOM + 300);
  const canvas = new Canvas(width, height);
  canvas.text(MARGIN, MARGIN, title);
  // The legend sits on the title line, right-aligned: a swatch and a name per colour.
  let legendX = width - MARGIN - legend.reduce((sum, item) => sum + LINE + 6 + textWidth(item.label) + 18, 0);
  for (const item of legend) {
    canvas.rect(legendX, MARGIN, LINE, LINE, item.color);
    canvas.text(legendX + LINE + 6, MARGIN, item.label);
    legendX += LINE + 6 + textWidth(item.label) + 18;
  }

  let y = MARGIN + LINE + 2 * BAR_GAP;
  const barRoom = width - labelWidth - VALUE_ROOM - MARGIN;
  for (const panel of panels) {
    canvas.text(MARGIN, y, panel.title, [60, 60, 60]);
    y += LINE + BAR_GAP;
    canvas.rect(labelWidth - 1, y - BAR_GAP / 2, 1, panel.bars.length * (BAR_HEIGHT + BAR_GAP), [0, 0, 0]);
    const largest = Math.max(1e-9, ...panel.bars.map((bar) => bar.value ?? 0));
    for (const bar of panel.bars) {
      const textY = y + (BAR_HEIGHT - LINE) / 2;
      canvas.text(labelWidth - MARGIN - textWidth(bar.label), textY, bar.label);
      if (bar.value === undefined) {
        canvas.text(labelWidth + 8, textY, panel.missingText ?? 'n/a', [130, 130, 130]);
      } else {
        const length = Math.max(1, Math.round((bar.value / largest) * barRoom));
        canvas.rect(labelWidth, y, length, BAR_HEIGHT, bar.color ?? COLORS.ours);
        canvas.text(labelWidth + length + 8, textY, `${formatValue(bar.value)} ${panel.unit}`);
      }
      y += BAR_HEIGHT + BAR_GAP;
    }
    y += BAR_GAP;
  }
  return encodePng(canvas.width, canvas.height, canvas.pixels);
}

function formatValue(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** PNG from packed RGB pixels (filter type 0 on every row). */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  const raw = Buffer.alloc(height * (width * 3 + 1));
  for (let row = 0; row < height; row += 1) {
    Buffer.from(rgb.buffer, rgb.byteOffset + row * width * 3, width * 3).copy(raw, row * (width * 3 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
