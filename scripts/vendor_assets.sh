#!/usr/bin/env bash
# Refresh static/vendor/nhsuk-frontend from the npm registry (called by `make vendor-assets`).
#
# The copied files are committed, so running the app never needs node: only this script does.
# To upgrade, change the pinned version in package.json, run `npm install --package-lock-only`,
# then run this script and commit package.json, package-lock.json and static/vendor/nhsuk-frontend.
#
# Re-runnable: it installs exactly what package-lock.json says and rebuilds the target folder.
set -euo pipefail

cd "$(dirname "$0")/.."

command -v npm >/dev/null || { echo "vendor_assets: npm (Node 20+) is needed to refresh the assets" >&2; exit 1; }

# --ignore-scripts: nothing from the registry runs on this machine; we only copy files.
npm ci --ignore-scripts --no-audit --no-fund

SRC=node_modules/nhsuk-frontend/dist/nhsuk
DEST=static/vendor/nhsuk-frontend
VERSION=$(node -p "require('./node_modules/nhsuk-frontend/package.json').version")

[ -f "$SRC/nhsuk-frontend.min.css" ] && [ -f "$SRC/nhsuk-frontend.min.js" ] && [ -d "$SRC/assets" ] || {
    echo "vendor_assets: nhsuk-frontend $VERSION does not ship the expected dist files in $SRC" >&2
    exit 1
}

rm -rf "$DEST"
mkdir -p "$DEST"

# Only what pages load: the compiled stylesheet, the ES module bundle and the images/manifest.
cp -R "$SRC/assets" "$DEST/assets"

# Three deterministic edits to the copied files (see static/vendor/nhsuk-frontend/README.md):
#  1. the stylesheet points at /assets/images/...; make it relative to the stylesheet, which is
#     where the images now are (Django's manifest storage then rewrites them to hashed names);
#  2. drop the @font-face rules that load Frutiger from assets.nhs.uk: no third-party requests
#     (and a font-src 'self' Content-Security-Policy); the NHS font stack falls back to Arial;
#  3. drop the sourceMappingURL comments, as the .map files are not vendored (collectstatic's
#     manifest storage would otherwise fail looking for them).
node - "$SRC" "$DEST" <<'JS'
const fs = require("fs");
const path = require("path");
const [src, dest] = process.argv.slice(2);
const stripMap = (text) => text.replace(/\n?\/[*/]# sourceMappingURL=[^\n]*?(\*\/)?\s*$/, "\n");

let css = fs.readFileSync(path.join(src, "nhsuk-frontend.min.css"), "utf8");
css = css.replace(/url\(\/assets\//g, "url(assets/");
css = css.replace(/@font-face\{[^}]*assets\.nhs\.uk[^}]*\}/g, "");
css = stripMap(css);
for (const leftover of ["url(/assets/", "assets.nhs.uk", "sourceMappingURL"]) {
  if (css.includes(leftover)) throw new Error(`nhsuk-frontend.min.css still contains ${leftover}`);
}
fs.writeFileSync(path.join(dest, "nhsuk-frontend.min.css"), css);

let js = stripMap(fs.readFileSync(path.join(src, "nhsuk-frontend.min.js"), "utf8"));
if (js.includes("sourceMappingURL")) throw new Error("nhsuk-frontend.min.js still has a source map");
fs.writeFileSync(path.join(dest, "nhsuk-frontend.min.js"), js);
JS

printf '%s\n' "$VERSION" > "$DEST/VERSION"
cat > "$DEST/README.md" <<MD
# nhsuk-frontend $VERSION (vendored)

Copied from the npm package \`nhsuk-frontend@$VERSION\` (MIT licence,
https://github.com/nhsuk/nhsuk-frontend) by \`scripts/vendor_assets.sh\`; do not edit by hand.

- \`nhsuk-frontend.min.css\`: \`dist/nhsuk/nhsuk-frontend.min.css\`, with \`url(/assets/...)\` made
  relative, the Frutiger \`@font-face\` rules (fonts on assets.nhs.uk) removed, and the
  source map comment removed.
- \`nhsuk-frontend.min.js\`: \`dist/nhsuk/nhsuk-frontend.min.js\`, an ES module exporting
  \`initAll\`, loaded and initialised by \`static/js/app.js\`; source map comment removed.
- \`assets/\`: \`dist/nhsuk/assets/\` (favicons, icons, web app manifest).
MD

echo "vendor_assets: nhsuk-frontend $VERSION copied to $DEST"
