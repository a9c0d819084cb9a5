// Builds the console into dist/: esbuild bundles src/main.tsx (minified,
// es2020) into dist/assets/app.<hash>.js and app.<hash>.css, and dist/index.html
// references them. Same sources, same bytes: the names are content hashes and
// nothing else (no time, no absolute path) goes into the output.
// Prints the JavaScript's gzipped size and fails when it reaches the budget.
import { build } from "esbuild";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const BUDGET = 200 * 1024;

// The generated client (../clients/typescript/src/gen) imports @bufbuild/protobuf;
// resolve it, and every @bufbuild/@connectrpc import, from this package's
// node_modules, so one copy of each is bundled whatever else is installed.
const depsFromConsole = {
  name: "deps-from-console",
  setup(b) {
    b.onResolve({ filter: /^@(bufbuild|connectrpc)\// }, (args) => {
      if (args.pluginData?.fromConsole) return undefined;
      return b.resolve(args.path, { kind: args.kind, resolveDir: here, pluginData: { fromConsole: true } });
    });
  },
};

const result = await build({
  absWorkingDir: here,
  entryPoints: ["src/main.tsx"],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2020",
  platform: "browser",
  jsx: "automatic",
  jsxImportSource: "preact",
  outdir: "dist/assets",
  entryNames: "app.[hash]",
  assetNames: "[name].[hash]",
  legalComments: "none",
  charset: "utf8",
  sourcemap: false,
  write: false,
  logLevel: "warning",
  plugins: [depsFromConsole],
});

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, "assets"), { recursive: true });
let js = "";
let css = "";
let gz = 0;
for (const file of result.outputFiles) {
  writeFileSync(file.path, file.contents);
  const name = basename(file.path);
  if (name.endsWith(".js")) {
    js = name;
    gz += gzipSync(file.contents, { level: 9 }).length;
  } else if (name.endsWith(".css")) {
    css = name;
  }
}
writeFileSync(
  join(dist, "index.html"),
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>roster console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/${css}">
<script type="module" src="assets/${js}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The roster console needs JavaScript.</noscript>
</body>
</html>
`,
);
console.log(`console: dist/assets/${js}, ${(gz / 1024).toFixed(1)} KiB gzipped (budget ${BUDGET / 1024} KiB)`);
if (gz >= BUDGET) {
  console.error(`console: the JavaScript is ${gz} bytes gzipped, over the ${BUDGET}-byte budget`);
  process.exit(1);
}
