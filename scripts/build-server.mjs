// Compiles server.ts and the server/ code it imports into dist/ at build time, so `npm start` runs plain node
// (no TypeScript compiler at start-up: issue #17, start-up to /health "ok" within 5 s). npm packages stay
// external; dynamic imports stay separate chunks, so the heavy modules still load after the server listens.
// The output is not minified (stack traces stay readable); source maps are written beside it for
// NODE_OPTIONS=--enable-source-maps, which is off by default because it slows every start.
import fs from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const outdir = path.join(root, "dist");

// Our sources find files beside themselves (prisma/migrations, the generated Prisma client): keep
// import.meta pointing at the source's place, not at the bundle's.
const keepSourceLocation = {
  name: "keep-source-location",
  setup(build) {
    build.onLoad({ filter: /\.(ts|tsx|mts)$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      let contents = await fs.promises.readFile(args.path, "utf8");
      if (contents.includes("import.meta.url") || contents.includes("import.meta.dirname")) {
        const file = JSON.stringify(path.relative(outdir, args.path));
        const dir = JSON.stringify(`${path.relative(outdir, path.dirname(args.path)) || "."}/`);
        contents = contents
          .replaceAll("import.meta.url", `new URL(${file}, import.meta.url).href`)
          .replaceAll("import.meta.dirname", `decodeURIComponent(new URL(${dir}, import.meta.url).pathname).replace(/\\/$/, "")`);
      }
      return { contents, loader: args.path.endsWith("x") ? "tsx" : "ts" };
    });
  },
};

fs.rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { server: "server.ts" },
  outdir,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
  plugins: [keepSourceLocation],
});
console.log(`[build] server compiled to ${path.relative(root, outdir)}/server.mjs`);
