#!/usr/bin/env bash
# Builds the dashboard into web/dist: type-check (tsc), bundle (esbuild: hashed names, code
# splitting, metafile), icons (rsvg-convert), index.html, manifest and the service worker with its
# precache list. `scripts/web-build.sh --watch` rebuilds on change with fixed names for development.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs
out=web/dist
cache=web/.cache
mkdir -p "$cache"

common=(web/src/main.tsx --bundle --format=esm --splitting --target=es2020 --jsx=automatic
        --define:process.env.NODE_ENV=\"production\" --loader:.svg=file --log-level=warning)

icons() {
  mkdir -p "$out/icons"
  cp web/static/icon.svg "$out/icons/icon.svg"
  for size in 192 512; do
    rsvg-convert -w $size -h $size web/static/icon.svg -o "$out/icons/icon-$size.png"
  done
  rsvg-convert -w 512 -h 512 web/static/icon-maskable.svg -o "$out/icons/icon-maskable-512.png"
}

if [ "${1:-}" = "--watch" ]; then
  rm -rf "$out" && mkdir -p "$out/assets"
  icons
  sed -e 's#__JS__#/assets/main.js#' -e 's#__CSS__#/assets/main.css#' web/static/index.html >"$out/index.html"
  cp web/static/manifest.webmanifest "$out/"
  echo "watching web/src → $out (serve it with: octoisp serve; reload the page after a change)"
  exec esbuild "${common[@]}" --outdir="$out/assets" --entry-names='[name]' --chunk-names='[name]-[hash]' --sourcemap --watch=forever
fi

tsc -p web/tsconfig.json
rm -rf "$out" && mkdir -p "$out/assets"
esbuild "${common[@]}" --outdir="$out/assets" --entry-names='[name]-[hash]' --chunk-names='[name]-[hash]' \
  --asset-names='[name]-[hash]' --minify --legal-comments=none --metafile="$cache/meta.json"
icons
node web/scripts/finish-build.mjs "$cache/meta.json" "$out" web/static
