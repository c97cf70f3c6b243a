import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { configReferencePath, configTable, tableEnd, tableStart } from "../scripts/config-table";
import { configKeys } from "../stacks/settings";
import { repositoryRoot } from "../harness";

const readme = fs.readFileSync(path.join(repositoryRoot, "README.md"), "utf8");
const configReference = fs.readFileSync(configReferencePath, "utf8");

describe("README", () => {
    it("links a config reference generated from the schema and profiles (scripts/config-table.ts --write refreshes it)", () => {
        assert.equal(path.relative(repositoryRoot, configReferencePath), path.join("docs", "configuration.md"));
        assert.ok(readme.includes("](docs/configuration.md)"));
        const start = configReference.indexOf(tableStart);
        const end = configReference.indexOf(tableEnd);
        assert.ok(start >= 0 && end > start, "config-table markers missing");
        assert.equal(configReference.slice(start + tableStart.length, end).trim(), configTable());
    });

    it("documents every config key", () => {
        for (const key of configKeys) assert.ok(configReference.includes(`| \`${key}\` |`), key);
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

    it("shows the install, test and deploy commands on its first screen, after saying what it is", () => {
        const firstScreen = readme.split("\n").slice(0, 24).join("\n");
        assert.match(firstScreen, /^# eks-app\n\nOne Pulumi program/);
        const commands = /```sh\n([\s\S]*?)```/.exec(firstScreen)?.[1] ?? "";
        for (const command of ["npm ci && npm ci --prefix app", "npm test", "pulumi up --stack dev"]) assert.ok(commands.includes(command), command);
    });

    it("keeps the long reference out: the config table, the runbooks and the role table live under docs/", () => {
        assert.ok(!readme.includes(tableStart), "config table");
        assert.doesNotMatch(readme, /^#+ Alert: /m, "an alert's runbook section");
        assert.doesNotMatch(readme, /^\| `eks-app-staging-deploy` \|/m, "the delivery roles' table");
        assert.doesNotMatch(readme, /^- \*\*Locked stack\*\*/m, "the failure runbook");
    });
});
