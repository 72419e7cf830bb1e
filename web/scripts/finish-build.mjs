// After esbuild: writes index.html pointing at the hashed entry files, the manifest, and sw.js with
// the precache list taken from the metafile; prints the gzipped sizes (initial JS vs lazy chunks).
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";

const [metaPath, dist, staticDir] = process.argv.slice(2);
const meta = JSON.parse(readFileSync(metaPath, "utf8"));
const url = (file) => "/" + relative(dist, file).split("\\").join("/");

const outputs = Object.entries(meta.outputs).filter(([file]) => !file.endsWith(".map"));
const entry = outputs.find(([, o]) => o.entryPoint && o.entryPoint.endsWith("src/main.tsx"));
if (!entry) throw new Error("no output for src/main.tsx in the metafile");
const [entryFile, entryOutput] = entry;
const css = entryOutput.cssBundle;

writeFileSync(
  join(dist, "index.html"),
  readFileSync(join(staticDir, "index.html"), "utf8").replace("__JS__", url(entryFile)).replace("__CSS__", css ? url(css) : ""),
);
writeFileSync(join(dist, "manifest.webmanifest"), readFileSync(join(staticDir, "manifest.webmanifest")));

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
const icons = walk(join(dist, "icons")).map(url).sort();
const assets = outputs.map(([file]) => url(file)).sort();
const precache = ["/", "/index.html", "/manifest.webmanifest", ...icons, ...assets];
const version = createHash("sha256").update(precache.join("\n")).digest("hex").slice(0, 12);
writeFileSync(
  join(dist, "sw.js"),
  `const PRECACHE = ${JSON.stringify(precache)};\nconst VERSION = ${JSON.stringify(version)};\n` + readFileSync(join(staticDir, "sw.js"), "utf8"),
);

// Initial JavaScript: the entry and the chunks it imports statically; the rest loads on demand.
const initial = new Set();
const visit = (file) => {
  if (initial.has(file)) return;
  initial.add(file);
  for (const imp of meta.outputs[file].imports ?? []) if (imp.kind === "import-statement") visit(imp.path);
};
visit(entryFile);
const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;
const kb = (n) => (n / 1024).toFixed(1) + " KB";
let initialJs = 0;
let lazyJs = 0;
for (const [file] of outputs) {
  if (!file.endsWith(".js")) continue;
  if (initial.has(file)) initialJs += gz(file);
  else lazyJs += gz(file);
}
const cssSize = css ? gz(css) : 0;
const report = { initial_js_gzip: initialJs, lazy_js_gzip: lazyJs, css_gzip: cssSize, files: precache.length };
writeFileSync(join(metaPath, "..", "sizes.json"), JSON.stringify(report, null, 2) + "\n");
console.log(`web bundle: initial JS ${kb(initialJs)} gzipped, lazy chunks ${kb(lazyJs)}, CSS ${kb(cssSize)}; ${precache.length} files precached (sw ${version})`);
