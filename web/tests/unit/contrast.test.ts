// WCAG AA (4.5:1) for every text/background pair the stylesheet uses, in both themes, computed from
// the custom properties in web/src/styles.css (run from the repository root).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const css = readFileSync("web/src/styles.css", "utf8");

function variables(selector: string): Record<string, string> {
  const start = css.indexOf(selector + " {");
  assert.ok(start >= 0, `no ${selector} block`);
  const block = css.slice(start, css.indexOf("}", start));
  const out: Record<string, string> = {};
  for (const match of block.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)) out[match[1]] = match[2];
  return out;
}

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const PAIRS: [string, string][] = [
  ["text", "bg"], ["text", "surface"], ["text", "surface-2"], ["text-muted", "surface"], ["text-muted", "bg"],
  ["text-muted", "surface-2"], ["accent", "surface"], ["accent", "bg"], ["accent-text", "accent"], ["danger", "surface"],
  ["ok-text", "ok-bg"], ["warn-text", "warn-bg"], ["bad-text", "bad-bg"], ["muted-text", "muted-bg"], ["info-text", "info-bg"],
];

for (const [theme, selector] of [["light", ":root"], ["dark", ':root[data-theme="dark"]']]) {
  test(`${theme} theme: text contrast is at least 4.5:1`, () => {
    const vars = variables(selector);
    for (const [fg, bg] of PAIRS) {
      assert.ok(vars[fg] && vars[bg], `${theme}: --${fg} and --${bg} are defined`);
      const ratio = contrast(vars[fg], vars[bg]);
      assert.ok(ratio >= 4.5, `${theme}: --${fg} on --${bg} is ${ratio.toFixed(2)}:1`);
    }
  });
}

test("the system dark theme uses the same colours as the chosen one", () => {
  const start = css.indexOf('@media (prefers-color-scheme: dark)');
  const media = css.slice(start, css.indexOf(':root[data-theme="dark"]'));
  const dark = variables(':root[data-theme="dark"]');
  for (const [name, value] of Object.entries(dark)) assert.match(media, new RegExp(`--${name}: ${value};`), `--${name}`);
});
