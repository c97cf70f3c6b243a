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

    it("shows the install, deploy and test commands", () => {
        assert.ok(readme.includes("npm ci && npm ci --prefix app"));
        assert.ok(readme.includes("pulumi up --stack dev"));
        assert.ok(readme.includes("npm test"));
    });
});
