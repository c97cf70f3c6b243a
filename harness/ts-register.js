// TypeScript for Node as `ts-node/register/transpile-only` gives it, with each file's output kept on disk by content.
// Every process the tests start (each mocha worker, each CLI a test runs, the manifest checks) transpiled the program
// and its imports afresh, about 2 CPU-s each, most of a short run: now only a changed file is transpiled again.
// Plain JavaScript: it is what makes TypeScript loadable. Use: `node -r ./harness/ts-register.js <file.ts>`.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const sourceMapSupport = require("@cspotcode/source-map-support");
const tsNode = require("ts-node");

const cacheRoot = path.join(__dirname, "..", "node_modules", ".cache");
// Node's own cache of compiled JavaScript (node_modules' and ours), for what this process loads from here on.
require("node:module").enableCompileCache(path.join(cacheRoot, "node-compile"));
const service = tsNode.register({ transpileOnly: true });
const cacheDir = path.join(cacheRoot, "ts-transpiled");
/** What decides the output besides the file's path and text: the tools' versions and the compiler options. */
const salt = JSON.stringify([tsNode.VERSION, service.ts.version, service.config.options]);
/** Outputs read from the cache, for stack traces: ts-node maps only what it transpiled itself. */
const fromCache = new Map();
sourceMapSupport.install({ environment: "node", retrieveFile: (file) => fromCache.get(file) ?? "" });

const transpile = service.compile;
// ts-node's require hook looks service.compile up on each file, so this serves every TypeScript file loaded.
service.compile = (code, fileName, lineOffset) => {
    const key = crypto.createHash("sha256").update(salt).update("\0").update(fileName).update("\0").update(code).digest("hex");
    const file = path.join(cacheDir, `${key}.js`);
    try {
        const output = fs.readFileSync(file, "utf8");
        fromCache.set(fileName, output);
        return output;
    } catch {
        const output = transpile(code, fileName, lineOffset);
        // Written whole under a name of its own, then renamed: a process reading the cache never sees half a file.
        fs.mkdirSync(cacheDir, { recursive: true });
        const partial = `${file}.${process.pid}.partial`;
        fs.writeFileSync(partial, output);
        fs.renameSync(partial, file);
        return output;
    }
};
