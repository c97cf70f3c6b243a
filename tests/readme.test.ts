import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { configTable, tableEnd, tableStart } from "../scripts/config-table";
import { configKeys } from "../stacks/settings";
import { repositoryRoot } from "../harness";

const readme = fs.readFileSync(path.join(repositoryRoot, "README.md"), "utf8");

describe("README", () => {
    it("carries the config reference generated from the schema and profiles (scripts/config-table.ts --write refreshes it)", () => {
        const start = readme.indexOf(tableStart);
        const end = readme.indexOf(tableEnd);
        assert.ok(start >= 0 && end > start, "config-table markers missing");
        assert.equal(readme.slice(start + tableStart.length, end).trim(), configTable());
    });

    it("documents every config key", () => {
        for (const key of configKeys) assert.ok(readme.includes(`| \`${key}\` |`), key);
    });

    it("opens with a way to try it without an AWS account, every command in it a script of the project", () => {
        const lines = readme.split("\n");
        const heading = lines.indexOf("## Try it without an AWS account");
        assert.ok(heading >= 0 && heading < 30, "within the first screen");
        assert.ok(heading < lines.findIndex((line) => line.startsWith("## ") && line !== lines[heading]), "before every other section");
        const block = /## Try it without an AWS account\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
        const scripts = JSON.parse(fs.readFileSync(path.join(repositoryRoot, "package.json"), "utf8")).scripts as Record<string, string>;
        const used = [...block.matchAll(/npm (?:run )?([\w:]+)/g)].map((match) => match[1]).filter((name) => name !== "ci");
        assert.deepEqual(used.filter((name) => !(name in scripts)), []);
        for (const name of ["test", "setup", "cost", "check:manifests"]) assert.ok(used.includes(name), name);
        assert.match(readme.slice(readme.indexOf("## Try it without an AWS account")), /app\/README\.md#run-it-locally/);
    });

    it("shows the install, deploy and test commands", () => {
        assert.ok(readme.includes("npm ci && npm ci --prefix app"));
        assert.ok(readme.includes("pulumi up --stack dev"));
        assert.ok(readme.includes("npm test"));
    });
});
